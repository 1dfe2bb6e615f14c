"""Per-dataset job, new-snapshot sensor and cron schedule."""


from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from dq_monitor.core import names
from dq_monitor.core.durations import parse_duration
from dq_monitor.core.names import CheckType
from dq_monitor.core.outcome import CheckOutcome, Finding, Severity
from dq_monitor.defs.context import DatasetContext
from dq_monitor.defs.resources import FindingsStoreResource
from dq_monitor.defs.snapshots import snapshot_ref_tags
from dq_monitor.snapshots import SnapshotRef, SourceError, discover_snapshots
from dq_monitor.snapshots.spec import SqlSource

if TYPE_CHECKING:
    from dq_monitor.snapshots.sql_discover import SqlSnapshot

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


def discover_or_record(ctx: DatasetContext, store_resource: FindingsStoreResource,
                       discover: Callable[[], list[Any]] | None = None) -> list[Any] | str:
    """Snapshots at the source (`discover()`, default: the refs), or the error message after recording it."""
    store = store_resource.get_store()
    try:
        refs = discover() if discover else discover_snapshots(ctx.dataset, ctx.root_path)
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
        if isinstance(ctx.dataset.source, SqlSource):
            return sql_sensor_result(ctx, context, dq_store)
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


def sql_run_request(ctx: DatasetContext, snapshot: "SqlSnapshot") -> dg.RunRequest:
    """The run key carries the data version (row count and newest value), so late rows re-trigger the bucket."""
    return dg.RunRequest(partition_key=snapshot.ref.snapshot_id,
                         run_key=f"{ctx.name}:{snapshot.ref.snapshot_id}:{snapshot.data_version}",
                         tags={**ctx.tags, **snapshot_ref_tags(snapshot.ref)})


def sql_sensor_result(ctx: DatasetContext, context: dg.SensorEvaluationContext,
                      dq_store: FindingsStoreResource) -> dg.SensorResult | dg.SkipReason:
    """New buckets are registered and run; the last `late_data` buckets are re-requested every tick (Dagster
    skips a run key it has seen, so only a bucket whose data version changed runs again). `snapshot: full`
    runs once per change of the table's data version (kept in the cursor)."""
    # SQL sources only: SQLAlchemy is not imported at code-location load.
    from dq_monitor.snapshots.sql import late_bucket_count
    from dq_monitor.snapshots.sql_discover import discover_sql

    source = ctx.dataset.source
    assert isinstance(source, SqlSource)
    found = discover_or_record(ctx, dq_store, lambda: discover_sql(ctx.dataset))
    if isinstance(found, str):
        context.log.error(found)
        return dg.SkipReason(found)
    if source.partition_by is None:
        (full,) = found
        if context.cursor == full.data_version:
            return dg.SkipReason(f"{ctx.name} is unchanged ({full.data_version})")
        return dg.SensorResult(run_requests=[sql_run_request(ctx, full)], cursor=full.data_version,
                               dynamic_partitions_requests=[ctx.partitions_def.build_add_request([full.ref.snapshot_id])])
    known = set(context.instance.get_dynamic_partitions(ctx.partitions_def.name))
    new = [s for s in found if s.ref.snapshot_id not in known][:MAX_RUNS_PER_TICK]
    late_n = late_bucket_count(parse_duration(source.late_data), source.partition_by.grain) if source.late_data else 0
    late = [s for s in found[-late_n:] if s.ref.snapshot_id in known] if late_n else []
    if not new and not late:
        return dg.SkipReason(f"no new buckets of {ctx.name} ({len(found)} known)")
    ids = [s.ref.snapshot_id for s in new]
    return dg.SensorResult(
        run_requests=[sql_run_request(ctx, s) for s in [*new, *late]],
        dynamic_partitions_requests=[ctx.partitions_def.build_add_request(ids)] if ids else [],
    )


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
