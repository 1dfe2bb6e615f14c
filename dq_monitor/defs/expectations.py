"""`expectations:` -> `<dataset>_passes_expectation_suite`, a Great Expectations suite run on every snapshot."""

import time

import dagster as dg
import pandas as pd

from dq_monitor.config import ProjectConfig
from dq_monitor.core.names import CheckType
from dq_monitor.defs.adapters import note_blocked, record_check, snapshot_time_of
from dq_monitor.defs.context import DatasetContext, FeatureDefs
from dq_monitor.defs.resources import FindingsStoreResource
from dq_monitor.expectations.spec import check_name


def build_dataset_defs(ctx: DatasetContext) -> FeatureDefs | None:
    if ctx.dataset.expectations is None:
        return None
    spec = ctx.dataset.expectations
    suite_path = spec.suite_path(ctx.name, ctx.project.base_dir)
    name = check_name(ctx.name)
    key = ctx.snapshot_key
    primary_key = list(ctx.dataset.primary_key)

    @dg.multi_asset_check(
        name=name,
        specs=[dg.AssetCheckSpec(
            name, asset=key, partitions_def=ctx.partitions_def, blocking=spec.blocking,
            description=f"The snapshot passes the Great Expectations suite {suite_path.name}. Failed expectations "
            "show observed values, unexpected counts and the primary keys of sample failing rows; severity follows "
            "each expectation's `severity` (critical=ERROR, warning=WARN, info=recorded only).")],
        ins={"frame": dg.AssetIn(key=key)},
    )
    def _check(context: dg.AssetCheckExecutionContext, frame: pd.DataFrame, dq_store: FindingsStoreResource):
        from dq_monitor.expectations import (
            validate_frame,  # GX is imported only where it runs
        )

        started = time.perf_counter()
        snapshot_id = context.partition_key
        outcome = validate_frame(frame, suite_path, ctx.name, snapshot_id, primary_key, sample_size=spec.sample_size)
        if spec.blocking:
            outcome = note_blocked(context, key, snapshot_id, outcome)
        store = dq_store.get_store()
        yield record_check(store, ctx.name, snapshot_id, outcome, asset_key=key, check_type=CheckType.EXPECTATIONS,
                           run_id=context.run.run_id, observed_at=snapshot_time_of(store, ctx.name, snapshot_id),
                           started=started)

    return FeatureDefs(defs=dg.Definitions(asset_checks=[_check]))


def build_project_defs(project: ProjectConfig) -> dg.Definitions | None:
    return None
