"""Level shifts as events: a run of `level_shift_points` crossings on the same side is a new level.

A run must also have *settled* (see `settled`): a burst that rises and falls is not a new level.
With `on_level_shift: adapt` the run's first points are ordinary (possibly alerting) anomalies
while the shift is unconfirmed; its first settled point is one `level_shift` event
(WARN, with the level before -- the expected value at the run's start -- and after -- the
median of the run so far); from there on the run's points teach the baseline (`relearn_after`
in the hygiene passes) and, until the baseline has caught up and a point is back inside the
band, they are `relearning`: shown, alerting only when surprising on their own. With `keep_alerting` the event is still
marked, but every point of the run stays an anomaly.

Nothing here imports dagster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dq_monitor.history.likelihood import run_starts


def settled(flags: np.ndarray, residual: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """(confirmed, event) for runs of same-side flags (+1 / -1 / 0).

    A run has *settled at a new level* at a point when it is at least `points` long and its
    last `points` residuals (observed - expected, on the judged scale) spread less than their
    median distance from the old level: a plateau, not a burst that rises and falls. Every
    later point of the run is confirmed; the first confirmed point is the event.
    """
    n = len(flags)
    crossing = flags != 0
    confirmed = np.zeros(n, dtype=bool)
    if n < points or crossing.sum() < points:  # no run can be long enough
        return confirmed, confirmed.copy()
    idx = np.arange(n)
    start = run_starts(crossing, flags)
    long_enough = crossing & (idx - start + 1 >= points)
    if not long_enough.any():
        return confirmed, confirmed.copy()
    r = pd.Series(np.where(crossing, residual, np.nan))
    rolling = r.rolling(points, min_periods=points)
    spread = (rolling.max() - rolling.min()).to_numpy()
    offset = np.abs(rolling.median().to_numpy())
    with np.errstate(invalid="ignore"):
        plateau = long_enough & (spread < offset)
    first = np.where(plateau, idx, n)
    run_ids = np.nonzero(crossing & (start == idx))[0]
    first_in_run = np.minimum.reduceat(first, run_ids)
    which = np.searchsorted(run_ids, idx, side="right") - 1
    confirmed = crossing & (idx >= first_in_run[np.maximum(which, 0)])
    event = confirmed & ~np.r_[False, confirmed[:-1]]
    return confirmed, event


@dataclass(frozen=True)
class LevelShifts:
    event: np.ndarray  # True on the point that confirms a shift
    relearning: np.ndarray  # adapt: later points of a confirmed run
    level_before: np.ndarray  # on event rows, else NaN
    level_after: np.ndarray
    confirmed: np.ndarray  # every point of a run at or past its confirmation
    run_score: np.ndarray  # on event rows: median score of the run's last `points` points, else 0


def describe(
    confirmed: np.ndarray,
    event: np.ndarray,
    observed: np.ndarray,
    expected: np.ndarray,
    score: np.ndarray,
    points: int,
    adapt: bool,
) -> LevelShifts:
    """Levels before / after each event (in the metric's own units) and the relearning points."""
    n = len(event)
    before = np.full(n, np.nan)
    after = np.full(n, np.nan)
    run_score = np.zeros(n)
    for at in np.nonzero(event)[0]:
        first = max(at - points + 1, 0)
        before[at] = expected[first]
        after[at] = float(np.nanmedian(observed[first : at + 1]))
        run_score[at] = float(np.nanmedian(np.minimum(score[first : at + 1], 1e12)))
    relearning = confirmed & ~event if adapt else np.zeros(n, dtype=bool)
    return LevelShifts(event, relearning, before, after, confirmed, run_score)
