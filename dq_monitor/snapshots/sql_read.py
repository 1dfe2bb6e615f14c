"""`read_sql_snapshot`: everything a run needs of one SQL snapshot, computed in the database.

The schema comes from the catalogue, row count, null counts and every metric from one aggregate query,
and the frame handed to row-level features (drift, anomalies, GX) is the bounded, seeded sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from dq_monitor.snapshots.ref import SnapshotRef
from dq_monitor.snapshots.spec import SnapshotDataset, SqlSource
from dq_monitor.snapshots.sql import (
    bucket_from_id,
    in_bucket,
    open_relation,
    partition_column,
    table_schema,
)
from dq_monitor.snapshots.sql_profile import (
    profile_in_database,
    quantiles_from,
    read_sample,
)


@dataclass(frozen=True)
class SqlRead:
    frame: pd.DataFrame  # the sample (all rows when the snapshot has at most sample_rows)
    columns: dict[str, dict[str, Any]]  # schema from the database, exact null counts
    metrics: dict[str, float]  # pushdown profile (history metric keys)
    row_count: int  # exact
    newest: datetime | None  # newest timestamp_column value (exact)
    sample_method: str
    sampled: bool
    notes: list[str] = field(default_factory=list)


def read_sql_snapshot(dataset: SnapshotDataset, ref: SnapshotRef,
                      environ: Mapping[str, str] | None = None) -> SqlRead:
    """Profile `ref` in the database and read its sample; raises `SqlSourceError` naming the problem."""
    source = dataset.source
    assert isinstance(source, SqlSource)
    with open_relation(dataset.name, source, environ) as rel:
        where = None
        if source.partition_by is not None:
            column = partition_column(rel, source.partition_by.column)
            where = in_bucket(rel, column, bucket_from_id(ref.snapshot_id, source.partition_by.grain))
        ts = dataset.timestamp_column if dataset.timestamp_column in rel.selectable.c else None
        prof = profile_in_database(rel, where, timestamp_column=ts, snapshot_time=ref.snapshot_time)
        sample = read_sample(rel, where, source.sample_rows, source.sample_seed, prof.row_count)
        columns = table_schema(rel)
        dialect = rel.dialect
    for name, nulls in prof.null_counts.items():
        columns[name]["null_count"] = nulls
    metrics = dict(prof.metrics)
    notes = [f"sample: {len(sample.frame)} of {prof.row_count} rows ({sample.method})"]
    if prof.quantiles_from_sample:
        metrics.update(quantiles_from(sample.frame, [c for c in columns if columns[c]["type"] in ("int", "float")]))
        notes.append(f"quantiles: {dialect} has no quantile function; p05/p50/p95 come from the sample")
    return SqlRead(sample.frame, columns, metrics, prof.row_count, prof.newest.get(ts) if ts else None,
                   sample.method, sample.sampled, notes)
