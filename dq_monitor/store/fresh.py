"""The findings store's schema at the newest revision without Alembic, where that is safe (issue 16).

`Store.upgrade()` runs when a run first opens the store and in every write command. Through Alembic it costs
the Alembic import (~0.3 s) and, on a new store, running every migration: a large share of a cold
`dq-monitor check`. Two shortcuts keep exactly what the migrations make:

- a store whose `alembic_version` is already the head revision needs nothing (any backend);
- an empty SQLite database gets `HEAD_SCHEMA`, the CREATE statements SQLite keeps in `sqlite_master`
  after `alembic upgrade head` on an empty file (recorded from it; `dq_monitor_tests/store` asserts the
  two are identical, and `python -m dq_monitor.store.fresh` prints the statements again), and the
  head revision in `alembic_version`, in one `BEGIN IMMEDIATE` transaction so a concurrent process
  waits and then finds the store made.

The head revision is read from the migration scripts themselves, so a new migration is never skipped:
until `HEAD_SCHEMA_REVISION` is recorded again for it, a new SQLite store is migrated by Alembic.
Everything else (Postgres, a store at an older revision) goes through Alembic as before.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from dq_monitor.store.migrate import MIGRATIONS_DIR

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_REVISION = re.compile(r"^revision = ['\"]([^'\"]+)['\"]$", re.M)
_DOWN = re.compile(r"^down_revision = (?:['\"]([^'\"]+)['\"]|None)$", re.M)

#: The revision `HEAD_SCHEMA` was recorded at.
HEAD_SCHEMA_REVISION = "0003"
#: `SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid` after the migrations, in order.
HEAD_SCHEMA = (
    ('CREATE TABLE alembic_version (\n'
     '\tversion_num VARCHAR(32) NOT NULL, \n'
     '\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n'
     ')'),
    ('CREATE TABLE check_evaluations (\n'
     '\tid INTEGER NOT NULL, \n'
     '\tdataset VARCHAR(200) NOT NULL, \n'
     '\tsnapshot VARCHAR(400) NOT NULL, \n'
     '\t"check" VARCHAR(300) NOT NULL, \n'
     '\tasset_key VARCHAR(400) NOT NULL, \n'
     '\tpassed BOOLEAN NOT NULL, \n'
     '\tseverity VARCHAR(10) NOT NULL, \n'
     '\tmessage TEXT NOT NULL, \n'
     '\tmetadata JSON NOT NULL, \n'
     '\tsource VARCHAR(50) NOT NULL, \n'
     '\trun_id VARCHAR(64), \n'
     '\tevaluated_at DATETIME NOT NULL, \n'
     '\tPRIMARY KEY (id), \n'
     '\tCONSTRAINT uq_check_evaluations_key UNIQUE (dataset, snapshot, "check")\n'
     ')'),
    'CREATE INDEX ix_check_evaluations_dataset ON check_evaluations (dataset)',
    ('CREATE TABLE expected_marks (\n'
     '\tid INTEGER NOT NULL, \n'
     '\tdataset VARCHAR(200) NOT NULL, \n'
     '\tsnapshot VARCHAR(400) NOT NULL, \n'
     '\t"check" VARCHAR(300) NOT NULL, \n'
     '\treason TEXT NOT NULL, \n'
     '\tmarked_by VARCHAR(200) NOT NULL, \n'
     '\tmarked_at DATETIME NOT NULL, \n'
     '\tPRIMARY KEY (id), \n'
     '\tCONSTRAINT uq_expected_marks_key UNIQUE (dataset, snapshot, "check")\n'
     ')'),
    ('CREATE TABLE findings (\n'
     '\tid INTEGER NOT NULL, \n'
     '\tfingerprint VARCHAR(64) NOT NULL, \n'
     '\tdataset VARCHAR(200) NOT NULL, \n'
     '\tsnapshot VARCHAR(400) NOT NULL, \n'
     '\t"check" VARCHAR(300) NOT NULL, \n'
     '\tcheck_type VARCHAR(50) NOT NULL, \n'
     '\t"key" TEXT NOT NULL, \n'
     '\tseverity VARCHAR(10) NOT NULL, \n'
     '\tstatus VARCHAR(20) NOT NULL, \n'
     '\tmessage TEXT NOT NULL, \n'
     '\tdetails JSON NOT NULL, \n'
     '\tsource VARCHAR(50) NOT NULL, \n'
     '\trun_id VARCHAR(64), \n'
     '\talert_state VARCHAR(20) NOT NULL, \n'
     '\tcreated_at DATETIME NOT NULL, \n'
     '\tupdated_at DATETIME NOT NULL, \n'
     '\tresolved_at DATETIME, \n'
     '\tPRIMARY KEY (id), \n'
     '\tUNIQUE (fingerprint)\n'
     ')'),
    'CREATE INDEX ix_findings_alert_state ON findings (alert_state)',
    'CREATE INDEX ix_findings_dataset_snapshot_check ON findings (dataset, snapshot, "check")',
    ('CREATE TABLE metrics (\n'
     '\tid INTEGER NOT NULL, \n'
     '\tdataset VARCHAR(200) NOT NULL, \n'
     '\tsnapshot VARCHAR(400) NOT NULL, \n'
     '\tmetric VARCHAR(400) NOT NULL, \n'
     '\tvalue FLOAT, \n'
     '\tobserved_at DATETIME NOT NULL, \n'
     '\trecorded_at DATETIME NOT NULL, \n'
     '\tPRIMARY KEY (id), \n'
     '\tCONSTRAINT uq_metrics_key UNIQUE (dataset, snapshot, metric)\n'
     ')'),
    'CREATE INDEX ix_metrics_dataset_metric_time ON metrics (dataset, metric, observed_at)',
    ('CREATE TABLE snapshots (\n'
     '\tid INTEGER NOT NULL, \n'
     '\tdataset VARCHAR(200) NOT NULL, \n'
     '\tsnapshot VARCHAR(400) NOT NULL, \n'
     '\tsource_path TEXT NOT NULL, \n'
     '\tsnapshot_time DATETIME NOT NULL, \n'
     '\trow_count INTEGER, \n'
     '\tbytes INTEGER, \n'
     '\tcolumns JSON NOT NULL, \n'
     '\tmax_timestamp DATETIME, \n'
     '\tread_problems JSON NOT NULL, \n'
     '\trun_id VARCHAR(64), \n'
     '\tingested_at DATETIME NOT NULL, expected_checks JSON, checked_at DATETIME, \n'
     '\tPRIMARY KEY (id), \n'
     '\tCONSTRAINT uq_snapshots_dataset_snapshot UNIQUE (dataset, snapshot)\n'
     ')'),
    'CREATE INDEX ix_snapshots_dataset ON snapshots (dataset)',
    ('CREATE TABLE alert_deliveries (\n'
     '\tid INTEGER NOT NULL, \n'
     '\t"key" VARCHAR(64) NOT NULL, \n'
     '\treceiver VARCHAR(400) NOT NULL, \n'
     '\tgroup_key TEXT NOT NULL, \n'
     '\tgroup_hash VARCHAR(40) NOT NULL, \n'
     '\tset_hash VARCHAR(40) NOT NULL, \n'
     '\tfiring JSON NOT NULL, \n'
     '\tresolved JSON NOT NULL, \n'
     '\tstatus VARCHAR(20) NOT NULL, \n'
     '\tattempts INTEGER NOT NULL, \n'
     '\tnext_attempt_at DATETIME, \n'
     '\tlast_error TEXT, \n'
     '\tpermanent BOOLEAN NOT NULL, \n'
     '\tsent_at DATETIME, \n'
     '\tpayload_digest VARCHAR(64), \n'
     '\tfirst_attempt_at DATETIME, \n'
     '\tclaimed_until DATETIME, \n'
     '\tcreated_at DATETIME NOT NULL, \n'
     '\tupdated_at DATETIME NOT NULL, \n'
     '\tPRIMARY KEY (id), \n'
     '\tUNIQUE ("key")\n'
     ')'),
    'CREATE INDEX ix_alert_deliveries_group ON alert_deliveries (group_hash, receiver, status)',
    'CREATE INDEX ix_alert_deliveries_status ON alert_deliveries (status)',
    ('CREATE TABLE alert_silences (\n'
     '\tid VARCHAR(40) NOT NULL, \n'
     '\tmatchers JSON NOT NULL, \n'
     '\tstarts_at DATETIME NOT NULL, \n'
     '\tends_at DATETIME NOT NULL, \n'
     '\tcreated_by VARCHAR(200) NOT NULL, \n'
     '\tcomment TEXT NOT NULL, \n'
     '\tPRIMARY KEY (id)\n'
     ')'),
    'CREATE INDEX ix_alert_silences_ends_at ON alert_silences (ends_at)',
)


@cache
def head_revision() -> str | None:
    """The head of the migration scripts (None when they cannot be read as one linear history)."""
    revisions, parents = set(), set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_at_head(engine: Engine) -> bool:
    """True when the store's `alembic_version` is the head revision (connection errors propagate)."""
    from sqlalchemy import inspect

    head = head_revision()
    with engine.connect() as conn:
        if head is None or not inspect(conn).has_table("alembic_version"):
            return False
        return list(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()) == [head]


