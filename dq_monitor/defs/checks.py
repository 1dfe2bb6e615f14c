"""Schema, volume and freshness checks of `<dataset>_snapshot`, built from the dataset config.

Each check reads what the snapshot asset recorded in the store (column profile,
row count, newest timestamp) and the "previous" baseline: the latest earlier
snapshot without open schema/volume findings, so one bad snapshot is not the
yardstick for the next.
"""


import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import dagster as dg

from dq_monitor.checks import (
    check_freshness,
    check_row_count_bounds,
    check_row_count_change,
    check_schema_contract,
    check_schema_unchanged,
)
from dq_monitor.checks.schema import contract_from_profile
from dq_monitor.core import names
from dq_monitor.core.names import CheckType
from dq_monitor.core.outcome import CheckOutcome
from dq_monitor.defs.adapters import note_blocked, record_check
from dq_monitor.defs.context import DatasetContext
from dq_monitor.defs.resources import FindingsStoreResource
from dq_monitor.snapshots.spec import SqlSource
from dq_monitor.store import SnapshotRecord

if TYPE_CHECKING:
    from dq_monitor.store import Store

Evaluate = Callable[["Store", SnapshotRecord], CheckOutcome]


def build_store_check(ctx: DatasetContext, name: str, description: str, check_type: CheckType, evaluate: Evaluate,
                      *, blocking: bool = False) -> dg.AssetChecksDefinition:
    """An asset check that evaluates a pure function on the snapshot's stored record."""

    @dg.asset_check(asset=ctx.snapshot_key, name=name, description=description, blocking=blocking,
                    partitions_def=ctx.partitions_def)
    def _check(context: dg.AssetCheckExecutionContext, dq_store: FindingsStoreResource) -> dg.AssetCheckResult:
        started = time.perf_counter()
        store = dq_store.get_store()
        snapshot_id = context.partition_key
        record = store.get_snapshot(ctx.name, snapshot_id)
        if record is None:
            raise dg.Failure(f"{ctx.name}/{snapshot_id}: no ingested snapshot in the store; materialize "
                             f"{ctx.snapshot_key.to_user_string()} first")
        outcome = evaluate(store, record)
        if blocking:
            outcome = note_blocked(context, ctx.snapshot_key, snapshot_id, outcome)
        return record_check(store, ctx.name, snapshot_id, outcome, asset_key=ctx.snapshot_key,
                            check_type=check_type, run_id=context.run.run_id, observed_at=record.snapshot_time,
                            started=started)

    return _check


def _schema_contract(ctx: DatasetContext) -> Evaluate:
    contract = ctx.dataset.schema_

    def evaluate(store: "Store", rec: SnapshotRecord) -> CheckOutcome:
        learned = None
        if contract is None or contract.learn or not contract.columns:
            first = next((s for s in store.snapshots(ctx.name) if s.snapshot != rec.snapshot and s.columns), None)
            if first is not None and first.snapshot_time <= rec.snapshot_time:
                learned = contract_from_profile(first.columns)
        return check_schema_contract(ctx.name, rec.snapshot, rec.columns, contract, learned)

    return evaluate


def _schema_unchanged(ctx: DatasetContext) -> Evaluate:
    def evaluate(store: "Store", rec: SnapshotRecord) -> CheckOutcome:
        prev = store.baseline_snapshot(ctx.name, rec.snapshot, rec.snapshot_time)
        return check_schema_unchanged(ctx.name, rec.snapshot, rec.columns, prev.columns if prev else None,
                                      prev.snapshot if prev else None)

    return evaluate


def _row_count_bounds(ctx: DatasetContext) -> Evaluate:
    bounds = ctx.dataset.volume
    assert bounds is not None
    return lambda store, rec: check_row_count_bounds(ctx.name, rec.snapshot, rec.row_count or 0, bounds)


def _row_count_change(ctx: DatasetContext) -> Evaluate:
    bounds = ctx.dataset.volume
    assert bounds is not None

    def evaluate(store: "Store", rec: SnapshotRecord) -> CheckOutcome:
        prev = store.baseline_snapshot(ctx.name, rec.snapshot, rec.snapshot_time)
        return check_row_count_change(ctx.name, rec.snapshot, rec.row_count or 0, prev.row_count if prev else None,
                                      prev.snapshot if prev else None, bounds.max_change_pct, bounds.change_severity)

    return evaluate


def _freshness(ctx: DatasetContext) -> Evaluate:
    spec = ctx.dataset.freshness
    assert spec is not None

    def evaluate(store: "Store", rec: SnapshotRecord) -> CheckOutcome:
        now = datetime.now(timezone.utc)
        reference = rec.snapshot_time
        if isinstance(ctx.dataset.source, SqlSource):  # a bucket's newest row vs the bucket's end (or now)
            # SQL sources only: SQLAlchemy is not imported at code-location load.
            from dq_monitor.snapshots.sql import freshness_reference

            reference = freshness_reference(ctx.dataset.source, rec.snapshot, rec.snapshot_time, now)
        return check_freshness(ctx.name, rec.snapshot, spec, snapshot_time=reference, max_timestamp=rec.max_timestamp,
                               now=now, timestamp_column=ctx.dataset.timestamp_column)

    return evaluate


def build_core_checks(ctx: DatasetContext) -> list[dg.AssetChecksDefinition]:
    ds = ctx.dataset
    n = ctx.name
    checks = [
        build_store_check(ctx, names.schema_contract_check(n),
                          "Columns, types and nullability match the schema contract (from config, or learned from "
                          "the first snapshot). Blocking: downstream assets do not run on a broken schema.",
                          CheckType.SCHEMA, _schema_contract(ctx), blocking=True),
        build_store_check(ctx, names.schema_unchanged_check(n),
                          "No column was added, removed or retyped since the previous accepted snapshot (WARN).",
                          CheckType.SCHEMA, _schema_unchanged(ctx)),
    ]
    if ds.volume and (ds.volume.min_rows is not None or ds.volume.max_rows is not None):
        checks.append(build_store_check(ctx, names.row_count_bounds_check(n),
                                        "Row count is within the configured min_rows/max_rows.", CheckType.VOLUME,
                                        _row_count_bounds(ctx)))
    if ds.volume and ds.volume.max_change_pct is not None:
        checks.append(build_store_check(ctx, names.row_count_change_check(n),
                                        "Row count changed by at most max_change_pct versus the previous accepted "
                                        "snapshot.", CheckType.VOLUME, _row_count_change(ctx)))
    if ds.freshness:
        checks.append(build_store_check(ctx, names.freshness_check(n),
                                        "The newest record is recent enough when the snapshot was taken "
                                        "(or the snapshot itself is recent enough).", CheckType.FRESHNESS,
                                        _freshness(ctx)))
    return checks
