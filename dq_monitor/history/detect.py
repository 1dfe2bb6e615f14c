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

With `transform: log` all of this happens on `sign(x) log1p(|x|)` (`transform`), the
`min_*_change` gates in the metric's own units. A band crossing is a *flag*; whether it
*alerts* is decided afterwards, from earlier points only:

* **surprise** (`likelihood`): a crossing starts an alert only when its score (or the
  2-hour average of scores) exceeds what this series' own scores reach about once per
  `surprise_days` (tail extrapolated while fewer scores exist), and, for a run of WARN-level
  crossings, from its second point; until `surprise_min_scores` scores exist every crossing
  alerts. The score's unit is the robust spread, but at least the data's rounding noise;
* **level shifts** (`level_shift`): a run of >= `level_shift_points` same-side flags that
  has settled on a plateau is one `level_shift` event; with `on_level_shift: adapt` the
  run then teaches the baseline (`relearning` until a point is back inside the band),
  with `keep_alerting` it stays an anomaly.

*Training hygiene*: a point that was flagged, or that the user marked expected,
never becomes a training point, except the points of a confirmed level shift that is
being adapted to. Because a flag
depends only on earlier points, the flags are computed by a few vectorised passes
that each fix a longer prefix (each pass re-judges every point with the previous
pass's flags removed from training; the first point whose flag changes and
everything before it is final), which gives exactly the result of judging the
points one by one in time order.

Nothing here imports dagster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from dq_monitor.core.outcome import Severity
from dq_monitor.history import transform as tr
from dq_monitor.history.bands import _judge, score_scale
from dq_monitor.history.level_shift import describe, settled
from dq_monitor.history.likelihood import gate, hold, surprise, surprise_bar_score
from dq_monitor.history.plan import _plan
from dq_monitor.history.spec import MonitorSpec, coerce_spec

_MAX_PASSES = 10_000

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
    "event",
    "level_before",
    "level_after",
)


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
    more anomalous), `is_anomaly` (an alert: a surprising crossing, a level-shift event, or
    a keep-alerting shift), `severity` (`none`, or the Severity value of the band crossed;
    WARN for an adapting level-shift event), `state` (`learning` while the history is too
    short to judge, `missing` for a NaN observation, `level_shift` on the point that confirms
    a shift, `relearning` while an adapting shift is being learned, else `ok` or `anomaly`),
    `history` (training points before it), `marked_expected`, `event` (`level_shift` or
    empty) and `level_before` / `level_after` (on event rows).
    Bands on the side `direction` ignores are infinite.
    """
    index, x, name = _prepare(series)
    cfg = coerce_spec(spec, default_metric=name if isinstance(name, str) else "value")
    if len(x) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS}, index=index)
    marked = _marked(index, expected)
    out = _hygiene(index, x, marked, cfg)
    bands = _bands(x, out, cfg)
    frame = {"observed": x, **bands}
    frame.update(_verdicts(index.asi8, x, out, bands, cfg))
    frame["history"] = out["history"]
    frame["marked_expected"] = marked
    return pd.DataFrame({c: frame[c] for c in COLUMNS}, index=index, copy=False)


def _hygiene(index: pd.DatetimeIndex, x: np.ndarray, marked: np.ndarray, cfg: MonitorSpec) -> dict[str, np.ndarray]:
    """The judging passes until no flag changes (training hygiene), on the transformed scale.

    With a transform the `min_abs_change` / `min_rel_change` gates are applied in the
    metric's own units (`gate`), not on the transformed scale."""
    z = tr.forward(x, cfg.transform)
    finite = np.isfinite(z)
    judged_cfg = cfg if cfg.transform == "none" else cfg.model_copy(update={"min_abs_change": 0.0, "min_rel_change": 0.0})
    plan = _plan(index, z, judged_cfg)
    flags = np.zeros(len(z), dtype=np.int8)
    accepted = np.zeros(len(z), dtype=bool)
    adapt = cfg.level_shift_policy == "adapt"
    for _ in range(_MAX_PASSES):
        out = _judge(z, finite, marked, flags, accepted, plan, judged_cfg)
        if cfg.transform != "none":
            big = np.abs(x - tr.inverse(out["expected"], cfg.transform)) > _floor(x, out, cfg)
            out["error"] &= big
            out["warn"] &= big
        new_flags = np.where(out["error"] | out["warn"], np.where(z > out["expected"], 1, -1), 0).astype(np.int8)
        confirmed, event = settled(new_flags, z - out["expected"], cfg.level_shift_points)
        new_accepted = confirmed if adapt else accepted
        if np.array_equal(new_flags, flags) and np.array_equal(new_accepted, accepted):
            break
        # Everything up to the first change is final; later points are re-judged next pass.
        flags, accepted = new_flags, new_accepted
    else:  # pragma: no cover - the fixed prefix grows every pass, so this cannot run out
        raise RuntimeError("training hygiene did not converge")
    out["finite"], out["judged"] = finite, z
    out["confirmed"], out["event"] = confirmed, event
    return out


