"""Real database tables for the SQL-source tests: the bike-sharing hours on Postgres, SQLite and DuckDB."""

from __future__ import annotations

import functools
import importlib.util
import io
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import sqlalchemy as sa

from dq_monitor.snapshots.spec import SqlSource
from dq_monitor_tests.support.paths import SHARED_DATASETS
from dq_monitor_tests.support.postgres import require_postgres, throwaway_database

BIKE_HOURS = SHARED_DATASETS / "bike_sharing" / "hour.csv"
DIALECTS = ["postgres", "sqlite", "duckdb"]


@functools.cache
def bike_hours() -> pd.DataFrame:
    """One row per hour; `ts` = dteday + hr (what the table is partitioned by). Callers must not modify it."""
    if not BIKE_HOURS.exists():
        pytest.skip(f"shared dataset {BIKE_HOURS} is absent (set DQ_MONITOR_SHARED_DATASETS)")
    frame = pd.read_csv(BIKE_HOURS)
    frame["ts"] = pd.to_datetime(frame["dteday"], format="%m/%d/%y") + pd.to_timedelta(frame["hr"], unit="h")
    return frame.drop(columns=["dteday"])


_MASTERS: dict[str, Path] = {}


@pytest.fixture(scope="session")
def bike_postgres() -> Iterator[str]:
    """One throwaway Postgres database for the session holding `public.hour` (dropped afterwards).

    Creating a database costs seconds on a busy machine, so each test gets a fresh *schema* instead
    (see `bike_database`), which is as isolated for these tests and far cheaper."""
    require_postgres()
    with throwaway_database() as (_name, url):
        write_table(url, "hour", bike_hours())
        yield url


def bike_database(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database holding table `hour`: a new Postgres schema copied from the session's table (the URL
    sets `search_path` to it), or a copy of a SQLite/DuckDB file built once."""
    if dialect == "postgres":
        base = request.getfixturevalue("bike_postgres")
        schema = f"t_{uuid.uuid4().hex[:10]}"
        execute(base, f"CREATE SCHEMA {schema}", f"CREATE TABLE {schema}.hour AS SELECT * FROM public.hour")
        return f"{base}?options=-csearch_path%3D{schema}"
    url = database_url(dialect, request, tmp_path)
    master = _MASTERS.get(dialect)
    if master is None or not master.exists():
        folder = tmp_path.parent / f"bike_master_{dialect}"
        folder.mkdir(exist_ok=True)
        master_url = database_url(dialect, request, folder)
        write_table(master_url, "hour", bike_hours())
        master = _MASTERS[dialect] = Path(master_url.split("///", 1)[1])
    shutil.copy(master, url.split("///", 1)[1])
    return url


@pytest.fixture(params=DIALECTS)
def bike_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = bike_database(request.param, request, tmp_path)
    monkeypatch.setenv("BIKE_DB_URL", url)
    return url


def bike(**source) -> SimpleNamespace:
    spec = SqlSource(**{"url_env": "BIKE_DB_URL", "table": "hour",
                        "partition_by": {"column": "ts", "grain": "day"}, **source})
    return SimpleNamespace(name="bike", source=spec, timestamp_column="ts", schema_=None)


def database_url(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if dialect == "postgres":
        return request.getfixturevalue("postgres_url")
    if dialect == "duckdb":
        if importlib.util.find_spec("duckdb_engine") is None:
            pytest.skip("duckdb-engine is not installed (pip install dq-monitor[test])")
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


def write_table(url: str, name: str, frame: pd.DataFrame, *, append: bool = False) -> None:
    """Create `name` from `frame` (or append to it) (DuckDB through its own fast bulk path; typed TIMESTAMP columns)."""
    if url.startswith("duckdb"):
        import duckdb

        con = duckdb.connect(url.split("///", 1)[1])
        try:
            con.register("dq_frame", frame)
            stamps = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
            cols = ", ".join(f'CAST("{c}" AS TIMESTAMP) AS "{c}"' if c in stamps else f'"{c}"' for c in frame.columns)
            verb = f'INSERT INTO "{name}"' if append else f'CREATE TABLE "{name}" AS'
            con.execute(f"{verb} SELECT {cols} FROM dq_frame")
        finally:
            con.close()
        return
    engine = sa.create_engine(url)
    try:
        if url.startswith("postgresql"):  # COPY: a fraction of a second for the 17k hours
            frame.head(0).to_sql(name, engine, index=False, if_exists="append" if append else "fail")
            raw = engine.raw_connection()
            try:
                buffer = io.StringIO()
                frame.to_csv(buffer, index=False, header=False)
                buffer.seek(0)
                columns = ", ".join(f'"{c}"' for c in frame.columns)
                raw.cursor().copy_expert(f'COPY "{name}" ({columns}) FROM STDIN WITH (FORMAT csv)', buffer)
                raw.commit()
            finally:
                raw.close()
        else:
            frame.to_sql(name, engine, index=False, if_exists="append" if append else "fail")
    finally:
        engine.dispose()


def execute(url: str, *statements: str, **params) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement), params)
    finally:
        engine.dispose()


class StatementLog:
    """Every statement any engine sends, through SQLAlchemy's `before_cursor_execute` event."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(" ".join(statement.split()))

    def reading(self, table: str) -> list[str]:
        return [s for s in self.statements if re.search(rf'\bFROM "?{table}"?\b', s)]

    def samples(self, table: str) -> list[str]:
        """Statements returning rows of `table`: the sample reads (not aggregates, nor a query's 100-row type probe,
        read once per connection)."""
        return [s for s in self.reading(table) if "count(" not in s.split(" FROM ", 1)[0] and "dq_probe" not in s]


@pytest.fixture
def statements() -> Iterator[StatementLog]:
    log = StatementLog()
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", log)
    yield log
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", log)
