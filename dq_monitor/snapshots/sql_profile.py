"""Pushdown profile of one SQL snapshot, and the bounded, seeded sample row-level features read.

`profile_in_database` issues ONE aggregate statement per snapshot and returns the metric keys
`dq_monitor.history.profile` computes on a frame, plus the exact per-column null counts for the schema
contract. No statement returns the snapshot's rows. Row count, null counts, min/max/mean and the newest
timestamp are always exact, in the database. Where distinct counts, top-category shares and quantiles
come from depends on the dialect (`IN_DATABASE`):
- DuckDB: all in the database, exact (`count(DISTINCT)`, `quantile_cont`; hash-based and vectorised);
- SQLite: distinct counts and top shares in the database, exact; no quantile function, so p05/p50/p95
  come from the sample;
- PostgreSQL: none of them in the database. Its `count(DISTINCT)` and `percentile_cont` sort every
  column (measured ~0.3 s per column per 333k-row bucket, 5-6x the rest of the query), and it has no
  built-in approximation, so they come from the sample (`dq_monitor.snapshots.sql_estimate`: exact
  when the bucket fits in the sample, estimates otherwise);
- other dialects: distinct counts and top shares in the database, quantiles from the sample.

`read_sample` returns at most n rows (`sample_rows` or `profile_sample_rows`, see `sql_read.sample_size`), the
same rows on every run; a bucket that fits is read whole, without any ordering. A larger bucket is ordered by
a seeded hash and cut at n:
- PostgreSQL tables: `ORDER BY hashtextextended(ctid::text, seed)` (a hash of the row's physical
  position: ~10x cheaper than hashing the row's text; the same rows until they are updated or the table
  is rewritten by VACUUM FULL/CLUSTER); PostgreSQL queries and DuckDB: `ORDER BY md5(<row as text> || seed)`;
- SQLite tables: `ORDER BY ((rowid + seed) * 2654435761) % 2^32` (Knuth's multiplicative hash of the
  rowid); SQLite queries and other dialects: the first n rows in the database's order (not random).
The database keeps only the top n while sorting (a bounded top-N sort).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from dq_monitor.history.keys import metric_key
from dq_monitor.snapshots.sql import Relation, logical_sql_type, naive_utc
from dq_monitor.snapshots.sql_estimate import NAN, QUANTILES

#: What each dialect computes in the aggregate query ("distinct": distinct counts and top-category shares,
#: "quantiles": p05/p50/p95); the rest comes from the sample. Dialects not listed use `DEFAULT_IN_DATABASE`.
IN_DATABASE: dict[str, frozenset[str]] = {"duckdb": frozenset({"distinct", "quantiles"}),
                                          "sqlite": frozenset({"distinct"}), "postgresql": frozenset()}
DEFAULT_IN_DATABASE = frozenset({"distinct"})


@dataclass(frozen=True)
class SqlProfile:
    row_count: int
    metrics: dict[str, float]
    null_counts: dict[str, int]
    newest: dict[str, datetime | None]  # newest value of each datetime column
    non_null: dict[str, int] = field(default_factory=dict)  # exact non-null count of each column
    from_sample: frozenset[str] = frozenset()  # "distinct" and/or "quantiles": left to the sample


@dataclass(frozen=True)
class Sample:
    frame: pd.DataFrame
    method: str
    sampled: bool  # fewer rows than the snapshot holds
    notes: list[str] = field(default_factory=list)


def _kind(column: sa.ColumnElement) -> str:
    logical = logical_sql_type(column.type)
    return "numeric" if logical in ("int", "float") else "datetime" if logical == "datetime" else "category"


def in_database(dialect: str) -> frozenset[str]:
    return IN_DATABASE.get(dialect, DEFAULT_IN_DATABASE)


def _quantiles(rel: Relation, column: sa.ColumnElement) -> sa.ColumnElement | None:
    """All three quantiles from one aggregate (one pass over the column, not three), as an array."""
    fractions = ", ".join(str(q) for _, q in QUANTILES)
    if rel.dialect == "duckdb":
        return sa.func.quantile_cont(sa.cast(column, sa.Double), sa.literal_column(f"[{fractions}]"))
    return None


def _top_count(rel: Relation, column: sa.ColumnElement, where: sa.ColumnElement | None) -> sa.ScalarSelect:
    counts = sa.select(sa.func.count().label("n")).select_from(rel.selectable).where(column.is_not(None))
    counts = counts.where(where) if where is not None else counts
    inner = counts.group_by(column).subquery("dq_counts")
    return sa.select(sa.func.max(inner.c.n)).scalar_subquery()


def aggregate_statement(rel: Relation, where: sa.ColumnElement | None) -> tuple[sa.Select, list[tuple[str, str, str]]]:
    """The one aggregate SELECT, and (label, column, metric) for each of its output columns."""
    exprs: list[sa.ColumnElement] = [sa.func.count().label("dq_rows")]
    layout: list[tuple[str, str, str]] = []
    pushed = in_database(rel.dialect)

    def add(expr: sa.ColumnElement, column: str, metric: str) -> None:
        label = f"dq_{len(layout)}"
        exprs.append(expr.label(label))
        layout.append((label, column, metric))

    for i, column in enumerate(rel.selectable.columns):
        name, kind = column.name, _kind(column)
        add(sa.func.count(column), name, "non_null")
        if "distinct" in pushed:
            add(sa.func.count(sa.distinct(column)), name, "distinct_count")
        if kind == "category":
            if "distinct" in pushed:
                add(_top_count(rel, column, where), name, "top_count")
            continue
        add(sa.func.min(column), name, "min")
        add(sa.func.max(column), name, "max")
        if kind == "numeric":
            add(sa.func.avg(sa.cast(column, sa.Double)), name, "mean")
            expr = _quantiles(rel, column) if "quantiles" in pushed else None
            if expr is not None:
                add(expr, name, "quantiles")
    stmt = sa.select(*exprs).select_from(rel.selectable)
    return (stmt.where(where) if where is not None else stmt), layout


def _number(value: Any) -> float:
    return NAN if value is None else float(value)


def _seconds(value: Any) -> float:
    ts = naive_utc(value)
    return NAN if ts is None else float(pd.Timestamp(ts, tz="UTC").timestamp())


def profile_in_database(rel: Relation, where: sa.ColumnElement | None, *, timestamp_column: str | None = None,
                        reference_time: datetime | None = None) -> SqlProfile:
    """Profile a snapshot with one aggregate query (metric keys as in `dq_monitor.history.profile`).

    `freshness_lag_seconds` is `reference_time` minus the newest `timestamp_column` value (for a bucket the
    reader passes the earlier of the bucket's end and now: how far the data falls short of the bucket's end,
    or, for the bucket still filling, how old its newest row is)."""
    stmt, layout = aggregate_statement(rel, where)
    row = rel.conn.execute(stmt).one()._mapping
    rows = int(row["dq_rows"])
    metrics: dict[str, float] = {"row_count": float(rows), "column_count": float(len(rel.selectable.columns))}
    null_counts: dict[str, int] = {}
    newest: dict[str, datetime | None] = {}
    kinds = {c.name: _kind(c) for c in rel.selectable.columns}
    non_null: dict[str, int] = {}
    for label, column, metric in layout:
        value = row[label]
        if metric == "non_null":
            non_null[column] = int(value or 0)
            null_counts[column] = rows - non_null[column]
            metrics[metric_key("null_rate", column)] = null_counts[column] / rows if rows else NAN
        elif metric == "quantiles":
            values = list(value) if value is not None else [None] * len(QUANTILES)
            metrics.update({metric_key(m, column): _number(v) for (m, _), v in zip(QUANTILES, values)})
        elif metric == "top_count":
            metrics[metric_key("top_share", column)] = int(value) / non_null[column] if value and non_null[column] else NAN
        elif kinds[column] == "datetime":
            metrics[metric_key(metric, column)] = _number(value) if metric == "distinct_count" else _seconds(value)
            if metric == "max":
                newest[column] = naive_utc(value)
        else:
            metrics[metric_key(metric, column)] = _number(value)
    if timestamp_column in newest and reference_time is not None:
        latest = newest[timestamp_column]
        metrics["freshness_lag_seconds"] = (NAN if latest is None else
                                            (pd.Timestamp(reference_time) - pd.Timestamp(latest, tz="UTC")).total_seconds())
    from_sample = frozenset({"distinct", "quantiles"} - in_database(rel.dialect))
    return SqlProfile(rows, metrics, null_counts, newest, non_null, from_sample)


def read_sample(rel: Relation, where: sa.ColumnElement | None, rows: int, seed: int, total: int) -> Sample:
    """At most `rows` rows of the snapshot, the same ones on every run (method in the module doc)."""
    cols = list(rel.selectable.columns)
    bucket = sa.select(*cols).select_from(rel.selectable)
    bucket = bucket.where(where) if where is not None else bucket
    if total <= rows:  # the whole bucket: no ordering needed to pick the same rows every run
        stmt, method = bucket, f"all {total} rows (the bucket fits in the {rows}-row sample)"
    elif rel.dialect == "postgresql" and rel.is_table:
        return _postgres_table_sample(rel, bucket, rows, seed, total)
    elif rel.dialect in ("postgresql", "duckdb"):
        sub = bucket.subquery("dq_bucket")
        stmt = sa.select(*sub.c).order_by(sa.text(f"md5(CAST(dq_bucket AS TEXT) || '{int(seed)}')"))
        method = f"ORDER BY md5(row || '{seed}') LIMIT {rows}"
    elif rel.dialect == "sqlite" and rel.is_table:
        stmt = bucket.order_by(sa.text(f"((rowid + {int(seed)}) * 2654435761) % 4294967296"))
        method = f"ORDER BY ((rowid + {seed}) * 2654435761) % 2^32 LIMIT {rows}"
    else:
        stmt, method = bucket, f"first {rows} rows in the database's order (no seeded sampling for this source)"
    result = rel.conn.execute(stmt.limit(rows))
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return Sample(_typed(frame, rel), method, sampled=total > rows)


def _postgres_table_sample(rel: Relation, bucket: sa.Select, rows: int, seed: int, total: int) -> Sample:
    """The `rows` rows of lowest `hashtextextended(ctid::text, seed)`; the scan first keeps only hashes in the
    lowest ~1.3 * rows / total of the hash range, so the database sorts those instead of the whole bucket
    (a parallel plan sorts every row on disk otherwise). Should too few pass, the unfiltered order is used."""
    key = f"hashtextextended(ctid::text, {int(seed)})"
    method = f"ORDER BY {key} LIMIT {rows}"
    fraction = min(1.0, (1.3 * rows + 50) / total)
    threshold = -(2**63) + int(fraction * (2**64 - 1))
    ordered = bucket.order_by(sa.text(key)).limit(rows)
    result = rel.conn.execute(ordered.where(sa.text(f"{key} <= {threshold}")) if fraction < 1 else ordered)
    found = result.fetchall()
    if len(found) < rows:
        result = rel.conn.execute(ordered)
        found = result.fetchall()
    frame = pd.DataFrame(found, columns=list(result.keys()))
    return Sample(_typed(frame, rel), method, sampled=True)


def _typed(frame: pd.DataFrame, rel: Relation) -> pd.DataFrame:
    """Database values as the pandas types a file snapshot would have (numbers, UTC timestamps)."""
    for column in rel.selectable.columns:
        if column.name not in frame.columns:
            continue
        logical = logical_sql_type(column.type)
        if logical in ("int", "float") and frame[column.name].dtype == object:
            frame[column.name] = pd.to_numeric(frame[column.name], errors="coerce")
        elif logical == "datetime":
            frame[column.name] = pd.to_datetime(frame[column.name], errors="coerce", utc=True)
    return frame
