"""Level shifts as events: a run of `level_shift_points` crossings on the same side is a new level.

With `on_level_shift: adapt` the run's first points are ordinary (possibly alerting) anomalies
while the shift is unconfirmed; its `level_shift_points`-th point is one `level_shift` event
(WARN, with the level before -- the expected value at the run's start -- and after -- the
median of the run so far); from there on the run's points teach the baseline (`relearn_after`
in the hygiene passes) and, until the baseline has caught up and a point is back inside the
band, they are `relearning`: shown, never alerting. With `keep_alerting` the event is still
marked, but every point of the run stays an anomaly.

Nothing here imports dagster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dq_monitor.history.likelihood import run_starts


@dataclass(frozen=True)
class LevelShifts:
    event: np.ndarray  # True on the point that confirms a shift
    relearning: np.ndarray  # adapt: later points of a confirmed run (never alerting)
    level_before: np.ndarray  # on event rows, else NaN
    level_after: np.ndarray
    confirmed: np.ndarray  # every point of a run at or past its confirmation
    run_score: np.ndarray  # on event rows: median score of the run, else 0


def find_level_shifts(
    crossing: np.ndarray,
    side: np.ndarray,
    observed: np.ndarray,
    expected: np.ndarray,
    score: np.ndarray,
    points: int,
    adapt: bool,
) -> LevelShifts:
    """Confirmed level shifts among runs of same-side crossings (all inputs in original units)."""
    n = len(crossing)
    idx = np.arange(n)
    start = run_starts(crossing, side)
    position = np.where(crossing, idx - start + 1, 0)
    event = position == points
    confirmed = position >= points
    before = np.full(n, np.nan)
    after = np.full(n, np.nan)
    run_score = np.zeros(n)
    for at in np.nonzero(event)[0]:
        first = at - points + 1
        before[at] = expected[first]
        after[at] = float(np.nanmedian(observed[first : at + 1]))
        run_score[at] = float(np.nanmedian(np.minimum(score[first : at + 1], 1e12)))
    relearning = confirmed & ~event if adapt else np.zeros(n, dtype=bool)
    return LevelShifts(event, relearning, before, after, confirmed, run_score)
