"""Turn pure results into Dagster objects (the only place that knows both sides)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import dagster as dg

from dq_monitor.core.names import CheckType
from dq_monitor.core.outcome import CheckOutcome, Severity

if TYPE_CHECKING:
    from dq_monitor.store import Store

#: Evaluation metadata key: milliseconds the check body took, from its start to just before the store write.
DURATION_KEY = "duration_ms"
#: Check metadata key (Dagster only): the snapshot's time, so a check's plot can be read by snapshot after a backfill.
SNAPSHOT_TIME_KEY = "dq_monitor/snapshot_time"


def to_metadata(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dg.MetadataValue):  # first: some MetadataValues are tuples
            out[key] = value
        elif value is None:
            out[key] = dg.MetadataValue.text("none")
        elif isinstance(value, bool):
            out[key] = dg.MetadataValue.bool(value)
        elif isinstance(value, int):
            out[key] = dg.MetadataValue.int(value)
        elif isinstance(value, float):
            out[key] = dg.MetadataValue.float(value)
        elif isinstance(value, str) and (value.startswith("| ") or value.startswith("- ") or "\n|" in value):
            out[key] = dg.MetadataValue.md(value)
        elif isinstance(value, (dict, list, tuple)):
            out[key] = dg.MetadataValue.json(value if not isinstance(value, tuple) else list(value))
        else:
            out[key] = dg.MetadataValue.text(str(value))
    return out


def to_check_result(outcome: CheckOutcome, asset_key: dg.AssetKey | None = None,
                    snapshot_time: datetime | None = None) -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.ERROR if outcome.severity == Severity.ERROR else dg.AssetCheckSeverity.WARN
    meta = {"summary": outcome.message, **outcome.metadata}
    if outcome.findings:
        meta["findings"] = len(outcome.findings)
    kwargs: dict[str, Any] = {}
    if asset_key is not None:
        kwargs["asset_key"] = asset_key
    metadata = to_metadata(meta)
    if snapshot_time is not None:
        utc = snapshot_time if snapshot_time.tzinfo else snapshot_time.replace(tzinfo=timezone.utc)
        metadata[SNAPSHOT_TIME_KEY] = dg.MetadataValue.timestamp(utc)
    return dg.AssetCheckResult(
        check_name=outcome.check,
        passed=bool(outcome.passed),
        severity=severity,
        metadata=metadata,
        description=outcome.message[:2000],
        **kwargs,
    )


def record_check(store: Store, dataset: str, snapshot: str, outcome: CheckOutcome, *, asset_key: dg.AssetKey,
                 check_type: CheckType, run_id: str | None, observed_at: datetime | None,
                 started: float | None = None) -> dg.AssetCheckResult:
    """Record `outcome` (evaluation, findings, metrics) in the store, then return it as Dagster's check result.

    Every dq_monitor asset check goes through here, so the store and the Dagster UI never disagree.
    `observed_at` is the snapshot's time (the metric history's x axis); None means "now". Dagster's check metadata
    carries it as `dq_monitor/snapshot_time`: the UI plots by run time, this names the snapshot each point is.
    `started` is `time.perf_counter()` at the start of the check body: its duration becomes `duration_ms` in the
    evaluation's metadata (in the store and in Dagster), so the slow check of a run is visible.
    """
    if started is not None:
        elapsed = round((time.perf_counter() - started) * 1000.0, 3)
        outcome = replace(outcome, metadata={**outcome.metadata, DURATION_KEY: elapsed})
    observed_at = observed_at or datetime.now(timezone.utc)
    store.record_outcome(dataset, snapshot, outcome, check_type=CheckType(check_type).value,
                         asset_key=asset_key.to_user_string(), run_id=run_id, observed_at=observed_at)
    return to_check_result(outcome, asset_key, observed_at)


def note_blocked(context: dg.AssetCheckExecutionContext, asset_key: dg.AssetKey, snapshot: str,
                 outcome: CheckOutcome) -> CheckOutcome:
    """A blocking check that fails at ERROR names the assets of this run it keeps from running.

    Dagster then fails the check's step and does not execute those steps (they show as not executed,
    their log line names this check's step); the check's message and `blocked_assets` say why.
    """
    if outcome.passed or outcome.severity != Severity.ERROR:
        return outcome
    layer = context.job_def.asset_layer
    in_run = context.run.asset_selection or layer.selected_asset_keys
    blocked = sorted(k.to_user_string() for k in layer.asset_graph.get(asset_key).child_keys if k in in_run)
    if not blocked:
        return outcome
    context.log.error(f"{outcome.check} failed at ERROR and is blocking: {', '.join(blocked)} are not run for "
                      f"{snapshot} (Dagster lists their steps as not executed)")
    return replace(outcome, message=f"{outcome.message}; blocking: {', '.join(blocked)} not run",
                   metadata={**outcome.metadata, "blocked_assets": blocked})


def snapshot_time_of(store: Store, dataset: str, snapshot: str) -> datetime | None:
    """The ingested snapshot's time, or None when it is not in the store (the check then records "now")."""
    record = store.get_snapshot(dataset, snapshot)
    return record.snapshot_time if record else None
