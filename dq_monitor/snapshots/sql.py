"""SQL sources: connecting, the relation (table or query), its schema from the database, and time buckets.

Built on SQLAlchemy Core (already a dependency; see README "SQL tables" for why not ibis or sqlglot).
Every error becomes a `SqlSourceError` naming dataset, table and problem with the URL's password masked;
the URL itself is read from the environment variable `url_env` at call time and never logged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd
import sqlalchemy as sa

from dq_monitor.snapshots.ref import SourceError
from dq_monitor.snapshots.spec import SqlSource
from dq_monitor.snapshots.sql_query import validate_select

_ID_FORMATS = {"hour": "%Y-%m-%dT%H", "day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m"}
FULL_ID_FORMAT = "%Y-%m-%dT%H%M%S"
_SQLITE_TRUNC = {"hour": ("%Y-%m-%d %H:00:00",), "day": ("%Y-%m-%d 00:00:00",),
                 "week": ("%Y-%m-%d 00:00:00", "-6 days", "weekday 1"), "month": ("%Y-%m-01 00:00:00",)}
_GRAIN_LENGTH = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7),
                 "month": timedelta(days=30)}


_ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


class SqlSourceError(SourceError):
    """The database, table or query cannot be used; the message names dataset and table, never the password."""


@dataclass(frozen=True)
class Relation:
    """The table (or query) of one dataset, open on a connection."""

    dataset: str
    label: str  # "table public.orders" or "query": what messages name
    selectable: sa.FromClause
    is_table: bool
    conn: sa.Connection
    url: str

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name

    def error(self, problem: str) -> SqlSourceError:
        return SqlSourceError(mask(f"dataset {self.dataset!r}: {self.label}: {problem}", self.url))


def masked_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: show only its scheme
        return url.split(":", 1)[0] + "://***"


def mask(text: str, url: str | None) -> str:
    """`text` with the URL and its password replaced by masked forms."""
    if not url:
        return text
    text = text.replace(url, masked_url(url))
    try:
        password = sa.engine.make_url(url).password
    except Exception:
        password = None
    return text.replace(str(password), "***") if password else text


def describe_error(exc: BaseException) -> str:
    """A one-line reason from a driver error (permission denied, connection refused, no such table...)."""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())
    text = re.sub(r"\(Background on this error at: [^)]*\)", "", text).strip()
    if isinstance(exc, sa.exc.NoSuchTableError):
        return f"table {str(exc)!r} does not exist"
    if "permission denied" in text.lower() or getattr(orig, "pgcode", None) == "42501":
        return f"permission denied: {text[:300]}"
    if isinstance(exc, sa.exc.DBAPIError) and any(s in text.lower() for s in ("connect", "unable to open", "cannot open")):
        return f"cannot connect to the database: {text[:300]}"
    return f"{type(orig).__name__}: {text[:300]}"


@contextmanager
def open_relation(dataset: str, source: SqlSource, environ: Mapping[str, str] | None = None) -> Iterator[Relation]:
    """The dataset's table or query on a fresh connection; every failure is a `SqlSourceError`."""
    env = os.environ if environ is None else environ
    url = env.get(source.url_env)
    label = f"table {source.table}" if source.table else "query"
    if not url:
        raise SqlSourceError(f"dataset {dataset!r}: {label}: environment variable {source.url_env} "
                             "(the database URL) is not set")
    try:
        engine = sa.create_engine(url)
    except Exception as exc:  # malformed URL, dialect not installed
        raise SqlSourceError(mask(f"dataset {dataset!r}: {label}: cannot use the database URL "
                                  f"{masked_url(url)}: {exc}", url)) from None
    try:
        with engine.connect() as conn:
            yield Relation(dataset, label, _selectable(conn, source), source.table is not None, conn, url)
    except SqlSourceError:
        raise
    except sa.exc.SQLAlchemyError as exc:
        raise SqlSourceError(mask(f"dataset {dataset!r}: {label}: {describe_error(exc)}", url)) from None
    finally:
        engine.dispose()


