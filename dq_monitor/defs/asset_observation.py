"""What `build_dq_checks`' checks know about one materialization of a user's asset.

The checks judge an asset partition the way the dataset checks judge a snapshot: the partition is
recorded in the store as a snapshot (id = partition key, time = partition start for time windows),
so history and the "previous" baseline are keyed per partition and a backfill in any order is judged
"as of" its partition, never against the latest one. Unpartitioned assets get one snapshot per
materialization (id and time = the materialization's time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
import pandas as pd

from dq_monitor.checks import describe_columns
from dq_monitor.defs.snapshots import newest_timestamp, snapshot_metrics
from dq_monitor.snapshots import SnapshotRef, frame_nbytes
from dq_monitor.store import SnapshotRecord

if TYPE_CHECKING:
    from dq_monitor.store import Store

ROW_COUNT_KEY = "dagster/row_count"
COLUMN_SCHEMA_KEY = "dagster/column_schema"
#: TableSchema column types (as written by dq_monitor, pandas, dbt and warehouses) -> logical types.
_TYPE_PREFIXES = (("bool", "bool"), ("int", "int"), ("bigint", "int"), ("smallint", "int"), ("uint", "int"),
                  ("float", "float"), ("double", "float"), ("decimal", "float"), ("numeric", "float"),
                  ("real", "float"), ("timestamp", "datetime"), ("datetime", "datetime"), ("date", "datetime"),
                  ("category", "category"), ("string", "string"), ("object", "string"), ("varchar", "string"),
                  ("text", "string"), ("char", "string"))


@dataclass(frozen=True)
class Observation:
    """The recorded snapshot, and the time freshness measures the newest record against."""

    record: SnapshotRecord
    reference_time: datetime


@dataclass(frozen=True)
class Judging:
    """What one check of the recorded partition judges with: the store, the partition, where dq_monitor keeps
    its files (`home`: the `dq_store` resource's) and the check's Dagster context (for its log)."""

    store: Store
    seen: Observation
    home: Path
    context: Any

    @property
    def record(self) -> SnapshotRecord:
        return self.seen.record


def materialization(context: dg.AssetCheckExecutionContext, key: dg.AssetKey) -> dg.EventLogEntry | None:
    """The latest materialization of `key` (of the check's partition, when partitioned)."""
    partitions = [context.partition_key] if context.has_partition_key else None
    result = context.instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key, asset_partitions=partitions),
                                                     limit=1, ascending=False)
    event = result.records[0].event_log_entry if result.records else None
    if event is not None and partitions is None and event.dagster_event and event.dagster_event.partition:
        raise dg.Failure(f"{key.to_user_string()} is partitioned but its dq_monitor checks are not: pass its "
                         "AssetsDefinition or AssetSpec to build_dq_checks, or give the target `partitions:`")
    return event


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def position(context: dg.AssetCheckExecutionContext, partitions_def: dg.PartitionsDefinition | None,
             event: dg.EventLogEntry | None) -> tuple[str, datetime, datetime]:
    """(snapshot id, snapshot time, freshness reference time) of the materialization being judged.

    Time-window partitions are placed at their start and measured against their end, so the verdict does
    not depend on when the partition was (re)materialized; other partitions use the materialization time.
    """
    produced = _utc(event.timestamp) if event is not None else datetime.now(timezone.utc)
    if not context.has_partition_key:
        return produced.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), produced, produced
    key = context.partition_key
    if isinstance(partitions_def, dg.TimeWindowPartitionsDefinition):
        window = partitions_def.time_window_for_partition_key(key)
        return key, window.start.astimezone(timezone.utc), window.end.astimezone(timezone.utc)
    return key, produced, produced


def logical_type_of(table_type: str) -> str:
    text = (table_type or "").lower()
    return next((logical for prefix, logical in _TYPE_PREFIXES if text.startswith(prefix)), text or "unknown")


def columns_from_schema(schema: dg.TableSchema) -> dict[str, dict[str, Any]]:
    """A column profile from `dagster/column_schema` (null counts are unknown: reported as 0)."""
    return {c.name: {"type": logical_type_of(c.type), "dtype": c.type, "null_count": 0} for c in schema.columns}


def observe_frame(store: Store, dataset: str, frame: pd.DataFrame, *, timestamp_column: str | None,
                  context: dg.AssetCheckExecutionContext, partitions_def: dg.PartitionsDefinition | None,
                  key: dg.AssetKey) -> Observation:
    """Profile the loaded value and record it as the partition's snapshot (columns, row count, metrics)."""
    if not isinstance(frame, pd.DataFrame):
        raise dg.Failure(f"{key.to_user_string()}: dq_monitor checks need a pandas DataFrame, the IO manager "
                         f"loaded a {type(frame).__name__} (use `read: metadata` to judge its metadata)")
    snapshot_id, snapshot_time, reference = position(context, partitions_def, materialization(context, key))
    ref = SnapshotRef(dataset=dataset, snapshot_id=snapshot_id, path=key.to_user_string(), files=(),
                      snapshot_time=snapshot_time, bytes=frame_nbytes(frame))
    store.record_snapshot(dataset, snapshot_id, source_path=ref.path, snapshot_time=snapshot_time,
                          row_count=len(frame), bytes=ref.bytes, columns=describe_columns(frame),
                          max_timestamp=newest_timestamp(frame, timestamp_column), run_id=context.run.run_id)
    store.record_metrics(dataset, snapshot_id, snapshot_metrics(frame, ref, timestamp_column, context.log),
                         observed_at=snapshot_time)
    return Observation(_stored(store, dataset, snapshot_id), reference)


def observe_metadata(store: Store, dataset: str, *, context: dg.AssetCheckExecutionContext,
                     partitions_def: dg.PartitionsDefinition | None, key: dg.AssetKey) -> Observation:
    """Record the partition's snapshot from its latest materialization's metadata (no data is read)."""
    event = materialization(context, key)
    where = key.to_user_string() + (f" partition {context.partition_key}" if context.has_partition_key else "")
    if event is None or event.asset_materialization is None:
        raise dg.Failure(f"{where}: no materialization in this Dagster instance to judge")
    metadata = event.asset_materialization.metadata
    row_count = metadata.get(ROW_COUNT_KEY)
    schema = metadata.get(COLUMN_SCHEMA_KEY)
    snapshot_id, snapshot_time, _ = position(context, partitions_def, event)
    columns = columns_from_schema(schema.value) if schema is not None else {}
    rows = int(row_count.value) if row_count is not None else None
    store.record_snapshot(dataset, snapshot_id, source_path=key.to_user_string(), snapshot_time=snapshot_time,
                          row_count=rows, bytes=None, columns=columns, run_id=context.run.run_id)
    metrics = {"column_count": float(len(columns))} if schema is not None else {}
    if rows is not None:
        metrics["row_count"] = float(rows)
    if metrics:
        store.record_metrics(dataset, snapshot_id, metrics, observed_at=snapshot_time)
    return Observation(_stored(store, dataset, snapshot_id), _utc(event.timestamp))


def _stored(store: Store, dataset: str, snapshot_id: str) -> SnapshotRecord:
    record = store.get_snapshot(dataset, snapshot_id)
    assert record is not None  # just written
    return record
