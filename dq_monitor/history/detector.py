"""Causal, robust, seasonal anomaly detection on one metric series.

Every point is judged only from the points before it:

* **expected** is the median of the most recent earlier *training* points in the
  same seasonal phase (hour of day, day of week, ... or the step modulo a
  detected period);
* the **spread** is the median absolute one-step-ahead error of earlier training
  points (x 1.4826, a robust standard deviation), or, when most errors are exactly
  zero, the mean absolute error (x 1.2533);
* the WARN / ERROR bands are `expected +- sensitivity * spread`, widened to at
  least `min_abs_change` and `min_rel_change * |expected|`;
* `auto` seasonality cannot tell a weekly cycle from an anomaly before the
  history could show the cycle twice (three weeks of daily snapshots), so until
  then a point is judged *provisionally*: the normal range is everything seen so
  far (`[min, max]` of recent training points) widened by the same margins, so an
  outage far below every earlier value is still caught on day 8;
* a point is `learning` (never judged, never a silent pass) until `min_history`
  earlier training points exist and its phase has history.

*Training hygiene*: a point that was flagged, or that the user marked expected,
never becomes a training point (with `relearn_after: N`, a run of N flags on the
same side is accepted as a new normal from its N-th point on). Because a flag
depends only on earlier points, the flags are computed by a few vectorised passes
that each fix a longer prefix (each pass re-judges every point with the previous
pass's flags removed from training; the first point whose flag changes and
everything before it is final), which gives exactly the result of judging the
points one by one in time order.

Nothing here imports dagster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

try:  # a C moving median ~10x faster than pandas' rolling for short series
    import bottleneck as _bn
except ImportError:  # pragma: no cover - bottleneck is a declared dependency
    _bn = None

from dq_monitor.core.outcome import Severity
from dq_monitor.history import seasonality as seas
from dq_monitor.history.spec import MonitorSpec, coerce_spec

_MAD_TO_SIGMA = 1.4826
_NS_PER_DAY = 86_400 * 10**9
_MEAN_AD_TO_SIGMA = 1.2533
_MIN_SEASONS = 3
_POINTS_PER_SPREAD_GROUP = 12
_MIN_SPREAD_GROUPS = 8
_MIN_ERRORS = 3  # earlier errors needed before any spread is trusted
_GROUP_ERRORS_TRUSTED = 24  # a stretch's own spread is used alone once it has this many errors
_SPREAD_ERRORS = 24  # a spread group's estimate uses at least this many recent errors (when it has them)
_MAX_PASSES = 10_000
_PERIOD_RECHECK_GROWTH = 3.0  # re-detect each time the history grows 4x
_PERIOD_DETECT_MAX_POINTS = 4096

#: Columns of the frame `detect` returns.
COLUMNS = (
    "observed",
    "expected",
    "lower",
    "upper",
    "warn_lower",
    "warn_upper",
    "score",
    "is_anomaly",
    "severity",
    "state",
    "history",
    "marked_expected",
)


@dataclass(frozen=True)
class _Model:
    """One way of grouping points into phases (a seasonality).

    `spread_group` groups neighbouring phases whose errors share one spread estimate:
    noise often differs along a cycle (busy hours are noisier than quiet ones), so a
    cycle with many points gets one spread per stretch of at least
    `_POINTS_PER_SPREAD_GROUP` points; a short cycle (a week of daily points) pools all.
    """

    phase: "_Grouping"
    per_phase: int  # how many same-phase training points the median uses
    n_phases: int
    spread_group: "_Grouping"
    per_spread_group: int  # how many training errors each spread estimate uses


def _build_model(
    phase: np.ndarray, n_phases: int, points_per_phase: int, window: int, phases_per_day: int | None = None
) -> _Model:
    """A model whose phases each hold `points_per_phase` consecutive points per cycle
    (`phases_per_day`: how many phases one day spans, when a phase is shorter than a day)."""
    single = _Grouping.of(np.zeros(len(phase), dtype=np.int64))
    if n_phases <= 1:
        return _Model(single, window, 1, single, window)
    per_phase = max(_MIN_SEASONS, window // n_phases)
    # Neighbouring phases share a spread estimate: enough of them to see ~12 points
    # per cycle, but at most an eighth of the cycle and of a day, so a quiet night and
    # a busy morning are not mixed. Short cycles (a week of days) pool every phase.
    limit = max(1, n_phases // _MIN_SPREAD_GROUPS)
    if phases_per_day:
        limit = min(limit, max(1, phases_per_day // _MIN_SPREAD_GROUPS))
    phases_per_group = min(int(np.ceil(_POINTS_PER_SPREAD_GROUP / max(points_per_phase, 1))), limit)
    n_groups = int(np.ceil(n_phases / phases_per_group))
    if n_phases < 2 * _MIN_SPREAD_GROUPS or n_groups < 2:
        return _Model(_Grouping.of(phase), per_phase, n_phases, single, max(window, n_phases))
    points_per_group = phases_per_group * max(points_per_phase, 1)
    per_group = max(window // n_groups, _MIN_SEASONS * points_per_group, _SPREAD_ERRORS)
    return _Model(
        _Grouping.of(phase), per_phase, n_phases, _Grouping.of(phase // phases_per_group), per_group
    )


@dataclass(frozen=True)
class _Grouping:
    """Points sorted by (group, time), computed once per phase array."""

    order: np.ndarray | None  # None: a single group, already in time order
    group_id: np.ndarray  # dense group number of each sorted position
    new_group: np.ndarray  # sorted position starts a group
    n_groups: int

    def prefix(self, end: int) -> "_Grouping":
        """The grouping of the first `end` points (cheap for a single group only)."""
        if self.order is not None:
            raise ValueError("only a single-group grouping can be cut")
        return _Grouping(None, self.group_id[:end], self.new_group[:end], 1)

    @classmethod
    def of(cls, groups: np.ndarray) -> "_Grouping":
        n = len(groups)
        if n == 0 or np.all(groups == groups[0]):
            new_group = np.zeros(n, dtype=bool)
            new_group[:1] = True
            return cls(None, np.zeros(n, dtype=np.int64), new_group, 1)
        order = np.lexsort((np.arange(n), groups))
        g_sorted = groups[order]
        new_group = np.ones(n, dtype=bool)
        new_group[1:] = g_sorted[1:] != g_sorted[:-1]
        group_id = np.cumsum(new_group) - 1
        return cls(order, group_id, new_group, int(group_id[-1]) + 1)


def _trailing_group_stats(
    values: np.ndarray, grouping: _Grouping, train: np.ndarray, k: int, stats: tuple[str, ...] = ("median",)
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """For every point i: statistics (median, mean, min, max) of the last `k` training
    values of its group strictly before i, and how many training values of its group
    precede i.

    Vectorised: training values are laid out group after group, each group preceded
    by k NaNs, and one C-level moving statistic runs over the whole layout.
    """
    n = len(values)
    order = grouping.order
    if order is None:  # one group in time order: the same layout without any sorting
        count = np.cumsum(train) - train
        train_values = values[train]
        padded = np.empty(len(train_values) + k)
        padded[:k] = np.nan
        padded[k:] = train_values
        moving = _moving(padded, k, stats)
        at = count + (k - 1)
        seen = count > 0
        out = {}
        for stat, moved in moving.items():
            picked = moved[np.minimum(at, len(moved) - 1)]
            picked[~seen] = np.nan
            out[stat] = picked
        return out, count
    group_id = grouping.group_id
    t_sorted = train if order is None else train[order]
    v_sorted = values if order is None else values[order]
    before = np.cumsum(t_sorted) - t_sorted
    group_first = before[grouping.new_group]
    count = before - group_first[group_id]

    train_values = v_sorted[t_sorted]
    train_group = group_id[t_sorted]
    padded = np.full(len(train_values) + k * grouping.n_groups, np.nan)
    padded[np.arange(len(train_values)) + k * (train_group + 1)] = train_values
    moving = _moving(padded, k, stats)

    seen = count > 0
    gid = group_id[seen]
    at = group_first[gid] + count[seen] - 1 + k * (gid + 1)

    def unsort(sorted_values: np.ndarray) -> np.ndarray:
        picked = np.full(n, np.nan)
        picked[seen] = sorted_values[at]
        if order is None:
            return picked
        out = np.empty(n)
        out[order] = picked
        return out

    if order is None:
        out_count = count
    else:
        out_count = np.empty(n, dtype=np.int64)
        out_count[order] = count
    return {stat: unsort(values_) for stat, values_ in moving.items()}, out_count


def _moving(values: np.ndarray, k: int, stats: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Trailing median / mean / min / max over `k` values, ignoring NaN, ending at each position."""
    k = max(1, min(k, len(values)))
    if len(values) == 0:
        return {stat: values for stat in stats}
    if _bn is not None:
        funcs = {"median": _bn.move_median, "mean": _bn.move_mean, "min": _bn.move_min, "max": _bn.move_max}
        return {stat: funcs[stat](values, k, min_count=1) for stat in stats}
    rolling = pd.Series(values).rolling(k, min_periods=1)
    return {stat: getattr(rolling, stat)().to_numpy() for stat in stats}


