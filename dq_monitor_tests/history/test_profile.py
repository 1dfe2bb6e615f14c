"""Per-snapshot profile, metric keys, and the adaptive check's outcome."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dq_monitor.core.outcome import Severity
from dq_monitor.history import (
    MonitorSpec,
    detect,
    evaluate_latest,
    metric_key,
    monitor_outcome,
    parse_metric_key,
    profile,
)


def small_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "email": ["a@x", "a@x", None, "b@x", "a@x"],
            "amount": [10.0, np.nan, 30.0, 40.0, 20.0],
            "ts": pd.to_datetime(
                ["2026-01-01 00:00", "2026-01-02 00:00", None, "2026-01-03 00:00", "2026-01-02 12:00"]
            ),
            "active": [True, False, True, True, None],
        }
    )


def test_profile_computes_counts_null_rates_distincts_and_numeric_statistics():
    metrics = profile(small_frame())
    assert metrics["row_count"] == 5 and metrics["column_count"] == 5
    assert "bytes" not in metrics and profile(small_frame(), byte_size=2048)["bytes"] == 2048
    assert metrics["null_rate:email"] == pytest.approx(0.2)
    assert metrics["null_rate:amount"] == pytest.approx(0.2)
    assert metrics["null_rate:id"] == 0
    assert metrics["distinct_count:email"] == 2 and metrics["distinct_count:id"] == 5
    assert metrics["top_share:email"] == pytest.approx(3 / 4)
    assert metrics["top_share:active"] == pytest.approx(3 / 4)
    amounts = np.array([10.0, 30.0, 40.0, 20.0])
    assert metrics["min:amount"] == 10 and metrics["max:amount"] == 40
    assert metrics["mean:amount"] == pytest.approx(25.0)
    for key, q in (("p05:amount", 5), ("p50:amount", 50), ("p95:amount", 95)):
        assert metrics[key] == pytest.approx(np.percentile(amounts, q))
    assert metrics["max:ts"] == pd.Timestamp("2026-01-03", tz="UTC").timestamp()
    assert "top_share:amount" not in metrics and "mean:email" not in metrics
    assert all(isinstance(v, float) for v in metrics.values())


def test_profile_reports_freshness_lag_only_with_a_timestamp_column_and_snapshot_time():
    frame = small_frame()
    assert "freshness_lag_seconds" not in profile(frame, timestamp_column="ts")
    metrics = profile(frame, timestamp_column="ts", snapshot_time="2026-01-03T06:00:00Z")
    assert metrics["freshness_lag_seconds"] == 6 * 3600
    text_stamps = frame.assign(ts=frame["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    assert profile(text_stamps, "ts", pd.Timestamp("2026-01-04"))["freshness_lag_seconds"] == 24 * 3600


def test_profile_errors_name_the_problem():
    with pytest.raises(ValueError, match="timestamp_column 'created'"):
        profile(small_frame(), timestamp_column="created", snapshot_time="2026-01-01")
    with pytest.raises(ValueError, match="'email' holds values that are not timestamps"):
        profile(small_frame(), timestamp_column="email", snapshot_time="2026-01-01")


def test_profile_of_an_empty_snapshot_has_the_same_keys_with_missing_values():
    empty = small_frame().iloc[:0]
    metrics = profile(empty)
    assert metrics["row_count"] == 0
    assert np.isnan(metrics["null_rate:email"]) and np.isnan(metrics["mean:amount"])
    assert set(metrics) == set(profile(small_frame()))


def test_metric_keys_round_trip_even_when_a_column_name_contains_a_colon():
    assert metric_key("row_count") == "row_count"
    assert metric_key("null_rate", "a:b") == "null_rate:a:b"
    assert parse_metric_key("null_rate:a:b") == ("null_rate", "a:b")
    assert parse_metric_key("row_count") == ("row_count", None)


def history(values, name="row_count") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.date_range("2026-01-01", periods=len(values), freq="D"), name=name
    )


def test_profiles_of_snapshots_form_a_series_the_detector_judges():
    rng = np.random.default_rng(0)
    rows = []
    for day in range(40):
        frame = pd.DataFrame({"email": np.where(rng.random(500) < (0.5 if day == 39 else 0.02), None, "x")})
        rows.append(profile(frame))
    series = history([r["null_rate:email"] for r in rows], name="null_rate:email")
    result = detect(series, {"metric": "null_rate", "column": "email", "seasonality": "none"})
    assert result["is_anomaly"].iloc[-1] and not result["is_anomaly"].iloc[:-1].any()


def test_outcome_of_an_anomalous_latest_point_fails_with_band_and_state_in_metadata():
    rng = np.random.default_rng(4)
    values = list(1000 + rng.normal(0, 10, 30)) + [300.0]
    spec = MonitorSpec(metric="row_count", seasonality="none")
    verdict = evaluate_latest(history(values), spec)
    outcome = monitor_outcome("orders", verdict, snapshot="2026-01-31")
    assert outcome.check == "orders_row_count_is_normal"
    assert not outcome.passed and outcome.severity is Severity.ERROR
    meta = outcome.metadata
    assert meta["observed"] == 300 and meta["state"] == "anomaly" and meta["history_length"] == 30
    assert meta["lower"] < 1000 < meta["upper"] and meta["expected"] == pytest.approx(1000, abs=15)
    assert "below the normal band" in outcome.message and "orders row_count" in outcome.message
    (finding,) = outcome.findings
    assert finding.snapshot == "2026-01-31" and finding.key == "row_count" and finding.severity is Severity.ERROR
    assert finding.to_dict()["details"]["band"] == meta["band"]


def test_outcome_while_learning_passes_and_says_it_is_learning():
    spec = MonitorSpec(metric="null_rate", column="email")
    outcome = monitor_outcome("users", evaluate_latest(history([0.01, 0.02, 0.5], "null_rate:email"), spec))
    assert outcome.passed and outcome.metadata["state"] == "learning"
    assert "learning" in outcome.message and outcome.check == "users_null_rate_email_is_normal"
    assert outcome.metadata["lower"] is None and outcome.findings == ()


def test_outcome_of_a_point_marked_expected_passes_and_keeps_the_observation():
    rng = np.random.default_rng(5)
    series = history(list(1000 + rng.normal(0, 10, 30)) + [300.0])
    spec = {"metric": "row_count", "seasonality": "none"}
    verdict = evaluate_latest(series, spec, expected={series.index[-1]})
    outcome = monitor_outcome("orders", verdict)
    assert outcome.passed and verdict.is_anomaly and verdict.marked_expected
    assert "marked expected" in outcome.message and outcome.metadata["marked_expected"] is True


def test_outcome_of_a_spike_only_monitor_shows_an_open_lower_band():
    rng = np.random.default_rng(6)
    series = history(list(0.01 + rng.normal(0, 0.001, 30)) + [0.011], "null_rate:email")
    verdict = evaluate_latest(series, {"metric": "null_rate", "column": "email", "direction": "spike"})
    outcome = monitor_outcome("users", verdict)
    assert outcome.passed and outcome.metadata["lower"] is None and outcome.metadata["band"].startswith("at most ")


def test_evaluating_an_old_snapshot_as_of_its_time_ignores_later_snapshots():
    rng = np.random.default_rng(7)
    series = history(list(1000 + rng.normal(0, 10, 40)))
    series.iloc[20] = 200.0
    later = series.copy()
    later.iloc[21:] = 5000.0  # whatever happens afterwards
    spec = {"metric": "row_count", "seasonality": "none"}
    at = series.index[20]
    old = evaluate_latest(series, spec, as_of=at)
    assert old.timestamp == at and old.is_anomaly and old.severity is Severity.ERROR
    assert evaluate_latest(later, spec, as_of=at) == old
    assert evaluate_latest(series, spec, as_of=str(at.date())) == old
    row = detect(series, spec).loc[at]
    assert (old.expected, old.lower, old.state) == (row["expected"], row["lower"], row["state"])


def test_band_text_never_shows_infinities_or_a_dash_for_a_missing_distance():
    from dq_monitor.history.verdict import _band, _distance

    assert _band(float("-inf"), 0.0) == "at most 0" and _band(None, 5.0) == "at most 5"
    assert _band(2.0, float("inf")) == "at least 2" and _band(1.0, 2.0) == "[1, 2]"
    assert _distance(None) == "" and _distance(float("nan")) == "" and _distance(3.0) == ", 3 robust std devs away"
