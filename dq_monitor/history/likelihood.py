"""Alert on surprise, not on distance: a band crossing must be unusual *for this series*.

NAB's anomaly-likelihood idea (Ahmad et al. 2017): judge a point's anomaly score against
the distribution of the detector's own recent scores instead of a fixed cut-off. Here the
score is the distance beyond the normal range in robust standard deviations; a band
crossing *starts* an alert only when its score exceeds the score that chance exceeds about
once per `surprise_days` (the last W = surprise_days / step scores, quantile 1 - 1/W). While
fewer than W scores exist the empirical quantile is only their maximum, exceeded once per
*that many* points, so the tail above their 98% quantile is extrapolated as exponential
(peaks over threshold, as in SPOT, Siffer et al. 2017; `_tail_quantile`): a new record of an
ordinary series is not an incident. A false-alarm budget in time, not in points: a 5-minute
and a daily series both get about one ordinary alert a month at most. On a quiet series that
bar lies inside the band, so every crossing alerts as before; on a spiky series (tweet
counts, CPU) ordinary spikes push it up and only a spike that is extreme for that series
alerts. It is not trusted before `surprise_min_scores` scores exist: until then every
crossing alerts (short, daily data-quality histories are judged by their band alone). Once
the gate is on, a run of WARN-level crossings alerts only from its second point (`gate`);
an ERROR-level crossing alerts at once. Once started, an alert stays open for the rest of
the run of crossings on the same side and `hold_hours` after it. The step is the median
spacing of the first `surprise_min_scores` + 1 points, so every verdict is causal.

Nothing here imports dagster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dq_monitor.history.spec import MonitorSpec

_HUGE_SCORE = 1e12  # an infinite score (zero spread) ranks above every finite one
_AVERAGE_HOURS = 2.0  # the short-term average of scores spans this long (NAB averages ~10 scores)
_AVERAGE_CAP = 20.0  # one huge score must not dominate the short-term average
_TAIL_SHARE = 0.02  # the bar's tail model starts at the 98% quantile of the recent scores (SPOT)
_TAIL_MIN = 10  # ... and uses at least this many of the highest scores
_WARN_RUN_POINTS = 2  # once gating is on, a run of WARN-only crossings alerts from its 2nd point


def step_seconds(times_ns: np.ndarray, spec: MonitorSpec) -> float:
    """Median spacing of the first `surprise_min_scores` + 1 points (fixed once gating can start)."""
    head = times_ns[: spec.surprise_min_scores + 1]
    return max(float(np.median(np.diff(head))) / 1e9, 1e-9) if len(head) > 1 else 1.0


def _window(times_ns: np.ndarray, spec: MonitorSpec) -> tuple[int, float]:
    """(scores the bar looks back over, quantile)."""
    days = spec.surprise_days or 0.0
    window = max(round(days * 86_400 / step_seconds(times_ns, spec)), spec.surprise_min_scores)
    return window, 1.0 - 1.0 / window


def _empirical_bar(values: np.ndarray, at: np.ndarray, window: int, quantile: float, min_scores: int) -> np.ndarray:
    """At the points `at`: the empirical `quantile` of the previous `window` values (NaN ignored;
    0 until `min_scores` exist)."""
    if len(at) * 20 > len(values):  # many points asked: one rolling pass is cheaper
        previous = pd.Series(values).shift(1)
        bar = previous.rolling(window, min_periods=min_scores).quantile(quantile)
        return np.nan_to_num(bar.to_numpy()[at], nan=0.0)
    return _per_point(values, at, window, min_scores, lambda recent: _quantile(recent, quantile))


def _bar(values: np.ndarray, at: np.ndarray, window: int, quantile: float, min_scores: int) -> np.ndarray:
    """At the points `at`: the bar of the previous `window` values (`_tail_quantile`)."""
    return _per_point(values, at, window, min_scores, lambda recent: _tail_quantile(recent, quantile))


def _per_point(values: np.ndarray, at: np.ndarray, window: int, min_scores: int, bar) -> np.ndarray:
    out = np.zeros(len(at))
    for j, i in enumerate(at):
        recent = values[max(0, i - window) : i]
        recent = recent[~np.isnan(recent)]
        if len(recent) >= min_scores:
            out[j] = bar(recent)
    return out


def _exceeds(values: np.ndarray, at: np.ndarray, observed: np.ndarray, window: int, quantile: float,
             min_scores: int) -> np.ndarray:
    """`observed > _bar(values, at, ...)`; the tail estimate (the costly part) is computed only
    where the empirical quantile, which the bar is never below, is exceeded."""
    hit = observed > _empirical_bar(values, at, window, quantile, min_scores)
    check = np.nonzero(hit)[0]
    if len(check):
        hit[check] = observed[check] > _bar(values, at[check], window, quantile, min_scores)
    return hit


def _tail_quantile(values: np.ndarray, quantile: float) -> float:
    """The `quantile` of `values`, never below its peaks-over-threshold estimate.

    With fewer values than 1 / (1 - quantile) the empirical quantile is just the maximum, which
    chance exceeds once per *len(values)* points, not once per 1 / (1 - quantile): every new
    record would alert. So the tail above the 98% quantile u (SPOT's threshold, Siffer et al.
    2017; at least `_TAIL_MIN` values) is taken as exponential (a generalised Pareto tail with
    shape 0) and extrapolated: u + mean excess x ln(tail share / (1 - quantile)). The larger of
    that and the empirical quantile is the bar (a heavier tail than exponential keeps its
    empirical quantile)."""
    n = len(values)
    empirical = _quantile(values, quantile)
    k = min(max(_TAIL_MIN, int(round(_TAIL_SHARE * n))), n - 1)
    ratio = k / n / (1.0 - quantile)
    if k < 1 or ratio <= 1.0:
        return empirical
    part = np.partition(values, n - k - 1)
    threshold = part[n - k - 1]
    excess = float(np.mean(part[n - k :] - threshold))
    return max(empirical, float(threshold + excess * np.log(ratio)))


def _quantile(values: np.ndarray, quantile: float) -> float:
    """np.quantile's default (linear) estimate from a partial sort: the same number, faster."""
    h = (len(values) - 1) * quantile
    lo = int(np.floor(h))
    hi = min(lo + 1, len(values) - 1)
    part = np.partition(values, (lo, hi))
    return float(part[lo] + (h - lo) * (part[hi] - part[lo]))


