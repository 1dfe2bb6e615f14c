"""The newest point's verdict and its `CheckOutcome` (the adaptive check's result).

`evaluate_latest` runs the same causal `detect` over the whole history (training
hygiene needs every earlier verdict) and keeps the last row, so the check on a
snapshot always agrees with the history plot. Nothing here imports dagster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from dq_monitor.core.outcome import CheckOutcome, Finding, Severity
from dq_monitor.history.detect import detect
from dq_monitor.history.spec import MonitorSpec, coerce_spec


@dataclass(frozen=True)
class LatestVerdict:
    """How the newest point of a metric series was judged."""

    spec: MonitorSpec
    timestamp: pd.Timestamp | None
    observed: float | None
    expected: float | None
    lower: float | None
    upper: float | None
    warn_lower: float | None
    warn_upper: float | None
    score: float | None
    is_anomaly: bool
    severity: Severity | None
    state: str  # learning | missing | ok | anomaly | level_shift | relearning | empty
    history: int
    marked_expected: bool
    level_before: float | None = None  # level_shift: the level before and after the shift
    level_after: float | None = None


def _num(value: Any) -> float | None:
    """A finite float, or None (NaN and infinite bounds have no JSON form)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def evaluate_latest(
    series: pd.Series,
    spec: MonitorSpec | Mapping[str, Any] | None = None,
    *,
    expected: Iterable[Any] | None = None,
    as_of: Any = None,
) -> LatestVerdict:
    """Judge the newest point of `series` from the points before it (see `detect`).

    `as_of` (a timestamp) judges the newest point at or before it instead, ignoring
    every later point -- what a backfill of an old snapshot needs; because `detect` is
    causal this equals that snapshot's row in `detect(series)`.
    """
    cfg = coerce_spec(spec, default_metric=series.name if isinstance(series.name, str) else "value")
    if as_of is not None:
        stamp = pd.Timestamp(as_of)
        index = pd.DatetimeIndex(pd.to_datetime(series.index, format="mixed")) if len(series) else series.index
        if len(series) and index.tz is not None:
            stamp = stamp.tz_localize(index.tz) if stamp.tzinfo is None else stamp.tz_convert(index.tz)
        elif stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        series = series[np.asarray(index <= stamp)] if len(series) else series
    frame = detect(series, cfg, expected=expected)
    if frame.empty:
        return LatestVerdict(cfg, None, None, None, None, None, None, None, None, False, None, "empty", 0, False)
    row = frame.iloc[-1]
    severity = None if row["severity"] == "none" else Severity(row["severity"])
    return LatestVerdict(
        spec=cfg,
        timestamp=frame.index[-1],
        observed=_num(row["observed"]),
        expected=_num(row["expected"]),
        lower=_num(row["lower"]),
        upper=_num(row["upper"]),
        warn_lower=_num(row["warn_lower"]),
        warn_upper=_num(row["warn_upper"]),
        score=_num(row["score"]),
        is_anomaly=bool(row["is_anomaly"]),
        severity=severity,
        state=str(row["state"]),
        history=int(row["history"]),
        marked_expected=bool(row["marked_expected"]),
        level_before=_num(row["level_before"]),
        level_after=_num(row["level_after"]),
    )


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _band(lower: float | None, upper: float | None) -> str:
    """`[lo, hi]`, or `at most hi` / `at least lo` when one side is open (never `-inf`)."""
    if _finite(lower) and _finite(upper):
        return f"[{_fmt(lower)}, {_fmt(upper)}]"
    if _finite(upper):
        return f"at most {_fmt(upper)}"
    if _finite(lower):
        return f"at least {_fmt(lower)}"
    return "unbounded"


def _distance(score: float | None) -> str:
    return f", {_fmt(score)} robust std devs away" if _finite(score) else ""


