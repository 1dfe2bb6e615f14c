"""A new SQLite store gets the head schema without Alembic, identical to what the migrations make (issue 16)."""

import subprocess
import sys
from pathlib import Path

from dq_monitor.store import Store, fresh, migrate


def _alembic_migrated(path: Path) -> Store:
    store = Store(f"sqlite:///{path}")
    migrate.upgrade(store.engine)  # the migrations themselves, as before the shortcut
    return store


def test_the_recorded_head_schema_is_what_the_migrations_create(tmp_path: Path) -> None:
    migrated = _alembic_migrated(tmp_path / "alembic.db")
    assert fresh.head_revision() == migrate.head_revision() == fresh.HEAD_SCHEMA_REVISION, (
        "a new migration: record its schema with `python -m dq_monitor.store.fresh`")
    assert fresh.recorded_schema(migrated.engine) == list(fresh.HEAD_SCHEMA)
    migrated.dispose()


def test_a_new_sqlite_store_is_created_at_head_without_importing_alembic(tmp_path: Path) -> None:
    code = ("import sys; from dq_monitor.store import Store; s = Store(sys.argv[1]); s.upgrade(); "
            "print('alembic' in sys.modules)")
    url = f"sqlite:///{tmp_path / 'findings.db'}"
    done = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False", done.stderr[-2000:]
    store = Store(url)
    migrated = _alembic_migrated(tmp_path / "alembic.db")
    assert fresh.recorded_schema(store.engine) == fresh.recorded_schema(migrated.engine)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    assert migrate.pending_model_changes(store.engine) == []
    store.dispose()
    migrated.dispose()


def test_a_store_at_an_older_revision_is_still_migrated_by_alembic(tmp_path: Path) -> None:
    store = _alembic_migrated(tmp_path / "findings.db")
    migrate.downgrade(store.engine, "0002")
    assert not fresh.ensure_head(store.engine)  # not empty, not at head: Alembic's job
    store.upgrade()
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    assert migrate.pending_model_changes(store.engine) == []
    # Alembic's batch mode rebuilt `snapshots` on the way down and up: it comes last and quoted now.
    assert 'CREATE TABLE "snapshots"' in fresh.recorded_schema(store.engine)[-2]
    store.dispose()


def test_processes_creating_one_new_sqlite_store_at_once_all_succeed_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'findings.db'}"
    code = ("import sys; from dq_monitor.store import Store; s = Store(sys.argv[1]); s.upgrade(); "
            "print('alembic' in sys.modules)")
    procs = [subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    assert [(out.strip(), rc) for out, _, rc in results] == [("False", 0)] * 3, [err[-1500:] for _, err, _ in results]
    store = Store(url)
    assert fresh.recorded_schema(store.engine) == list(fresh.HEAD_SCHEMA)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    store.dispose()
