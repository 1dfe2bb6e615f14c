"""Per-dataset job, new-snapshot sensor and cron schedule."""


from collections.abc import Sequence

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from dq_monitor.core import names
from dq_monitor.core.names import CheckType
from dq_monitor.core.outcome import CheckOutcome, Finding, Severity
from dq_monitor.defs.context import DatasetContext
from dq_monitor.defs.resources import FindingsStoreResource
from dq_monitor.defs.snapshots import snapshot_ref_tags
from dq_monitor.snapshots import SnapshotRef, SourceError, discover_snapshots

#: Runs requested per sensor tick; the rest follow on later ticks (a big backlog never floods the queue).
MAX_RUNS_PER_TICK = 25
NO_SNAPSHOT = "-"


def build_job(ctx: DatasetContext, asset_keys: Sequence[dg.AssetKey]) -> UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        name=names.snapshot_job(ctx.name),
        selection=dg.AssetSelection.assets(*asset_keys),
        partitions_def=ctx.partitions_def,
        tags=ctx.tags,
        description=f"Ingest and check one snapshot of {ctx.name}.",
        # One snapshot's steps are light; a process per step would cost seconds of imports each.
        executor_def=dg.in_process_executor,
    )


def source_outcome(dataset: str, error: str | None) -> CheckOutcome:
    """A missing/unreadable source is a finding, not a crash; it resolves when the source is back."""
    check = names.source_check(dataset)
    if error is None:
        return CheckOutcome(check, True, Severity.ERROR, "source is available")
    return CheckOutcome(check, False, Severity.ERROR, error,
                        findings=(Finding(dataset, NO_SNAPSHOT, check, Severity.ERROR, error,
                                          {"problem": "source_unavailable"}, key="source"),))


def discover_or_record(ctx: DatasetContext, store_resource: FindingsStoreResource) -> list[SnapshotRef] | str:
    """Snapshots at the source, or the error message after recording it as a finding."""
    store = store_resource.get_store()
    try:
        refs = discover_snapshots(ctx.dataset, ctx.root_path)
    except SourceError as exc:
        store.record_outcome(ctx.name, NO_SNAPSHOT, source_outcome(ctx.name, str(exc)), check_type=CheckType.SOURCE.value)
        return str(exc)
    store.record_outcome(ctx.name, NO_SNAPSHOT, source_outcome(ctx.name, None), check_type=CheckType.SOURCE.value)
    return refs


def snapshot_run_request(ctx: DatasetContext, ref: SnapshotRef) -> dg.RunRequest:
    """One run per snapshot (run key `<dataset>:<snapshot>`), carrying the reference so the run need not re-list."""
    return dg.RunRequest(partition_key=ref.snapshot_id, run_key=f"{ctx.name}:{ref.snapshot_id}",
                         tags={**ctx.tags, **snapshot_ref_tags(ref)})


def build_snapshot_sensor(ctx: DatasetContext, job: UnresolvedAssetJobDefinition,
                          running: bool) -> dg.SensorDefinition:
    @dg.sensor(
        name=names.snapshot_sensor(ctx.name),
        job=job,
        minimum_interval_seconds=ctx.project.automation.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED,
        description=f"Registers new snapshots of {ctx.name} as partitions and requests one run per snapshot.",
    )
    def _sensor(context: dg.SensorEvaluationContext, dq_store: FindingsStoreResource) -> dg.SensorResult | dg.SkipReason:
        found = discover_or_record(ctx, dq_store)
        if isinstance(found, str):
            context.log.error(found)
            return dg.SkipReason(found)
        known = set(context.instance.get_dynamic_partitions(ctx.partitions_def.name))
        new = [r for r in found if r.snapshot_id not in known][:MAX_RUNS_PER_TICK]
        if not new:
            return dg.SkipReason(f"no new snapshots of {ctx.name} ({len(found)} known)")
        ids = [r.snapshot_id for r in new]
        context.log.info(f"{ctx.name}: {len(new)} new snapshot(s): {', '.join(ids[:10])}")
        return dg.SensorResult(
            run_requests=[snapshot_run_request(ctx, ref) for ref in new],
            dynamic_partitions_requests=[ctx.partitions_def.build_add_request(ids)],
        )

    return _sensor


def build_schedule(ctx: DatasetContext, job: UnresolvedAssetJobDefinition, running: bool) -> dg.ScheduleDefinition:
    assert ctx.dataset.schedule

    @dg.schedule(
        name=names.snapshot_schedule(ctx.name),
        cron_schedule=ctx.dataset.schedule,
        job=job,
        default_status=dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED,
        description=f"Re-checks the newest snapshot of {ctx.name} on its cron schedule (freshness is judged "
        "on the clock even when no new file arrives).",
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        known = context.instance.get_dynamic_partitions(ctx.partitions_def.name)
        try:
            refs = discover_snapshots(ctx.dataset, ctx.root_path)
        except SourceError as exc:
            return dg.SkipReason(str(exc))
        registered = [r for r in refs if r.snapshot_id in set(known)]
        if not registered:
            return dg.SkipReason(f"no registered snapshot of {ctx.name} yet (the sensor registers them)")
        newest = registered[-1]
        return dg.RunRequest(partition_key=newest.snapshot_id,
                             tags={**ctx.tags, **snapshot_ref_tags(newest), "dq_monitor/trigger": "schedule"})

    return _schedule