def _prepare(series: pd.Series) -> tuple[pd.DatetimeIndex, np.ndarray, Any]:
    """(sorted timestamps, float values, name) of a metric series; clear errors otherwise."""
    if not isinstance(series, pd.Series):
        raise TypeError(f"detect expects a pandas Series indexed by timestamp, not {type(series).__name__}")
    name = series.name if series.name is not None else "metric"
    index = series.index
    if not isinstance(index, pd.DatetimeIndex):
        try:
            if pd.api.types.is_numeric_dtype(index.dtype):
                raise ValueError(f"got numbers ({index.dtype})")
            index = pd.DatetimeIndex(pd.to_datetime(index, format="mixed"))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"metric series {name!r}: index must be timestamps ({exc})") from None
    if index.hasnans:
        raise ValueError(f"metric series {name!r}: index has missing timestamps")
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = pd.to_numeric(pd.Series(series.to_numpy()), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if not index.is_monotonic_increasing:
        order = np.argsort(index.asi8, kind="stable")
        index, values = index[order], values[order]
    if not index.is_unique:
        dup = index[index.duplicated()][0]
        raise ValueError(f"metric series {name!r}: timestamp {dup} appears more than once")
    return pd.DatetimeIndex(index, freq=None), values, name


def _marked(index: pd.DatetimeIndex, expected: Iterable[Any] | None) -> np.ndarray:
    """Which points a user marked expected (timestamps as strings, datetimes or Timestamps)."""
    if expected is None:
        return np.zeros(len(index), dtype=bool)
    stamps = []
    for value in expected:
        try:
            ts = pd.Timestamp(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"expected timestamp {value!r} is not a timestamp ({exc})") from None
        if index.tz is not None:
            ts = ts.tz_localize(index.tz) if ts.tzinfo is None else ts.tz_convert(index.tz)
        elif ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        stamps.append(ts)
    if not stamps:
        return np.zeros(len(index), dtype=bool)
    return np.asarray(index.isin(pd.DatetimeIndex(stamps)))


@dataclass(frozen=True)
class _Plan:
    """Which model judges each point, and where auto's learning and provisional stretches end."""

    models: list[_Model]
    which: np.ndarray
    first_provisional: int  # auto: points before this are learning (no full cycle seen yet)
    first_seasonal: int  # auto: points before this are judged provisionally
    ends: list[int] = field(default_factory=list)  # per model: one past the last point it judges

    @classmethod
    def build(cls, models: list[_Model], which: np.ndarray, first_provisional: int, first_seasonal: int) -> "_Plan":
        ends = []
        for m in range(len(models)):
            used = np.nonzero(which == m)[0]
            ends.append(int(used[-1]) + 1 if len(used) else 0)
        return cls(models, which, first_provisional, first_seasonal, ends)


def _auto_plan(times: np.ndarray, values: np.ndarray, spec: MonitorSpec) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Stretches of an `auto` series, each decided from earlier points only.

    * learning until the history holds one shortest calendar cycle visible at the
      series' spacing (a day of sub-daily points, a week of daily points);
    * provisional until that cycle could have repeated (two days / three weeks);
    * then blocks (first point, step_ns, period): the period used from point L on is
      detected from points [0, L), re-detected each time the history grows fourfold
      and, for sub-daily series, as soon as two weeks are in (a weekly cycle on top of
      the daily one can show from then on).
    Returns (first provisional point, first seasonal point, blocks).
    """
    n = len(times)
    gaps = np.diff(times)

    def step_of(length: int) -> int:  # typical spacing of the first `length` points
        return max(int(np.median(gaps[: length - 1])), 1) if length >= 2 else 0

    first_provisional = n
    length = spec.min_history
    while length < n:
        cycle = seas.shortest_calendar_period(step_of(length))
        if length >= cycle:
            first_provisional = length
            break
        length = cycle
    blocks: list[tuple[int, int, int]] = []
    length = spec.min_history
    first_seasonal = n
    weekly_check = None  # sub-daily series: also re-detect once two weeks are in
    while length < n:
        step = step_of(length)
        need = max(spec.min_history, seas.auto_learning_points(step))
        if length < need:
            length = need
            continue
        lo = max(0, length - _PERIOD_DETECT_MAX_POINTS)
        period = seas.detect_period(times[lo:length], values[lo:length], step)
        if not blocks:
            first_seasonal = length
            if step < _NS_PER_DAY:
                weekly_check = 2 * round(7 * _NS_PER_DAY / step)
        if not blocks or blocks[-1][1:] != (step, period):
            blocks.append((length, step, period))
        following = length + max(1, int(np.ceil(length * _PERIOD_RECHECK_GROWTH)))
        if weekly_check is not None and length < weekly_check < following:
            following = weekly_check
        length = following
    return min(first_provisional, first_seasonal), first_seasonal, blocks


def _plan(index: pd.DatetimeIndex, values: np.ndarray, spec: MonitorSpec) -> _Plan:
    """The phase models and, per point, which model judges it."""
    n = len(index)
    if spec.seasonality != "auto":
        # One point per phase per cycle is assumed (not measured) so that the spread
        # grouping never depends on points after the one being judged.
        n_phases = seas.CALENDAR_PHASES[spec.seasonality]
        per_day = 24 if spec.seasonality in ("hour_of_day", "hour_of_week") else None
        model = _build_model(seas.calendar_phase(index, spec.seasonality), n_phases, 1, spec.window, per_day)
        return _Plan.build([model], np.zeros(n, dtype=np.int64), 0, 0)
    times = index.asi8
    first_provisional, first_seasonal, blocks = _auto_plan(times, values, spec)
    # Points before the first detection are judged without seasonality (provisionally),
    # so their expectations depend on earlier points only, like every other point.
    which = np.zeros(n, dtype=np.int64)
    models = [_build_model(np.zeros(n, dtype=np.int64), 1, 1, spec.window)]
    keys: dict[tuple[int, int], int] = {(0, 0): 0}
    for start, step, period in blocks:
        key = (step, period) if period > 1 else (0, 0)
        if key not in keys:
            keys[key] = len(models)
            per_day = round(_NS_PER_DAY / step) if step < _NS_PER_DAY else None
            models.append(_build_model(seas.step_phase(times, step, period), period, 1, spec.window, per_day))
        which[start:] = keys[key]
    return _Plan.build(models, which, first_provisional, first_seasonal)


def _robust_scale(stats: dict[str, np.ndarray]) -> np.ndarray:
    """1.4826 x median absolute error, or 1.2533 x mean absolute error where the median is 0."""
    mad, mean_ad = stats["median"], stats["mean"]
    return np.where(mad > 0, _MAD_TO_SIGMA * mad, _MEAN_AD_TO_SIGMA * mean_ad)


def _excluded(flags: np.ndarray, relearn_after: int | None) -> np.ndarray:
    """Flagged points that stay out of training: all of them, or, with `relearn_after`,
    those before the `relearn_after`-th point of a run of flags on the same side (from
    there on the run is accepted as the new normal)."""
    flagged = flags != 0
    if relearn_after is None or not flagged.any():
        return flagged
    n = len(flags)
    previous = np.r_[0, flags[:-1]]
    starts = flagged & (previous != flags)
    run_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    position = np.arange(n) - run_start + 1
    return flagged & (position < relearn_after)


def _judge(
    x: np.ndarray,
    finite: np.ndarray,
    marked: np.ndarray,
    flags: np.ndarray,
    plan: _Plan,
    spec: MonitorSpec,
) -> dict[str, np.ndarray]:
    """One pass: judge every point with `flags` (the previous pass's verdicts: +1 above,
    -1 below, 0 normal) kept out of training."""
    n = len(x)
    models, which = plan.models, plan.which
    train = finite & ~marked & ~_excluded(flags, spec.relearn_after)

    def trailing(values, grouping, mask, k, m, stats=("median",)):
        # Stats are causal, so a model used only up to point `end` is computed on that prefix.
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

    expected = np.full(n, np.nan)
    for m, model in enumerate(models):
        stats, _ = trailing(x, model.phase, train, model.per_phase, m)
        use = which == m
        expected[use] = stats["median"][use]
    n_before = np.cumsum(train) - train

    # Spread: robust size of earlier one-step-ahead errors (of the judging model's phases).
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
    for m, model in enumerate(models):
        use = which == m
        if not use.any():
            continue
        stats, count = trailing(
            error_size, model.spread_group, error_train, model.per_spread_group, m, ("median", "mean")
        )
        group_scale = _robust_scale(stats)
        if model.spread_group.n_groups > 1:
            # A stretch with few errors of its own gets at least the spread of all
            # errors (a median of a dozen errors can be far too small by chance), both
            # as is and relative to the level: busy hours are often noisier in proportion.
            pooled, _ = trailing(error_size, pooled_grouping, error_train, pooled_window, m, ("median", "mean"))
            pooled_rel, _ = trailing(relative_error, pooled_grouping, relative_train, pooled_window, m, ("median", "mean"))
            fallback = np.fmax(_robust_scale(pooled), _robust_scale(pooled_rel) * np.abs(expected))
            group_scale = np.where(count >= _GROUP_ERRORS_TRUSTED, group_scale, np.fmax(group_scale, fallback))
        scale[use] = group_scale[use]
    n_errors = np.cumsum(error_train) - error_train

    # The normal range is `expected` itself, except while `auto` cannot yet tell a
    # weekly (or daily) cycle from an anomaly: then it is everything seen so far
    # (a cycle repeats values already seen; an outage falls outside all of them).
    low, high = expected.copy(), expected.copy()
    cut = min(plan.first_seasonal, n)
    if cut > 0 and plan.first_seasonal > 0:
        stats, _ = _trailing_group_stats(x[:cut], models[0].phase.prefix(cut), train[:cut], spec.window, ("min", "max"))
        low[:cut] = stats["min"]
        high[:cut] = stats["max"]

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
    if spec.direction == "spike":
        excess = above
    elif spec.direction == "drop":
        excess = below
    else:
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


def detect(
    series: pd.Series,
    spec: MonitorSpec | Mapping[str, Any] | None = None,
    *,
    expected: Iterable[Any] | None = None,
) -> pd.DataFrame:
    """Judge every point of a timestamp-indexed metric series from the points before it.

    `spec` is a `MonitorSpec`, a dict with the same keys as a YAML monitor, or None
    (defaults). `expected` is a collection of timestamps a user marked as expected
    (e.g. a holiday): they are still judged but never teach the baseline.

    Returns one row per point (sorted by time) with `observed`, `expected`, `lower`,
    `upper` (ERROR band), `warn_lower`, `warn_upper`, `score` (distance from the normal
    range -- `expected`, or `[min, max]` of recent history while `auto` is provisional --
    in robust standard deviations, on either side whatever `direction` says; higher is
    more anomalous), `is_anomaly`, `severity`
    (`none`, or the Severity value of the band crossed), `state` (`learning` while the
    history is too short to judge, `missing` for a NaN observation, else `ok` or
    `anomaly`), `history` (training points before it) and `marked_expected`.
    Bands on the side `direction` ignores are infinite.
    """
    index, x, name = _prepare(series)
    cfg = coerce_spec(spec, default_metric=name if isinstance(name, str) else "value")
    n = len(x)
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS}, index=index)
    finite = np.isfinite(x)
    marked = _marked(index, expected)
    plan = _plan(index, x, cfg)

    flags = np.zeros(n, dtype=np.int8)
    for _ in range(_MAX_PASSES):
        out = _judge(x, finite, marked, flags, plan, cfg)
        new_flags = np.where(out["error"] | out["warn"], np.where(x > out["expected"], 1, -1), 0).astype(np.int8)
        if np.array_equal(new_flags, flags):
            break
        # Everything up to the first change is final; later points are re-judged next pass.
        flags = new_flags
    else:  # pragma: no cover - the fixed prefix grows every pass, so this cannot run out
        raise RuntimeError("training hygiene did not converge")

    expected_v, low, high = out["expected"], out["low"], out["high"]
    half_err, half_warn = out["half_err"], out["half_warn"]
    lower, upper = low - half_err, high + half_err
    warn_lower, warn_upper = low - half_warn, high + half_warn
    if cfg.direction == "spike":
        lower = warn_lower = np.full(n, -np.inf)
    elif cfg.direction == "drop":
        upper = warn_upper = np.full(n, np.inf)
    learning = out["learning"]
    for arr in (lower, upper, warn_lower, warn_upper):
        arr[learning] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = out["distance"]
        score = np.where(out["scale"] > 0, dev / out["scale"], np.where(dev > 0, np.inf, 0.0))
    score[learning | ~finite] = np.nan

    severity = np.full(n, "none", dtype=object)
    inner = Severity.WARN if cfg.severity.rank >= Severity.WARN.rank else cfg.severity
    severity[out["warn"]] = inner.value
    severity[out["error"]] = cfg.severity.value
    is_anomaly = out["error"] | out["warn"]
    state = np.where(is_anomaly, "anomaly", "ok").astype(object)
    state[learning] = "learning"
    state[~finite] = "missing"
    return pd.DataFrame(
        {
            "observed": x,
            "expected": expected_v,
            "lower": lower,
            "upper": upper,
            "warn_lower": warn_lower,
            "warn_upper": warn_upper,
            "score": score,
            "is_anomaly": is_anomaly,
            "severity": severity,
            "state": state,
            "history": out["history"],
            "marked_expected": marked,
        },
        index=index,
        copy=False,
    )
