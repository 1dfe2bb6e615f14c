"""Freshness: how old the newest record is when the snapshot was taken (or the snapshot itself is now)."""

from __future__ import annotations

from datetime import datetime, timedelta

from dq_monitor.checks.spec import Freshness
from dq_monitor.core.names import freshness_check
from dq_monitor.core.outcome import CheckOutcome, Finding


def _fmt(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds >= 86400:
        return f"{sign}{seconds / 86400:.1f}d"
    if seconds >= 3600:
        return f"{sign}{seconds / 3600:.1f}h"
    if seconds >= 60:
        return f"{sign}{seconds / 60:.0f}m"
    return f"{sign}{seconds:.0f}s"


def check_freshness(
    dataset: str,
    snapshot: str,
    spec: Freshness,
    *,
    snapshot_time: datetime,
    max_timestamp: datetime | None,
    now: datetime,
    timestamp_column: str | None,
) -> CheckOutcome:
    check = freshness_check(dataset)
    if spec.based_on == "snapshot":
        reference, observed, what = now, snapshot_time, "snapshot age"
    else:
        if timestamp_column is None:
            msg = f"{dataset}: freshness based_on max_timestamp needs a timestamp_column"
            return CheckOutcome(check, False, spec.severity, msg,
                                findings=(Finding(dataset, snapshot, check, spec.severity, msg,
                                                  {"problem": "no_timestamp_column"}, key="config"),))
        if max_timestamp is None:
            msg = f"{dataset}/{snapshot}: column {timestamp_column!r} has no valid timestamps"
            return CheckOutcome(check, False, spec.severity, msg, metadata={"timestamp_column": timestamp_column},
                                findings=(Finding(dataset, snapshot, check, spec.severity, msg,
                                                  {"problem": "no_timestamps", "column": timestamp_column},
                                                  key="no_timestamps"),))
        reference, observed, what = snapshot_time, max_timestamp, f"lag of newest {timestamp_column!r}"
    lag = reference - observed
    meta = {
        "lag_seconds": round(lag.total_seconds(), 1),
        "lag": _fmt(lag),
        "max_age": _fmt(spec.max_age),
        "newest_record" if spec.based_on == "max_timestamp" else "snapshot_time": observed.isoformat(),
        "reference_time": reference.isoformat(),
        "based_on": spec.based_on,
    }
    metrics = {"freshness_lag_seconds": lag.total_seconds()}
    if lag <= spec.max_age:
        return CheckOutcome(check, True, spec.severity, f"{what} {_fmt(lag)} within {_fmt(spec.max_age)}",
                            metadata=meta, metrics=metrics)
    msg = f"{dataset}/{snapshot}: {what} is {_fmt(lag)}, more than the allowed {_fmt(spec.max_age)}"
    finding = Finding(dataset, snapshot, check, spec.severity, msg,
                      {"problem": "stale", "lag_seconds": meta["lag_seconds"],
                       "max_age_seconds": spec.max_age.total_seconds(), "observed": observed.isoformat(),
                       "column": timestamp_column}, key="stale")
    return CheckOutcome(check, False, spec.severity, msg, metadata=meta, findings=(finding,), metrics=metrics)