def _floor(x: np.ndarray, out: dict[str, np.ndarray], cfg: MonitorSpec) -> np.ndarray:
    """The smallest move that may alert, in the metric's own units."""
    expected = np.nan_to_num(tr.inverse(out["expected"], cfg.transform))
    return np.maximum(cfg.min_abs_change, cfg.min_rel_change * np.abs(expected))


def _bands(x: np.ndarray, out: dict[str, np.ndarray], cfg: MonitorSpec) -> dict[str, np.ndarray]:
    """expected, ERROR and WARN bands in the metric's own units, and the score."""
    n = len(x)
    inv = lambda v: tr.inverse(v, cfg.transform)
    low, high = out["low"], out["high"]
    half_err, half_warn = out["half_err"], out["half_warn"]
    expected_v = inv(out["expected"])
    lower, upper = inv(low - half_err), inv(high + half_err)
    warn_lower, warn_upper = inv(low - half_warn), inv(high + half_warn)
    if cfg.transform != "none":
        floor = _floor(x, out, cfg)
        lower, warn_lower = np.fmin(lower, expected_v - floor), np.fmin(warn_lower, expected_v - floor)
        upper, warn_upper = np.fmax(upper, expected_v + floor), np.fmax(warn_upper, expected_v + floor)
    if cfg.direction == "spike":
        lower = warn_lower = np.full(n, -np.inf)
    elif cfg.direction == "drop":
        upper = warn_upper = np.full(n, np.inf)
    learning = out["learning"]
    for arr in (lower, upper, warn_lower, warn_upper):
        arr[learning] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = out["distance"]
        unit = score_scale(out["scale"], out["judged"])
        score = np.where(unit > 0, dev / unit, np.where(dev > 0, np.inf, 0.0))
    score[learning | ~out["finite"]] = np.nan
    return {"expected": expected_v, "lower": lower, "upper": upper, "warn_lower": warn_lower,
            "warn_upper": warn_upper, "score": score}


def _verdicts(
    times: np.ndarray, x: np.ndarray, out: dict[str, np.ndarray], bands: dict[str, np.ndarray], cfg: MonitorSpec
) -> dict:
    """Which crossings alert (surprise gate), level-shift events and every point's state."""
    n = len(x)
    crossing = out["error"] | out["warn"]
    side = np.where(crossing, np.where(x > bands["expected"], 1, -1), 0)
    adapt = cfg.level_shift_policy == "adapt"
    shifts = describe(out["confirmed"], out["event"], x, bands["expected"], bands["score"], cfg.level_shift_points, adapt)
    surprising = surprise(bands["score"], crossing, times, cfg)
    gated = (np.arange(n) >= cfg.surprise_min_scores) & (cfg.surprise_days is not None)
    alerted = gate(crossing, side, surprising, out["error"], gated)
    # A confirmed shift is an incident when the run as a whole is surprising (NAB's short-term
    # average of scores): its median score exceeds the bar. Keep-alerting metrics always alert.
    if adapt:
        events = np.nonzero(shifts.event)[0]
        shift_alert = np.zeros(n, dtype=bool)
        shift_alert[events] = shifts.run_score[events] > surprise_bar_score(bands["score"], events, times, cfg)
    else:
        shift_alert = shifts.confirmed
    # relearning points alert only when surprising on their own (an outage during relearning)
    alerted = np.where(shifts.relearning, crossing & surprising & (np.arange(n) >= cfg.surprise_min_scores), alerted)
    alerted = alerted | shift_alert
    held = hold(alerted, times, cfg) & ~alerted & out["finite"] & ~out["learning"]
    severity = np.full(n, "none", dtype=object)
    inner = Severity.WARN if cfg.severity.rank >= Severity.WARN.rank else cfg.severity
    severity[alerted & out["warn"]] = inner.value
    severity[alerted & out["error"]] = cfg.severity.value
    if adapt:
        severity[shift_alert] = inner.value  # an event to look at; the new level is then learned
    severity[held] = inner.value  # the incident is still open
    alerted = alerted | held
    state = np.where(alerted, "anomaly", "ok").astype(object)
    state[shifts.event] = "level_shift"
    state[shifts.relearning & ~alerted] = "relearning"
    state[out["learning"]] = "learning"
    state[~out["finite"]] = "missing"
    event = np.where(shifts.event, "level_shift", "").astype(object)
    return {"is_anomaly": alerted, "severity": severity, "state": state, "event": event,
            "level_before": shifts.level_before, "level_after": shifts.level_after}
