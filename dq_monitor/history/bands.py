"""One judging pass: expected value, robust spread and WARN / ERROR bands per point.

Nothing here imports dagster.
"""

from __future__ import annotations

import numpy as np

from dq_monitor.core.robust import MAD_TO_SIGMA, MEAN_AD_TO_SIGMA
from dq_monitor.history.grouping import _Grouping, _trailing_group_stats
from dq_monitor.history.plan import _Plan
from dq_monitor.history.spec import MonitorSpec

_MIN_ERRORS = 3  # earlier errors needed before any spread is trusted
_GROUP_ERRORS_TRUSTED = 24  # a stretch's own spread is used alone once it has this many errors
_QUANTISATION_SD = 12**-0.5  # sd of rounding to a grid of step 1: a score's unit is at least this x resolution


def _robust_scale(stats: dict[str, np.ndarray]) -> np.ndarray:
    """1.4826 x median absolute error, or 1.2533 x mean absolute error where the median is 0."""
    mad, mean_ad = stats["median"], stats["mean"]
    return np.where(mad > 0, MAD_TO_SIGMA * mad, MEAN_AD_TO_SIGMA * mean_ad)


def _trailing(plan: _Plan, m: int, values, grouping, mask, k, stats=("median",)):
    """`_trailing_group_stats` for model `m`: stats are causal, so a model used only up to
    point `end` is computed on that prefix."""
    n = len(values)
    end = plan.ends[m]
    if grouping.order is None and end < n:
        out, count = _trailing_group_stats(values[:end], grouping.prefix(end), mask[:end], k, stats)
        padded = {}
        for key, part in out.items():
            padded[key] = np.full(n, np.nan)
            padded[key][:end] = part
        full_count = np.zeros(n, dtype=np.int64)
        full_count[:end] = count
        return padded, full_count
    return _trailing_group_stats(values, grouping, mask, k, stats)


def _expected(x: np.ndarray, train: np.ndarray, plan: _Plan) -> np.ndarray:
    """Median of the most recent same-phase training points, from the model judging each point."""
    expected = np.full(len(x), np.nan)
    for m, model in enumerate(plan.models):
        stats, _ = _trailing(plan, m, x, model.phase, train, model.per_phase)
        use = plan.which == m
        expected[use] = stats["median"][use]
    return expected


