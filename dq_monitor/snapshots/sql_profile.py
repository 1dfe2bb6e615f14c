"""Pushdown profile of one SQL snapshot, and the bounded, seeded sample row-level features read.

`profile_in_database` issues ONE aggregate statement per snapshot (scalar sub-selects for top-category
shares) and returns the metric keys `dq_monitor.history.profile` computes on a frame, plus the exact
per-column null counts for the schema contract. No statement returns the snapshot's rows.

Quantiles: Postgres `percentile_cont` and DuckDB `quantile_cont` (both exact); SQLite has no quantile
function, so p05/p50/p95 there come from the seeded sample (`quantiles_from_sample`).

`read_sample` returns at most `sample_rows` rows, the same rows on every run:
- Postgres and DuckDB: `ORDER BY md5(CAST(<row> AS TEXT) || seed) LIMIT n` (a hash of the whole row, so
  it works for tables and queries alike; the database sorts only the top n);
- SQLite tables: `ORDER BY ((rowid + seed) * 2654435761) % 2^32 LIMIT n` (Knuth's multiplicative hash of
  the rowid); SQLite queries and other dialects: the first n rows in the database's order (not random).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from dq_monitor.history.keys import metric_key
from dq_monitor.snapshots.sql import Relation, logical_sql_type, naive_utc

QUANTILES = (("p05", 0.05), ("p50", 0.5), ("p95", 0.95))
NAN = float("nan")


@dataclass(frozen=True)
class SqlProfile:
    row_count: int
    metrics: dict[str, float]
    null_counts: dict[str, int]
    newest: dict[str, datetime | None]  # newest value of each datetime column
    quantiles_from_sample: bool = False


@dataclass(frozen=True)
class Sample:
    frame: pd.DataFrame
    method: str
    sampled: bool  # fewer rows than the snapshot holds
    notes: list[str] = field(default_factory=list)


def _kind(column: sa.ColumnElement) -> str:
    logical = logical_sql_type(column.type)
    return "numeric" if logical in ("int", "float") else "datetime" if logical == "datetime" else "category"


def _quantiles(rel: Relation, column: sa.ColumnElement) -> sa.ColumnElement | None:
    """All three quantiles from one ordered-set aggregate (one sort of the column, not three), as an array."""
    fractions = ", ".join(str(q) for _, q in QUANTILES)
    if rel.dialect == "postgresql":
        return sa.func.percentile_cont(sa.literal_column(f"ARRAY[{fractions}]")).within_group(
            sa.cast(column, sa.Double))
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

    def add(expr: sa.ColumnElement, column: str, metric: str) -> None:
        label = f"dq_{len(layout)}"
        exprs.append(expr.label(label))
        layout.append((label, column, metric))

    for i, column in enumerate(rel.selectable.columns):
        name, kind = column.name, _kind(column)
        add(sa.func.count(column), name, "non_null")
        add(sa.func.count(sa.distinct(column)), name, "distinct_count")
        if kind == "category":
            add(_top_count(rel, column, where), name, "top_count")
            continue
        add(sa.func.min(column), name, "min")
        add(sa.func.max(column), name, "max")
        if kind == "numeric":
            add(sa.func.avg(sa.cast(column, sa.Double)), name, "mean")
            expr = _quantiles(rel, column)
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
                        snapshot_time: datetime | None = None) -> SqlProfile:
    """Profile a snapshot with one aggregate query (metric keys as in `dq_monitor.history.profile`)."""
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
    if timestamp_column in newest and snapshot_time is not None:
        latest = newest[timestamp_column]
        metrics["freshness_lag_seconds"] = (NAN if latest is None else
                                            (pd.Timestamp(snapshot_time) - pd.Timestamp(latest, tz="UTC")).total_seconds())
    from_sample = any(k == "numeric" for k in kinds.values()) and _quantiles(rel, sa.column("x")) is None
    return SqlProfile(rows, metrics, null_counts, newest, from_sample)


def quantiles_from(sample: pd.DataFrame, columns: list[str]) -> dict[str, float]:
    """p05/p50/p95 of numeric columns from the sample (dialects without a quantile function)."""
    out: dict[str, float] = {}
    for name in columns:
        values = pd.to_numeric(sample[name], errors="coerce").to_numpy(dtype=float) if name in sample else np.array([])
        values = values[np.isfinite(values)]
        stats = np.percentile(values, [q * 100 for _, q in QUANTILES]) if len(values) else [NAN] * len(QUANTILES)
        out.update({metric_key(m, name): float(v) for (m, _), v in zip(QUANTILES, stats)})
    return out


def read_sample(rel: Relation, where: sa.ColumnElement | None, rows: int, seed: int, total: int) -> Sample:
    """At most `rows` rows of the snapshot, the same ones on every run (method in the module doc)."""
    cols = list(rel.selectable.columns)
    bucket = sa.select(*cols).select_from(rel.selectable)
    bucket = bucket.where(where) if where is not None else bucket
    if rel.dialect in ("postgresql", "duckdb"):
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