def create_if_empty(engine: Engine) -> bool:
    """On an empty SQLite database, create the head schema and stamp it; False when not applicable."""
    if engine.dialect.name != "sqlite" or head_revision() != HEAD_SCHEMA_REVISION:
        return False
    raw = engine.raw_connection()
    try:
        sqlite = raw.driver_connection
        isolation, sqlite.isolation_level = sqlite.isolation_level, None  # explicit BEGIN/COMMIT below
        try:
            sqlite.execute("BEGIN IMMEDIATE")  # a concurrent creator waits here, then finds the tables
            try:
                if sqlite.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    sqlite.execute("ROLLBACK")
                    return False
                for statement in HEAD_SCHEMA:
                    sqlite.execute(statement)
                sqlite.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (HEAD_SCHEMA_REVISION,))
                sqlite.execute("COMMIT")
            except BaseException:
                sqlite.execute("ROLLBACK")
                raise
        finally:
            sqlite.isolation_level = isolation
    finally:
        raw.close()
    return True


def ensure_head(engine: Engine) -> bool:
    """True when the store is at the head revision without Alembic; False: Alembic must migrate it."""
    # After `create_if_empty` found tables, a concurrent process may just have created them at head.
    return is_at_head(engine) or create_if_empty(engine) or is_at_head(engine)


def recorded_schema(engine: Engine) -> list[str]:
    """The CREATE statements of a SQLite store, in `sqlite_master` order (what `HEAD_SCHEMA` holds)."""
    with engine.connect() as conn:
        return list(conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid").scalars())


if __name__ == "__main__":  # print the head schema of a store migrated by Alembic, to record it above
    import tempfile
    from pathlib import Path

    from sqlalchemy import create_engine

    from dq_monitor.store import migrate

    with tempfile.TemporaryDirectory() as folder:
        migrated = create_engine(f"sqlite:///{Path(folder) / 'findings.db'}")
        migrate.upgrade(migrated)
        print(f"HEAD_SCHEMA_REVISION = {head_revision()!r}\nHEAD_SCHEMA = (")
        print("\n".join(f"    {statement!r}," for statement in recorded_schema(migrated)) + "\n)")
        migrated.dispose()