def _spread(x: np.ndarray, expected: np.ndarray, train: np.ndarray, plan: _Plan, spec: MonitorSpec):
    """(robust size of earlier one-step-ahead errors of the judging model's phases, number of
    earlier training errors)."""
    n = len(x)
    models = plan.models
    error_size = np.abs(x - expected)
    error_train = train & np.isfinite(error_size)
    error_size = np.where(error_train, error_size, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative_error = error_size / np.abs(expected)
    relative_train = error_train & np.isfinite(relative_error)
    relative_error = np.where(relative_train, relative_error, 0.0)
    scale = np.full(n, np.nan)
    pooled_window = max(spec.window, max(model.n_phases for model in models))
    pooled_grouping = models[0].phase if models[0].phase.order is None else _Grouping.of(np.zeros(n, np.int64))
    both = ("median", "mean")
    for m, model in enumerate(models):
        use = plan.which == m
        if not use.any():
            continue
        stats, count = _trailing(plan, m, error_size, model.spread_group, error_train, model.per_spread_group, both)
        group_scale = _robust_scale(stats)
        if model.spread_group.n_groups > 1:
            # A stretch with few errors of its own gets at least the spread of all
            # errors (a median of a dozen errors can be far too small by chance), both
            # as is and relative to the level: busy hours are often noisier in proportion.
            pooled, _ = _trailing(plan, m, error_size, pooled_grouping, error_train, pooled_window, both)
            pooled_rel, _ = _trailing(plan, m, relative_error, pooled_grouping, relative_train, pooled_window, both)
            fallback = np.fmax(_robust_scale(pooled), _robust_scale(pooled_rel) * np.abs(expected))
            group_scale = np.where(count >= _GROUP_ERRORS_TRUSTED, group_scale, np.fmax(group_scale, fallback))
        scale[use] = group_scale[use]
    return scale, np.cumsum(error_train) - error_train


def _normal_range(x: np.ndarray, expected: np.ndarray, train: np.ndarray, plan: _Plan, spec: MonitorSpec):
    """The normal range is `expected` itself, except while `auto` cannot yet tell a weekly
    (or daily) cycle from an anomaly: then it is everything seen so far (a cycle repeats
    values already seen; an outage falls outside all of them)."""
    n = len(x)
    low, high = expected.copy(), expected.copy()
    cut = min(plan.first_seasonal, n)
    if cut > 0 and plan.first_seasonal > 0:
        stats, _ = _trailing_group_stats(
            x[:cut], plan.models[0].phase.prefix(cut), train[:cut], spec.window, ("min", "max")
        )
        low[:cut] = stats["min"]
        high[:cut] = stats["max"]
    return low, high


def _judge(
    x: np.ndarray,
    finite: np.ndarray,
    marked: np.ndarray,
    flags: np.ndarray,
    accepted: np.ndarray,
    plan: _Plan,
    spec: MonitorSpec,
) -> dict[str, np.ndarray]:
    """One pass: judge every point with `flags` (the previous pass's verdicts: +1 above,
    -1 below, 0 normal) kept out of training, except `accepted` ones (a level shift being
    adopted as the new normal)."""
    n = len(x)
    train = finite & ~marked & ((flags == 0) | accepted)
    expected = _expected(x, train, plan)
    n_before = np.cumsum(train) - train
    scale, n_errors = _spread(x, expected, train, plan, spec)
    low, high = _normal_range(x, expected, train, plan, spec)
    learning = (
        (np.arange(n) < plan.first_provisional)
        | (n_before < spec.min_history)
        | (n_errors < max(spec.min_history - 1, _MIN_ERRORS))
        | ~np.isfinite(expected)
        | ~np.isfinite(scale)
    )
    floor = np.maximum(spec.min_abs_change, spec.min_rel_change * np.abs(np.nan_to_num(expected)))
    half_err = np.maximum(spec.sensitivity * scale, floor)
    half_warn = np.maximum(spec.warn_sensitivity * scale, floor) if spec.warn_sensitivity is not None else half_err
    with np.errstate(invalid="ignore"):
        above = np.maximum(x - high, 0.0)
        below = np.maximum(low - x, 0.0)
    excess = {"spike": above, "drop": below}.get(spec.direction)
    if excess is None:
        excess = np.maximum(above, below)
    judged = ~learning & finite
    with np.errstate(invalid="ignore"):
        error = judged & (excess > half_err)
        warn = judged & (excess > half_warn) & ~error
    return {
        "expected": expected,
        "low": low,
        "high": high,
        "distance": np.maximum(above, below),
        "scale": scale,
        "half_err": half_err,
        "half_warn": half_warn,
        "learning": learning,
        "error": error,
        "warn": warn,
        "history": n_before,
    }


def score_scale(scale: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The unit of the score: the robust spread, but at least the rounding noise of the data.

    A sparse count (tweets per 5 minutes that are mostly 0) can have earlier errors that are all
    exactly 0, so every 1 would be infinitely far off and every infinite score alike: the
    surprise gate could never tell an ordinary 1 from a burst of 30. Values on a grid (counts:
    step 1) cannot be known better than the grid, so the unit is at least 1/sqrt(12) of the
    smallest positive step between consecutive earlier values (0 for continuous data). The
    bands are unchanged: the floor only ranks scores."""
    finite = np.nonzero(np.isfinite(x))[0]
    step = np.abs(np.diff(x[finite]))
    seen = np.full(len(x), np.inf)
    seen[finite[1:]] = np.where(step > 0, step, np.inf)  # known once its later value is seen
    smallest = np.r_[np.inf, np.minimum.accumulate(seen)[:-1]] if len(x) else seen
    resolution = np.where(np.isfinite(smallest), smallest, 0.0)
    return np.fmax(scale, _QUANTISATION_SD * resolution)
