"""`monitors:` (and `volume: adaptive`): adaptive, seasonal checks on a dataset's metric history.

Each monitor is an asset check on the asset that records its metric (the snapshot for profile
metrics, the drift report for `drift_share`, the anomalies asset for `anomaly_rate`). It judges the
snapshot's value only from earlier snapshots (`as_of` the snapshot time), so a backfill of old
partitions gives the same verdicts as running them on the day.
"""


import time
from dataclasses import replace
from typing import TYPE_CHECKING

import dagster as dg
import pandas as pd

from dq_monitor.config import ConfigError, ProjectConfig
from dq_monitor.core.names import CheckType, asset_for_metric
from dq_monitor.defs.adapters import record_check, snapshot_time_of
from dq_monitor.defs.context import DatasetContext, FeatureDefs
from dq_monitor.defs.resources import FindingsStoreResource
from dq_monitor.history import MonitorSpec, evaluate_latest, monitor_outcome

if TYPE_CHECKING:
    from dq_monitor.store import Store


def metric_history(store: "Store", dataset: str, key: str,
                   current: str | None = None) -> tuple[pd.Series, dict[str, pd.Timestamp]]:
    """(series indexed by observed_at, snapshot -> timestamp) for one metric key: completely checked snapshots and `current`."""
    rows = store.metric_series(dataset, key, keep=current)
    index = pd.DatetimeIndex([pd.Timestamp(t) for t, _, _ in rows], name="observed_at")
    series = pd.Series([v if v is not None else float("nan") for _, _, v in rows], index=index, name=key,
                       dtype="float64")
    return series, {snap: pd.Timestamp(t) for t, snap, _ in rows}


def expected_timestamps(store: "Store", dataset: str, check: str, times: dict[str, pd.Timestamp]) -> set[pd.Timestamp]:
    """Timestamps of snapshots a user marked expected for this check (or for every check)."""
    return {times[m.snapshot] for m in store.expected_marks(dataset, check) if m.snapshot in times}


def monitor_specs(ctx: DatasetContext) -> list[MonitorSpec]:
    specs = list(ctx.dataset.monitors)
    volume = ctx.dataset.volume
    if volume is not None and volume.adaptive and not any(s.metric == "row_count" and s.column is None for s in specs):
        specs.append(MonitorSpec(metric="row_count"))
    names = [s.check_name(ctx.name) for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{ctx.project.source_file}: dataset {ctx.name!r}: monitors {dupes} are declared twice "
                          "(give one of them a `name`)")
    return specs


def build_monitor_check(ctx: DatasetContext, spec: MonitorSpec) -> dg.AssetChecksDefinition:
    asset_key = dg.AssetKey(asset_for_metric(ctx.name, spec.metric))  # the asset that records the metric
    check_name = spec.check_name(ctx.name)
    description = (f"{spec.key} is inside its learned normal band (seasonality {spec.seasonality}, "
                   f"sensitivity {spec.sensitivity}); 'learning' while history is short.")

    @dg.asset_check(asset=asset_key, name=check_name, description=description, partitions_def=ctx.partitions_def)
    def _check(context: dg.AssetCheckExecutionContext, dq_store: FindingsStoreResource) -> dg.AssetCheckResult:
        started = time.perf_counter()
        store = dq_store.get_store()
        snapshot_id = context.partition_key
        series, times = metric_history(store, ctx.name, spec.key, snapshot_id)
        as_of = times[snapshot_id] if snapshot_id in times else snapshot_time_of(store, ctx.name, snapshot_id)
        verdict = evaluate_latest(series, spec, expected=expected_timestamps(store, ctx.name, check_name, times),
                                  as_of=as_of)
        if snapshot_id not in times:
            verdict = replace(verdict, state="missing", is_anomaly=False, observed=None)
        outcome = monitor_outcome(ctx.name, verdict, snapshot_id)
        return record_check(store, ctx.name, snapshot_id, outcome, asset_key=asset_key, check_type=CheckType.HISTORY,
                            run_id=context.run.run_id, observed_at=as_of, started=started)

    return _check


def build_dataset_defs(ctx: DatasetContext) -> FeatureDefs | None:
    specs = monitor_specs(ctx)
    if not specs:
        return None
    return FeatureDefs(defs=dg.Definitions(asset_checks=[build_monitor_check(ctx, s) for s in specs]))


def build_project_defs(project: ProjectConfig) -> dg.Definitions | None:
    return None
