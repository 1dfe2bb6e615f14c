"""The SQL delivery ledger on both backends, with the store's migrations applied."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dq_monitor.store import Store, make_engine
from dq_monitor.store.alert_ledger import SqlDeliveryLedger
from dq_monitor.store.engine import sqlite_file


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head; tests copy it instead of migrating their own (~0.3 s each)."""
    path = tmp_path_factory.mktemp("migrated") / "findings.db"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    store.dispose()
    return path


@pytest.fixture
def migrated_url(database_url: str, migrated_sqlite_template: Path) -> str:
    """`database_url` (SQLite and Postgres) at the newest schema, as `dq-monitor db upgrade` leaves it."""
    file = sqlite_file(database_url)
    if file is not None:
        shutil.copyfile(migrated_sqlite_template, file)
    else:
        store = Store(database_url)
        store.upgrade()
        store.dispose()
    return database_url


@pytest.fixture
def ledger(migrated_url: str) -> Iterator[SqlDeliveryLedger]:
    engine = make_engine(migrated_url)
    yield SqlDeliveryLedger(engine)
    engine.dispose()


@pytest.fixture
def empty_ledger(sqlite_url: str, migrated_sqlite_template: Path) -> Iterator[SqlDeliveryLedger]:
    """A migrated SQLite ledger for the table-driven cases that only plan against an empty ledger.

    They never write, so a second backend would only repeat the empty `group_states` read; every test
    that writes to the ledger takes `ledger` and runs on SQLite and Postgres.
    """
    shutil.copyfile(migrated_sqlite_template, sqlite_file(sqlite_url))
    engine = make_engine(sqlite_url)
    yield SqlDeliveryLedger(engine)
    engine.dispose()
