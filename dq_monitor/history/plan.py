"""Which seasonal model judges each point: phases, spread groups and `auto`'s stretches.

Nothing here imports dagster.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dq_monitor.history import seasonality as seas
from dq_monitor.history.grouping import _Grouping
from dq_monitor.history.spec import MonitorSpec

_NS_PER_DAY = 86_400 * 10**9
_MIN_SEASONS = 3
_POINTS_PER_SPREAD_GROUP = 12
_MIN_SPREAD_GROUPS = 8
_SPREAD_ERRORS = 24  # a spread group's estimate uses at least this many recent errors (when it has them)
_PERIOD_RECHECK_GROWTH = 3.0  # re-detect each time the history grows 4x
_PERIOD_DETECT_MAX_POINTS = 4096


@dataclass(frozen=True)
class _Model:
    """One way of grouping points into phases (a seasonality).

    `spread_group` groups neighbouring phases whose errors share one spread estimate:
    noise often differs along a cycle (busy hours are noisier than quiet ones), so a
    cycle with many points gets one spread per stretch of at least
    `_POINTS_PER_SPREAD_GROUP` points; a short cycle (a week of daily points) pools all.
    """

    phase: _Grouping
    per_phase: int  # how many same-phase training points the median uses
    n_phases: int
    spread_group: _Grouping
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
class _Plan:
    """Which model judges each point, and where auto's learning and provisional stretches end."""

    models: list[_Model]
    which: np.ndarray
    first_provisional: int  # auto: points before this are learning (no full cycle seen yet)
    first_seasonal: int  # auto: points before this are judged provisionally
    ends: list[int] = field(default_factory=list)  # per model: one past the last point it judges

    @classmethod
    def build(cls, models: list[_Model], which: np.ndarray, first_provisional: int, first_seasonal: int) -> _Plan:
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

