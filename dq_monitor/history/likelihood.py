"""Alert on surprise, not on distance: a band crossing must be unusual *for this series*.

NAB's anomaly-likelihood idea (Ahmad et al. 2017): judge a point's anomaly score against
the distribution of the detector's own recent scores instead of a fixed cut-off. Here the
score is the distance beyond the normal range in robust standard deviations; a band
crossing *starts* an alert only when its score exceeds the `surprise_quantile` of the
previous `surprise_window` scores. On a quiet series that quantile lies inside the band, so
every crossing alerts as before; on a spiky series (tweet counts, CPU) ordinary spikes push
the quantile up and only a spike that is extreme for that series alerts. A quantile is not
trusted before `surprise_min_scores` scores exist: until then every crossing alerts (short,
daily data-quality histories are judged by their band alone). Once started, an alert stays
open for the rest of the run of crossings on the same side. Everything is causal.

Nothing here imports dagster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dq_monitor.history.spec import MonitorSpec

_HUGE_SCORE = 1e12  # an infinite score (zero spread) ranks above every finite one
_AVERAGE_POINTS = 12  # NAB's short-term window averages ~10 raw scores
_AVERAGE_CAP = 20.0  # one huge score must not dominate the short-term average


def _bar(values: np.ndarray, at: np.ndarray, spec: MonitorSpec) -> np.ndarray:
    """At the points `at`: the `surprise_quantile` of the previous `surprise_window` values
    (NaN ignored; 0 until `surprise_min_scores` exist)."""
    window = max(spec.surprise_window, spec.surprise_min_scores)
    if len(at) * 20 > len(values):  # many points asked: one rolling pass is cheaper
        previous = pd.Series(values).shift(1)
        bar = previous.rolling(window, min_periods=spec.surprise_min_scores).quantile(spec.surprise_quantile)
        return np.nan_to_num(bar.to_numpy()[at], nan=0.0)
    out = np.zeros(len(at))
    for j, i in enumerate(at):
        recent = values[max(0, i - window) : i]
        recent = recent[~np.isnan(recent)]
        if len(recent) >= spec.surprise_min_scores:
            out[j] = np.quantile(recent, spec.surprise_quantile)
    return out


def surprise(score: np.ndarray, crossing: np.ndarray, spec: MonitorSpec) -> np.ndarray:
    """Which band crossings are unusual for this series (every point is judged as if it crossed
    only where `crossing` says so; elsewhere the answer is False).

    A crossing is surprising when its score exceeds the bar, or when the mean of the last
    `_AVERAGE_POINTS` scores (each capped at `_AVERAGE_CAP`, NAB's short-term average)
    exceeds the same quantile of earlier such means: a burst of crossings that each look
    ordinary (spikes getting denser) is unusual as a whole.
    """
    n = len(score)
    if spec.surprise_quantile is None or n <= spec.surprise_min_scores:
        return crossing.copy()
    at = np.nonzero(crossing)[0]
    at = at[at >= spec.surprise_min_scores]  # fewer earlier points than that: nothing to compare with
    surprising = crossing.copy()
    if not len(at):
        return surprising
    finite = np.where(np.isnan(score), np.nan, np.minimum(score, _HUGE_SCORE))
    capped = pd.Series(np.minimum(finite, _AVERAGE_CAP))
    average = capped.rolling(_AVERAGE_POINTS, min_periods=1).mean().to_numpy()
    with np.errstate(invalid="ignore"):
        hit = (finite[at] > _bar(finite, at, spec)) | (np.nan_to_num(average[at], nan=0.0) > _bar(average, at, spec))
    surprising[at] = hit
    return surprising


def run_starts(crossing: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Index of the first point of the run of same-side crossings each point belongs to (-1 outside)."""
    n = len(crossing)
    prev_cross = np.r_[False, crossing[:-1]]
    prev_side = np.r_[0, side[:-1]]
    starts = crossing & ~(prev_cross & (prev_side == side))
    first = np.maximum.accumulate(np.where(starts, np.arange(n), -1)) if n else np.zeros(0, np.int64)
    return np.where(crossing, first, -1)


def surprise_bar_score(score: np.ndarray, at: np.ndarray, spec: MonitorSpec) -> np.ndarray:
    """The bar a run's median score must exceed at the points `at` (level-shift events)."""
    if spec.surprise_quantile is None or not len(at):
        return np.zeros(len(at))
    return _bar(np.where(np.isnan(score), np.nan, np.minimum(score, _HUGE_SCORE)), at, spec)


def gate(crossing: np.ndarray, side: np.ndarray, surprising: np.ndarray) -> np.ndarray:
    """Crossings that alert: from the first surprising point of a run to the run's end."""
    n = len(crossing)
    start = run_starts(crossing, side)
    surprising = crossing & surprising
    idx = np.arange(n)
    if not crossing.any():
        return np.zeros(n, dtype=bool)
    # per run (a segment from its start to the next run's start): its first surprising point
    run_ids = np.nonzero(crossing & (start == idx))[0]
    hit_min = np.minimum.reduceat(np.where(surprising, idx, n), run_ids)
    # every crossing maps to its run: the last run start at or before it
    which = np.searchsorted(run_ids, idx, side="right") - 1
    alerted = crossing & (which >= 0) & (idx >= hit_min[np.maximum(which, 0)])
    return alerted
