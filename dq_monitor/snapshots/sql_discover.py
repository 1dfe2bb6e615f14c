"""Snapshots of a SQL source: one per time bucket of `partition_by`, or one per run with `snapshot: full`.

Discovery is one GROUP BY query (bucket start, row count, newest partition value per bucket); the count and
the newest value are the bucket's *data version*, so a sensor can re-request a bucket when late rows arrive.
Buckets between the oldest and the newest one that hold no row are snapshots too (0 rows: a volume finding).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa

from dq_monitor.snapshots.ref import SnapshotRef
from dq_monitor.snapshots.spec import SnapshotDataset, SqlSource
from dq_monitor.snapshots.sql import (
    FULL_ID_FORMAT,
    Relation,
    SqlSourceError,
    bucket_at,
    bucket_from_id,
    naive_utc,
    next_start,
    open_relation,
    partition_column,
    truncate,
)

#: A partitioned source spanning more buckets than this is refused (e.g. hour grain over decades).
MAX_BUCKETS = 100_000


@dataclass(frozen=True)
class SqlSnapshot:
    ref: SnapshotRef
    row_count: int
    newest: datetime | None

    @property
    def data_version(self) -> str:
        """Changes when rows are added to or removed from the snapshot (count and newest value)."""
        return f"{self.row_count}:{self.newest.isoformat() if self.newest else '-'}"


def source_path(source: SqlSource) -> str:
    """What stands for the SQL source where files have a path (never the URL)."""
    return f"sql:{source.table}" if source.table else "sql:query"


def sql_ref(dataset: str, source: SqlSource, snapshot_id: str) -> SnapshotRef:
    """The reference of a snapshot from its id alone (runs started without the sensor's reference)."""
    try:
        if source.partition_by is not None:
            when = bucket_from_id(snapshot_id, source.partition_by.grain).snapshot_time
        else:
            when = datetime.strptime(snapshot_id, FULL_ID_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise SqlSourceError(f"dataset {dataset!r}: {snapshot_id!r} is not a snapshot id of this source: {exc}") from None
    return SnapshotRef(dataset, snapshot_id, source_path(source), (), when, 0)


def discover_sql(dataset: SnapshotDataset, *, now: datetime | None = None,
                 environ: Mapping[str, str] | None = None) -> list[SqlSnapshot]:
    """The source's snapshots with their data versions, oldest first; raises `SqlSourceError`."""
    source = dataset.source
    assert isinstance(source, SqlSource)
    with open_relation(dataset.name, source, environ) as rel:
        if source.partition_by is None:
            return [_full_snapshot(rel, dataset, source, now)]
        return _bucket_snapshots(rel, dataset.name, source)


def _full_snapshot(rel: Relation, dataset: SnapshotDataset, source: SqlSource, now: datetime | None) -> SqlSnapshot:
    ts = dataset.timestamp_column
    newest = sa.func.max(rel.selectable.c[ts]) if ts and ts in rel.selectable.c else sa.null()
    count, latest = rel.conn.execute(sa.select(sa.func.count(), newest).select_from(rel.selectable)).one()
    when = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    snapshot_id = when.strftime(FULL_ID_FORMAT)
    ref = SnapshotRef(dataset.name, snapshot_id, source_path(source), (), when, 0)
    return SqlSnapshot(ref, int(count), naive_utc(latest))


def _bucket_snapshots(rel: Relation, dataset: str, source: SqlSource) -> list[SqlSnapshot]:
    spec = source.partition_by
    assert spec is not None
    column = partition_column(rel, spec.column)
    start = truncate(rel, column, spec.grain)
    stmt = (sa.select(start.label("dq_bucket"), sa.func.count(), sa.func.max(column))
            .select_from(rel.selectable).where(column.is_not(None)).group_by(start))
    found = {}
    for bucket_start, count, newest in rel.conn.execute(stmt):
        begin = naive_utc(bucket_start)
        if begin is not None:
            found[begin] = (int(count), naive_utc(newest))
    if not found:
        return []
    snapshots: list[SqlSnapshot] = []
    cursor, last = min(found), max(found)
    while cursor <= last:
        if len(snapshots) >= MAX_BUCKETS:
            raise rel.error(f"more than {MAX_BUCKETS} {spec.grain} buckets between {min(found)} and {last}: "
                            "use a coarser grain")
        bucket = bucket_at(cursor, spec.grain)
        count, newest = found.get(cursor, (0, None))
        ref = SnapshotRef(dataset, bucket.snapshot_id, source_path(source), (), bucket.snapshot_time, 0)
        snapshots.append(SqlSnapshot(ref, count, newest))
        cursor = next_start(cursor, spec.grain)
    return snapshots