def _message(what: str, verdict: LatestVerdict) -> str:
    """The check message for the newest point's state."""
    spec = verdict.spec
    if verdict.state == "empty":
        message = f"{what}: no history recorded yet"
    elif verdict.state == "learning":
        message = (
            f"{what} = {_fmt(verdict.observed)}: learning what is normal "
            f"({verdict.history} usable earlier points; judging starts at {spec.min_history} and, with "
            f"seasonality {spec.seasonality}, once every phase has history)"
        )
    elif verdict.state == "missing":
        message = f"{what}: no value recorded for the newest snapshot"
    elif verdict.state == "level_shift":
        message = (
            f"{what} = {_fmt(verdict.observed)}: level shift from {_fmt(verdict.level_before)} to "
            f"{_fmt(verdict.level_after)} ({spec.level_shift_points} points in a row on one side); "
            + ("the new level becomes the baseline" if spec.level_shift_policy == "adapt" else "keeps alerting")
        )
    elif verdict.state == "relearning":
        message = (
            f"{what} = {_fmt(verdict.observed)}: relearning the baseline after a level shift "
            f"(expected {_fmt(verdict.expected)} until the new level is learned)"
        )
    elif verdict.is_anomaly:
        side = "above" if (verdict.observed or 0) > (verdict.expected or 0) else "below"
        message = (
            f"{what} = {_fmt(verdict.observed)} is {side} the normal band "
            f"{_band(verdict.warn_lower, verdict.warn_upper)} (expected {_fmt(verdict.expected)}"
            f"{_distance(verdict.score)})"
        )
        if verdict.marked_expected:
            message += "; marked expected by a user"
    elif _outside(verdict):
        message = (
            f"{what} = {_fmt(verdict.observed)} is outside the band {_band(verdict.warn_lower, verdict.warn_upper)} "
            f"but no more extreme than this series' usual spikes ({_fmt(verdict.score)} robust std devs; "
            "alerts start only on scores unusual for the series)"
        )
    else:
        message = (
            f"{what} = {_fmt(verdict.observed)} is normal (expected {_fmt(verdict.expected)}, "
            f"band {_band(verdict.warn_lower, verdict.warn_upper)})"
        )
    return message


def _outside(verdict: LatestVerdict) -> bool:
    low, high, value = verdict.warn_lower, verdict.warn_upper, verdict.observed
    if value is None:
        return False
    return (low is not None and value < low) or (high is not None and value > high)


def monitor_outcome(dataset: str, verdict: LatestVerdict, snapshot: str | None = None) -> CheckOutcome:
    """The check `<dataset>_<metric>[_<column>]_is_normal` for the newest point.

    Passes while learning or relearning after a level shift (the state says so in the
    message and metadata), when the point is inside the WARN band or is an ordinary crossing
    for this series (see `likelihood`), or when a user marked it expected. A `level_shift`
    that alerts fails with the levels before and after in metadata. `metadata`
    carries observed, expected, both bands, state and history length for the UI;
    a failure carries one finding keyed by the metric key.
    """
    spec = verdict.spec
    check = spec.check_name(dataset)
    message = _message(f"{dataset} {spec.key}", verdict)
    failed = verdict.is_anomaly and not verdict.marked_expected
    severity = verdict.severity if failed and verdict.severity is not None else spec.severity
    judged = verdict.state in ("ok", "anomaly", "level_shift", "relearning")
    metadata: dict[str, Any] = {
        "metric": spec.key,
        "observed": verdict.observed,
        "expected": verdict.expected,
        "band": _band(verdict.lower, verdict.upper) if judged else None,
        "lower": verdict.lower,
        "upper": verdict.upper,
        "warn_band": _band(verdict.warn_lower, verdict.warn_upper) if judged else None,
        "warn_lower": verdict.warn_lower,
        "warn_upper": verdict.warn_upper,
        "score": verdict.score,
        "state": verdict.state,
        "history_length": verdict.history,
        "seasonality": spec.seasonality,
        "direction": spec.direction,
        "marked_expected": verdict.marked_expected,
        "on_level_shift": spec.level_shift_policy,
        "level_before": verdict.level_before,
        "level_after": verdict.level_after,
        "timestamp": verdict.timestamp.isoformat() if verdict.timestamp is not None else None,
    }
    findings: tuple[Finding, ...] = ()
    if failed:
        snap = snapshot if snapshot is not None else (verdict.timestamp.isoformat() if verdict.timestamp else "")
        findings = (Finding(dataset, snap, check, severity, message, details=dict(metadata), key=spec.key),)
    return CheckOutcome(
        check=check, passed=not failed, severity=severity, message=message, metadata=metadata, findings=findings
    )