def _selectable(conn: sa.Connection, source: SqlSource) -> sa.FromClause:
    if source.table:
        schema, _, name = source.table.rpartition(".")
        if conn.dialect.name == "duckdb":  # duckdb-engine's reflection queries catalogues DuckDB 2 lacks
            return _information_schema_table(conn, schema or None, name)
        return sa.Table(name, sa.MetaData(), schema=schema or None, autoload_with=conn)
    query = validate_select(source.query or "")
    probe = conn.execute(sa.text(f"SELECT * FROM ({query}) AS dq_probe LIMIT 100"))  # bounded: types only
    frame = pd.DataFrame(probe.fetchall(), columns=list(probe.keys())).infer_objects()
    columns = [sa.column(str(c), _probed_type(frame[c])) for c in frame.columns]
    return sa.text(query).columns(*columns).subquery("dq_query")


def _information_schema_table(conn: sa.Connection, schema: str | None, name: str) -> sa.Table:
    """The table from `information_schema.columns` (standard SQL; types mapped by name)."""
    stmt = sa.text("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                   "WHERE table_name = :name AND (:schema IS NULL OR table_schema = :schema) ORDER BY ordinal_position")
    rows = conn.execute(stmt, {"name": name, "schema": schema}).all()
    if not rows:
        raise sa.exc.NoSuchTableError(f"{schema}.{name}" if schema else name)
    columns = [sa.Column(c, _named_type(t), nullable=n.upper() == "YES") for c, t, n in rows]
    return sa.Table(name, sa.MetaData(), *columns, schema=schema)


def _named_type(name: str) -> sa.types.TypeEngine:
    upper = name.upper()
    if upper.startswith(("BOOL",)):
        return sa.Boolean()
    if re.match(r"^U?(BIG|SMALL|TINY|HUGE)?INT(EGER|\d*)?\b", upper):
        return sa.BigInteger()
    if upper.startswith(("DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC")):
        return sa.Float()
    if upper.startswith("TIMESTAMP") and ("TIME ZONE" in upper or upper.endswith("TZ")):
        return sa.DateTime(timezone=True)
    if upper.startswith(("TIMESTAMP", "DATETIME")):
        return sa.DateTime()
    if upper == "DATE":
        return sa.Date()
    return sa.String()


def _probed_type(values: pd.Series) -> sa.types.TypeEngine:
    """A query's column type, judged from its first rows (a query has no catalogue entry)."""
    if pd.api.types.is_bool_dtype(values):
        return sa.Boolean()
    if pd.api.types.is_integer_dtype(values):
        return sa.BigInteger()
    if pd.api.types.is_numeric_dtype(values):
        return sa.Float()
    if pd.api.types.is_datetime64_any_dtype(values):
        return sa.DateTime()
    text = values.dropna()
    if len(text) and text.map(lambda v: isinstance(v, str) and bool(_ISO_TIMESTAMP.match(v))).all():
        return sa.DateTime()  # SQLite hands a query's timestamps back as ISO text
    return sa.String()


def logical_sql_type(sql_type: sa.types.TypeEngine) -> str:
    """The schema contract's logical type of a database column type (int/float/bool/string/datetime)."""
    if isinstance(sql_type, sa.Boolean):
        return "bool"
    if isinstance(sql_type, sa.Integer):
        return "int"
    if isinstance(sql_type, sa.Numeric):  # Float, REAL, DOUBLE, DECIMAL
        return "float"
    if isinstance(sql_type, (sa.DateTime, sa.Date)):
        return "datetime"
    try:
        python = sql_type.python_type
    except NotImplementedError:
        return "string"
    return {bool: "bool", int: "int", float: "float", datetime: "datetime"}.get(python, "string")


def table_schema(rel: Relation) -> dict[str, dict[str, Any]]:
    """Column -> {type, dtype, nullable, null_count=0}: the database's schema, read without any row."""
    return {c.name: {"type": logical_sql_type(c.type), "dtype": str(c.type), "nullable": bool(getattr(c, "nullable", True)),
                     "null_count": 0} for c in rel.selectable.columns}


@dataclass(frozen=True)
class Bucket:
    """One time bucket [start, end) in naive UTC: one snapshot."""

    start: datetime
    end: datetime
    snapshot_id: str

    @property
    def snapshot_time(self) -> datetime:
        return self.start.replace(tzinfo=timezone.utc)


def freshness_reference(source: SqlSource, snapshot_id: str, snapshot_time: datetime, now: datetime) -> datetime:
    """What a snapshot's newest row is measured against: its bucket's end, or now while the bucket is open.

    A closed day whose rows stop at 18:00 lags 6 h, today's bucket lags by the age of its newest row, and a
    re-check of an old bucket gives the same lag whenever it runs. `snapshot: full` uses the snapshot time
    (the time of the run that took it)."""
    if source.partition_by is None:
        return snapshot_time
    end = bucket_from_id(snapshot_id, source.partition_by.grain).end.replace(tzinfo=timezone.utc)
    return min(end, now)


def next_start(start: datetime, grain: str) -> datetime:
    if grain == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start + _GRAIN_LENGTH[grain]


def bucket_at(start: datetime, grain: str) -> Bucket:
    return Bucket(start, next_start(start, grain), start.strftime(_ID_FORMATS[grain]))


def bucket_from_id(snapshot_id: str, grain: str) -> Bucket:
    """The bucket a snapshot id names; ValueError when it is not one."""
    start = datetime.strptime(snapshot_id, _ID_FORMATS[grain])
    bucket = bucket_at(start, grain)
    if grain == "week" and start.weekday() != 0:
        raise ValueError(f"{snapshot_id!r} is not a Monday (weeks start on Monday)")
    return bucket


def late_bucket_count(late_data: timedelta, grain: str) -> int:
    """How many of the newest buckets `late_data` covers (at least one: a late row lands in the newest)."""
    return max(1, -(-late_data // _GRAIN_LENGTH[grain]))


def naive_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        return None
    return (ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo else ts).to_pydatetime()


def partition_column(rel: Relation, name: str) -> sa.ColumnElement:
    """The partition column, checked to be a date or timestamp."""
    if name not in rel.selectable.c:
        raise rel.error(f"partition column {name!r} does not exist (columns: {', '.join(rel.selectable.c.keys())})")
    column = rel.selectable.c[name]
    if logical_sql_type(column.type) != "datetime":
        raise rel.error(f"partition column {name!r} has type {column.type}, expected a date or timestamp")
    return column


def truncate(rel: Relation, column: sa.ColumnElement, grain: str) -> sa.ColumnElement:
    """The bucket start of each row (grain is a validated literal, so inlining it is safe)."""
    if rel.dialect == "sqlite":
        fmt, *modifiers = _SQLITE_TRUNC[grain]
        return sa.func.strftime(sa.literal_column(f"'{fmt}'"), column,
                                *(sa.literal_column(f"'{m}'") for m in modifiers))
    return sa.func.date_trunc(sa.literal_column(f"'{grain}'"), column)


def in_bucket(rel: Relation, column: sa.ColumnElement, bucket: Bucket) -> sa.ColumnElement:
    """Rows of the bucket; SQLite stores timestamps as text, so it compares normalised `datetime(column)`."""
    if rel.dialect == "sqlite":
        fmt = "%Y-%m-%d %H:%M:%S"
        value = sa.func.datetime(column)
        return sa.and_(value >= bucket.start.strftime(fmt), value < bucket.end.strftime(fmt))
    aware = bool(getattr(column.type, "timezone", False))
    start, end = (bucket.snapshot_time, bucket.end.replace(tzinfo=timezone.utc)) if aware else (bucket.start,
                                                                                                 bucket.end)
    return sa.and_(column >= sa.literal(start, column.type), column < sa.literal(end, column.type))
