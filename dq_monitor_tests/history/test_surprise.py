"""The surprise gate on long series: records are not incidents, sparse counts get finite scores,
one mild crossing waits for a second (issue 14)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dq_monitor.history import detect
from dq_monitor.history.likelihood import _tail_quantile

NONE = {"seasonality": "none"}


def _series(values, freq: str = "h") -> pd.Series:
    index = pd.date_range("2025-01-06", periods=len(values), freq=freq)
    return pd.Series(np.asarray(values, dtype=float), index=index, name="value")


def _runs(alerts: pd.Series) -> int:
    a = alerts.to_numpy()
    return int((a & ~np.r_[False, a[:-1]]).sum())


def sparse_counts(n: int = 4000, seed: int = 3) -> pd.Series:
    """Tweets per 5 minutes about a rarely named company: mostly 0, sometimes 1-3."""
    values = np.random.default_rng(seed).poisson(0.3, n).astype(float)
    return _series(values, freq="5min")


def test_a_sparse_count_gets_finite_scores_and_only_its_burst_alerts():
    series = sparse_counts()
    series.iloc[3000:3006] = [12, 25, 30, 28, 20, 9]  # a burst of mentions
    result = detect(series, NONE)
    judged = result[result["state"] != "learning"]
    # Earlier errors are all 0, yet a 1 is not infinitely far off: counts are on a grid of step 1.
    assert np.isfinite(judged["score"]).all()
    assert result["is_anomaly"].iloc[3000:3006].any()
    ordinary = result["is_anomaly"].iloc[300:3000]
    assert ordinary.mean() < 0.01  # ordinary 1s, 2s and 3s rarely alert (every one is a band crossing)
    assert (result["lower"].iloc[400:] == result["expected"].iloc[400:]).all()  # the bands are unchanged


def test_the_bar_is_exceeded_about_once_per_window_even_before_the_window_is_full():
    # Scores with an exponential tail, 400 of them, and a bar meant for once per W = 1440 scores
    # (60 days of hourly points). P(next score > bar) = exp(-bar), averaged over many histories.
    rng = np.random.default_rng(2)
    window = 1440
    histories = rng.exponential(1.0, (2000, 400))
    rate = np.mean([np.exp(-_tail_quantile(h, 1 - 1 / window)) for h in histories])
    assert 0.5 / window < rate < 2.5 / window  # measured 1.8 / W (the tail is estimated from 10 scores)
    # the empirical quantile of 400 scores is their maximum: exceeded once per ~401 scores
    empirical = np.mean([np.exp(-h.max()) for h in histories])
    assert empirical > 3 / window and empirical > 1.5 * rate


def test_an_outlier_on_an_ordinary_hourly_series_alerts():
    rng = np.random.default_rng(21)
    values = 100 + rng.standard_t(3, 1600)  # 67 days of heavy-ish hourly noise, no anomaly
    quiet = detect(_series(values), NONE)
    assert _runs(quiet["is_anomaly"].iloc[300:]) <= 3
    values[1200] = 100 + 40.0
    result = detect(_series(values), NONE)
    assert result["is_anomaly"].iloc[1200] and result["severity"].iloc[1200] == "ERROR"


def _mild(extra: list[float]) -> pd.Series:
    rng = np.random.default_rng(4)
    values = 10 + np.clip(rng.normal(0, 1, 800), -2.5, 2.5)  # scores never reach 3
    values[700 : 700 + len(extra)] = 10 + np.asarray(extra)
    return _series(values)


@pytest.mark.parametrize(
    ("extra", "alerts"),
    [
        ([4.2, 0.0], [False, False]),  # one WARN-level hour: waits for a second
        ([4.2, 4.4], [False, True]),  # two in a row: alerts on the second
        ([9.0, 0.0], [True, False]),  # ERROR level: alerts at once
    ],
)
def test_once_the_gate_is_on_a_single_warn_crossing_waits_for_a_second(extra, alerts):
    result = detect(_mild(extra), NONE)
    assert result["is_anomaly"].iloc[700:702].tolist() == alerts
    # before the gate starts (and without it) one WARN crossing alerts as before
    assert detect(_mild(extra), {**NONE, "surprise_days": None})["is_anomaly"].iloc[700]


def test_the_new_gates_stay_causal():
    sparse = sparse_counts(1200, seed=9)
    sparse.iloc[900:903] = [15, 22, 18]
    mild = _mild([4.2, 4.4])
    for series, cuts in ((sparse, (350, 901, 902, 1100)), (mild, (600, 701, 702, 750))):
        full = detect(series, NONE)
        for cut in cuts:
            pd.testing.assert_frame_equal(detect(series.iloc[:cut], NONE), full.iloc[:cut])
