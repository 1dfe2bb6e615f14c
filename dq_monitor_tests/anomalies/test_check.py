"""The `<dataset>_anomaly_rate_is_normal` check outcome built from real scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dq_monitor.anomalies import (
    anomaly_rate_outcome,
    fit_model,
    not_evaluated_outcome,
    score_with_model,
)
from dq_monitor.core.outcome import Severity

SPEC = {"ignore_columns": ["txn_id"], "detector": "robust_z", "random_state": 0}


def frame(n: int, seed: int, start_id: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"txn_id": np.arange(start_id, start_id + n), "amount": rng.normal(100, 10, n), "fee": rng.normal(1, 0.1, n)}
    )


@pytest.fixture(scope="module")
def model():
    return fit_model(frame(4000, 0), SPEC, snapshot_ids=["d1", "d2"])


def outcome(model, current, **spec_overrides):
    scored = score_with_model(model, current)
    return anomaly_rate_outcome(
        "payments", "2024-05-01", scored, current, {**SPEC, **spec_overrides}, primary_key=["txn_id"]
    )


def test_a_normal_snapshot_passes_and_records_rate_and_score_quantiles(model):
    out = outcome(model, frame(2000, 1, start_id=10_000))
    assert out.check == "payments_anomaly_rate_is_normal"
    assert out.passed and out.severity == Severity.WARN
    assert set(out.metrics) == {"anomaly_rate", "anomaly_score_p50", "anomaly_score_p90", "anomaly_score_p99", "anomaly_score_max"}
    assert out.metrics["anomaly_rate"] == pytest.approx(out.metadata["n_anomalies"] / 2000)
    assert out.metrics["anomaly_score_p50"] < out.metrics["anomaly_score_p90"] < out.metrics["anomaly_score_p99"]
    assert out.metadata["expected_rate"] == pytest.approx(model.expected_rate)
    assert out.metadata["model_version"] == model.version
    assert out.findings == ()  # a normal snapshot is not news: its anomalous rows stay in the metadata
    assert out.metadata["normal_band"] in out.message  # the summary and the metadata show the same band


def test_a_snapshot_with_many_anomalies_fails_with_one_finding_holding_the_top_rows(model):
    cur = frame(2000, 2, start_id=20_000)
    cur.loc[:99, "amount"] = 10_000.0  # 5% of rows, far above the ~0.5% expected
    out = outcome(model, cur)
    assert not out.passed
    assert "anomaly rate is abnormally high" in out.message
    assert out.metadata["n_anomalies"] >= 100
    assert len(out.findings) == 1
    f = out.findings[0]
    assert f.key == "snapshot" and f.message == out.message
    assert f.severity == Severity.WARN and f.check == "payments_anomaly_rate_is_normal"
    assert f.details["normal_band"] == out.metadata["normal_band"] and f.details["normal_band"] in f.message
    keys = [r["key"] for r in f.details["top_rows"]]
    assert {f"txn_id={20_000 + i}" for i in range(100)} <= set(keys)
    row = next(r for r in f.details["top_rows"] if r["key"] == "txn_id=20000")
    assert row["primary_key"] == {"txn_id": 20_000}
    assert row["reason"].startswith("amount = 10")
    assert row["score"] > 4 and row["tier"] == "high"
    assert f.to_dict()["details"]["top_rows"][0]["primary_key"]["txn_id"] >= 20000  # JSON-able for the store


def test_evidence_rows_are_capped_highest_scores_first_and_respect_the_alert_threshold(model):
    cur = frame(2000, 3, start_id=30_000)
    cur.loc[:49, "amount"] = 100 + 10 * np.arange(50, 100)  # growing severity
    out = outcome(model, cur, max_findings=5, alert_threshold=2.0)
    assert len(out.findings) == 1
    rows = out.findings[0].details["top_rows"]
    assert [r["key"] for r in rows] == [f"txn_id={30_000 + i}" for i in range(49, 44, -1)]
    assert all(r["score"] >= 2.0 for r in rows)
    assert out.metadata["rows_not_shown"] == out.metadata["rows_above_alert_threshold"] - 5
    assert len(out.metadata["top_anomalies"]) == 5


def test_a_few_extra_anomalies_in_a_small_snapshot_do_not_fail_the_rate_test(model):
    cur = frame(40, 4, start_id=40_000)
    cur.loc[0, "amount"] = 10_000.0
    out = outcome(model, cur, fail_on_tier=None)
    assert out.metadata["n_anomalies"] >= 1
    assert out.passed  # 1 of 40 is above 3x the rate but not significant
    assert out.findings == ()
    assert len(out.metadata["top_anomalies"]) == out.metadata["rows_above_alert_threshold"]


def test_absurd_values_beyond_chance_fail_the_check_through_the_severity_tier(model):
    cur = frame(2000, 4, start_id=40_000)
    cur.loc[:9, "amount"] = 10_000.0  # ten absurd values in 2000 rows: far more than the reference rows at the tier
    out = outcome(model, cur)
    assert not out.passed
    assert out.message.startswith("payments: 10 row(s) reach the 'medium' severity tier: ")
    assert out.metadata["rows_at_fail_tier"] == 10 and out.metadata["fail_tier_count_p_value"] < 1e-3
    assert outcome(model, cur, fail_on_tier="high").passed is False
    assert outcome(model, cur, fail_on_tier=None).passed  # 1% of rows: within the rate band


def test_one_absurd_value_fails_the_check_whatever_the_snapshot_size(model):
    # Small snapshot: distribution-free, the row beyond every one of the 4000 reference rows has p 1 / 4001,
    # below 0.001 / 3. Large snapshot: 1 / 4001 is chance in 2000 rows, but under the Pareto tail fitted to the
    # reference's scores above the threshold (heavier than the data's own) a row this far out is not.
    small = frame(3, 4, start_id=40_000)
    small.loc[1, "amount"] = 10_000.0
    out = outcome(model, small)
    assert not out.passed and out.message.startswith("payments: 1 row(s) reach the 'medium' severity tier: ")
    large = frame(2000, 4, start_id=40_000)
    large.loc[7, "amount"] = 10_000.0
    out = outcome(model, large)
    assert not out.passed and out.message.startswith("payments: 1 row(s) reach the 'medium' severity tier: ")
    assert out.metadata["rows_at_fail_tier"] == 1 and out.metadata["reference_rows_at_fail_tier"] == 0
    assert out.metadata["fail_tier_count_p_value"] > 1e-3  # one row: the count alone is chance
    assert out.metadata["fail_tier_top_row_p_value"] < 1e-3 / 2000 < 1 / 4001
    assert out.metadata["top_anomalies"][0]["key"] == "txn_id=40007"
    assert outcome(model, large, fail_on_tier=None).passed  # the rate alone: within its band


def test_without_a_primary_key_findings_are_keyed_by_row_index(model):
    cur = frame(100, 5)
    cur.index = pd.RangeIndex(500, 600)
    cur.loc[510:519, "fee"] = 9.0
    scored = score_with_model(model, cur)
    out = anomaly_rate_outcome("payments", "s", scored, cur, {**SPEC, "fail_on_tier": "low"})
    assert "row=510" in {r["key"] for r in out.findings[0].details["top_rows"]}


def test_a_column_mismatch_fails_the_check_with_a_clear_finding(model):
    cur = frame(100, 6).drop(columns=["fee"])
    out = outcome(model, cur)
    assert not out.passed
    assert out.message == (
        "payments: the anomaly model no longer matches the data: column(s) fee used by the anomaly model are "
        "missing from the snapshot"
    )
    assert len(out.findings) == 1 and out.findings[0].key == "problem:0"
    assert out.metrics == {}


def test_an_empty_snapshot_passes_with_nothing_to_score(model):
    out = outcome(model, frame(0, 7))
    assert out.passed and "has no rows" in out.message and not out.findings


def test_without_a_model_the_check_is_not_evaluated_and_does_not_pass():
    out = not_evaluated_outcome("payments", "s", needs=3, has=1)
    assert not out.passed and out.severity == Severity.WARN
    assert out.message == ("payments: s not evaluated: no anomaly model trained before this snapshot; "
                           "needs 3 clean snapshot(s) before it, has 1")
    assert out.findings == ()  # nothing to alert on, and the snapshot stays usable for training
    assert out.metadata["not_evaluated"] is True
