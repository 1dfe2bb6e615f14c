"""Turn a validated ProjectConfig into Dagster Definitions."""

from __future__ import annotations

import dagster as dg

from dq_monitor.config import ProjectConfig
from dq_monitor.defs.automation import build_job, build_schedule, build_snapshot_sensor
from dq_monitor.defs.checks import build_core_checks
from dq_monitor.defs.context import DatasetContext
from dq_monitor.defs.features import FEATURES
from dq_monitor.defs.resources import SnapshotParquetIOManager, build_store_resource
from dq_monitor.defs.snapshots import build_snapshot_asset


def build_resources(project: ProjectConfig) -> dict[str, object]:
    return {
        "dq_store": build_store_resource(project),
        "dq_snapshot_io_manager": SnapshotParquetIOManager(base_dir=str(project.home_dir / "snapshots")),  # = ctx.snapshot_dir
    }


def build_dataset_defs(ctx: DatasetContext, *, running: bool) -> dg.Definitions:
    snapshot = build_snapshot_asset(ctx)
    features = [f for f in (feature.build_dataset_defs(ctx) for feature in FEATURES) if f]
    job = build_job(ctx, [snapshot.key, *(k for f in features for k in f.job_assets)])
    schedules = [build_schedule(ctx, job, running)] if ctx.dataset.schedule else []
    core = dg.Definitions(
        assets=[snapshot],
        asset_checks=build_core_checks(ctx),
        jobs=[job],
        sensors=[build_snapshot_sensor(ctx, job, running)],
        schedules=schedules,
    )
    return dg.Definitions.merge(core, *(f.defs for f in features))


def build_definitions(project: ProjectConfig, *, automation_running: bool | None = None) -> dg.Definitions:
    if automation_running is None:
        automation_running = project.automation.sensors_running
    parts = [build_dataset_defs(DatasetContext.build(ds, project), running=automation_running)
             for ds in project.datasets]
    project_parts = [d for d in (feature.build_project_defs(project) for feature in FEATURES) if d]
    return dg.Definitions.merge(*parts, *project_parts, dg.Definitions(resources=build_resources(project)))