def surprise(score: np.ndarray, crossing: np.ndarray, times_ns: np.ndarray, spec: MonitorSpec) -> np.ndarray:
    """Which band crossings are unusual for this series (every point is judged as if it crossed
    only where `crossing` says so; elsewhere the answer is False).

    A crossing is surprising when its score exceeds the bar, or when the mean of the last
    `_AVERAGE_HOURS` of scores (each capped at `_AVERAGE_CAP`, NAB's short-term average)
    exceeds the same quantile of earlier such means: a burst of crossings that each look
    ordinary (spikes getting denser) is unusual as a whole.
    """
    n = len(score)
    if spec.surprise_days is None or n <= spec.surprise_min_scores:
        return crossing.copy()
    at = np.nonzero(crossing)[0]
    at = at[at >= spec.surprise_min_scores]  # fewer earlier points than that: nothing to compare with
    surprising = crossing.copy()
    if not len(at):
        return surprising
    finite = np.where(np.isnan(score), np.nan, np.minimum(score, _HUGE_SCORE))
    points = max(1, round(_AVERAGE_HOURS * 3600 / step_seconds(times_ns, spec)))
    average = _trailing_mean(np.minimum(finite, _AVERAGE_CAP), points)
    with np.errstate(invalid="ignore"):
        window, quantile = _window(times_ns, spec)
        hit = _exceeds(finite, at, finite[at], window, quantile, spec.surprise_min_scores)
        hit |= _exceeds(average, at, np.nan_to_num(average[at], nan=0.0), window, quantile, spec.surprise_min_scores)
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


def _trailing_mean(values: np.ndarray, points: int) -> np.ndarray:
    """Mean of the non-NaN values among the last `points` (NaN when there are none)."""
    present = ~np.isnan(values)
    total = np.r_[0.0, np.cumsum(np.where(present, values, 0.0))]
    count = np.r_[0, np.cumsum(present)]
    end = np.arange(1, len(values) + 1)
    start = np.maximum(end - points, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total[end] - total[start]) / (count[end] - count[start])


def surprise_bar_score(score: np.ndarray, at: np.ndarray, times_ns: np.ndarray, spec: MonitorSpec) -> np.ndarray:
    """The bar a run's median score must exceed at the points `at` (level-shift events)."""
    if spec.surprise_days is None or not len(at):
        return np.zeros(len(at))
    window, quantile = _window(times_ns, spec)
    finite = np.where(np.isnan(score), np.nan, np.minimum(score, _HUGE_SCORE))
    return _bar(finite, at, window, quantile, spec.surprise_min_scores)


def hold(alerted: np.ndarray, times_ns: np.ndarray, spec: MonitorSpec) -> np.ndarray:
    """Alerts extended `hold_hours` past each alerting point (causal: only earlier alerts count)."""
    points = int(spec.hold_hours * 3600 / step_seconds(times_ns, spec)) if len(times_ns) > 1 else 0
    out = alerted.copy()
    for k in range(1, min(points, len(alerted) - 1) + 1):
        out[k:] |= alerted[:-k]
    return out


def gate(crossing: np.ndarray, side: np.ndarray, surprising: np.ndarray, error: np.ndarray, gated: np.ndarray) -> np.ndarray:
    """Crossings that alert: from the first surprising point of a run to the run's end. Where
    `gated` (the surprise gate is on), a run whose crossings so far are all WARN (not `error`)
    alerts only from its `_WARN_RUN_POINTS`-th point: one mild crossing on a series with a known
    score distribution is not an incident; a persistent or an ERROR one is."""
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
    errors = np.cumsum(crossing & error)
    errors_so_far = errors - np.r_[0, errors][np.maximum(start, 0)]
    persistent = (idx - start + 1 >= _WARN_RUN_POINTS) | (errors_so_far > 0) | ~gated
    return alerted & persistent
