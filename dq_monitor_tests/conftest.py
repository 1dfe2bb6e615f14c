"""Shared fixtures: real SQLite files and real, throwaway Postgres databases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dq_monitor_tests.support.paths import REPO_ROOT, SHARED_DATASETS  # noqa: F401 (re-exported for tests)
from dq_monitor_tests.support.postgres import (  # noqa: F401
    PG_ADMIN_URL,
    require_postgres,
    throwaway_database,
)

#: Tests pick their store, instance and config explicitly: a user's environment must not leak in, not even into
#: module- or session-scoped fixtures (set up before any function-scoped fixture) or the processes tests start.
#: With DQ_MONITOR_DATABASE_URL exported, those wrote into the user's database, and concurrent tests into one.
for _name in ("DQ_MONITOR_DATABASE_URL", "DAGSTER_HOME", "DQ_MONITOR_CONFIG"):
    os.environ.pop(_name, None)
os.environ.setdefault("DAGSTER_TELEMETRY_DISABLED", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh Postgres database for one test, dropped afterwards (CI=true: unreachable is an error)."""
    require_postgres()
    with throwaway_database() as (_name, url):
        try:
            yield url
        finally:
            from dq_monitor.defs.resources import _STORES

            for key in [k for k in _STORES if k == url]:
                _STORES.pop(key).dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'findings.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Run a test on both backends."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture(autouse=True)
def _no_database_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests pick their database explicitly; a developer's env must not leak in.
    monkeypatch.delenv("DQ_MONITOR_DATABASE_URL", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("DQ_MONITOR_CONFIG", raising=False)
