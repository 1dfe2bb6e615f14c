"""`read_sql_snapshots`: everything a run needs of SQL snapshots, computed in the database.

The schema comes from the catalogue, row count, null counts and the metrics from one aggregate query per
snapshot, and the frame handed to row-level features (drift, anomalies, GX) is the bounded, seeded sample.
Each snapshot is sampled once: with row-level features the `sample_rows` sample they need also serves the
metrics a dialect estimates from a sample; without them only `profile_sample_rows` rows are read, for those
estimates (`sample_size`). A snapshot that fits is read whole, once, and every estimate is then exact.
One connection and one schema read serve every snapshot of a call (they cost ~0.5 s on Postgres: paid
once per run, not once per bucket).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pandas as pd
import sqlalchemy as sa

from dq_monitor.snapshots.ref import SnapshotRef
from dq_monitor.snapshots.spec import SnapshotDataset, SqlSource
from dq_monitor.snapshots.sql import (
    Relation,
    bucket_from_id,
    freshness_reference,
    in_bucket,
    open_relation,
    partition_column,
    table_schema,
)
from dq_monitor.snapshots.sql_estimate import distinct_and_top_from, quantiles_from
from dq_monitor.snapshots.sql_profile import profile_in_database, read_sample


@dataclass(frozen=True)
class SqlRead:
    frame: pd.DataFrame  # the sample (all rows when the snapshot has at most `sample_size` rows)
    columns: dict[str, dict[str, Any]]  # schema from the database, exact null counts
    metrics: dict[str, float]  # pushdown profile (history metric keys)
    row_count: int  # exact
    newest: datetime | None  # newest timestamp_column value (exact)
    sample_method: str
    sampled: bool
    notes: list[str] = field(default_factory=list)


#: Dataset sections that read the snapshot's rows (the `<ds>_snapshot` frame).
ROW_LEVEL_FEATURES = ("drift", "anomalies", "expectations")


def has_row_level_features(dataset: object) -> bool:
    """Whether drift, anomalies or expectations are configured (a `DatasetConfig` has all three fields)."""
    return any(getattr(dataset, name, None) is not None for name in ROW_LEVEL_FEATURES)


def sample_size(source: SqlSource, row_level: bool) -> int:
    """Rows sampled per snapshot: `sample_rows` for row-level features (reused for the estimates), else
    `profile_sample_rows`, for the estimates alone."""
    return source.sample_rows if row_level else source.profile_sample_rows


def read_sql_snapshot(dataset: SnapshotDataset, ref: SnapshotRef, environ: Mapping[str, str] | None = None,
                      *, now: datetime | None = None, row_level: bool | None = None) -> SqlRead:
    """Profile `ref` in the database and read its sample; raises `SqlSourceError` naming the problem."""
    (read,) = read_sql_snapshots(dataset, [ref], environ, now=now, row_level=row_level)  # consumed whole
    return read


def read_sql_snapshots(dataset: SnapshotDataset, refs: Iterable[SnapshotRef],
                       environ: Mapping[str, str] | None = None, *, now: datetime | None = None,
                       row_level: bool | None = None) -> Iterator[SqlRead]:
    """`read_sql_snapshot` of each ref in turn over one connection and one schema read. `row_level` (default:
    `has_row_level_features(dataset)`) picks the sample size (`sample_size`)."""
    source = dataset.source
    assert isinstance(source, SqlSource)
    rows = sample_size(source, has_row_level_features(dataset) if row_level is None else row_level)
    with open_relation(dataset.name, source, environ) as rel:
        column = partition_column(rel, source.partition_by.column) if source.partition_by is not None else None
        for ref in refs:
            yield _read(rel, dataset, source, column, ref, now or datetime.now(timezone.utc), rows)


def _read(rel: Relation, dataset: SnapshotDataset, source: SqlSource, column: sa.ColumnElement | None,
          ref: SnapshotRef, now: datetime, rows: int) -> SqlRead:
    where = None
    if source.partition_by is not None:
        assert column is not None
        where = in_bucket(rel, column, bucket_from_id(ref.snapshot_id, source.partition_by.grain))
    ts = dataset.timestamp_column if dataset.timestamp_column and dataset.timestamp_column in rel.selectable.c else None
    prof = profile_in_database(rel, where, timestamp_column=ts, reference_time=freshness_reference(source, ref.snapshot_id, ref.snapshot_time, now))
    sample = read_sample(rel, where, rows, source.sample_seed, prof.row_count)
    columns = table_schema(rel)
    for name, nulls in prof.null_counts.items():
        columns[name]["null_count"] = nulls
    metrics = dict(prof.metrics)
    notes = [f"sample: {len(sample.frame)} of {prof.row_count} rows ({sample.method})"]
    how = "exact: the sample is the whole bucket" if not sample.sampled else "estimated"
    if "quantiles" in prof.from_sample:
        metrics.update(quantiles_from(sample.frame, [c for c in columns if columns[c]["type"] in ("int", "float")]))
        notes.append(f"quantiles: p05/p50/p95 from the sample on {rel.dialect} ({how})")
    if "distinct" in prof.from_sample:
        tops = [c for c in columns if columns[c]["type"] not in ("int", "float", "datetime")]
        metrics.update(distinct_and_top_from(sample.frame, prof.non_null, tops))
        notes.append(f"distinct counts (Duj1) and top-category shares from the sample on {rel.dialect} ({how})")
    return SqlRead(sample.frame, columns, metrics, prof.row_count, prof.newest.get(ts) if ts else None,
                   sample.method, sample.sampled, notes)
