"""The CLI's ephemeral Dagster instance, without Dagster's per-event connection cost (issue 16).

`DagsterInstance.ephemeral()` keeps runs and events in shared-cache in-memory SQLite and opens a new
connection (plus two PRAGMA statements) for every event it stores; a snapshot run stores ~60 events,
so `dq-monitor check --all` spent a large share of its time connecting. It also stamps Alembic
revisions on both in-memory databases (it loads ~180 migration scripts), a fixed cost of every cold
CLI run, though an in-memory database is never migrated. The event storage here keeps Dagster's
tables and queries and only holds one connection for the instance's life (serialised by Dagster's
own lock); the run storage skips the stamp. Nothing is written to disk, as with `ephemeral()`.

`without_output_capture()`: `execute_in_process` keeps every step's output value in its result (for
`output_for_node`), so the snapshot frame stayed in memory for the whole run, next to the copies the
downstream steps load; the CLI reads only events from its results, so it turns the capture off.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._core.instance import DagsterInstance, InstanceType
from dagster._core.launcher.sync_in_memory_run_launcher import SyncInMemoryRunLauncher
from dagster._core.run_coordinator import DefaultRunCoordinator
from dagster._core.storage.event_log import InMemoryEventLogStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageMetadata
from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager
from dagster._core.storage.root import TemporaryLocalArtifactStorage
from dagster._core.storage.runs import InMemoryRunStorage
from dagster._core.storage.runs.schema import RunStorageSqlMetadata
from dagster._core.storage.sqlite import create_in_memory_conn_string
from sqlalchemy.pool import NullPool, StaticPool


class HeldConnectionEventLogStorage(InMemoryEventLogStorage):
    """Dagster's in-memory event log on one held connection (no per-event connect, no Alembic stamp)."""

    def __init__(self) -> None:  # noqa: D107 - replaces the parent's, which stamps and connects per call
        self._inst_data = None
        self._engine = db.create_engine(create_in_memory_conn_string(f"events-{uuid.uuid4()}"),
                                        poolclass=StaticPool, connect_args={"check_same_thread": False})
        self._handlers = defaultdict(set)
        self._storage_id = 0
        self._db_lock = threading.Lock()
        self._held_conn = self._engine.connect()
        with self._held_conn.begin():
            self._held_conn.execute(db.text("PRAGMA foreign_keys=ON;")).close()
            SqlEventLogStorageMetadata.create_all(self._held_conn)

    @contextmanager
    def _connect(self) -> Any:
        with self._db_lock:
            with self._held_conn.begin():
                yield self._held_conn


class UnstampedRunStorage(InMemoryRunStorage):
    """Dagster's in-memory run storage without the Alembic stamp."""

    def __init__(self) -> None:  # noqa: D107
        self._engine = db.create_engine(create_in_memory_conn_string(f"runs-{uuid.uuid4()}"), poolclass=NullPool)
        self._held_conn = self._engine.connect()
        with self._held_conn.begin():
            RunStorageSqlMetadata.create_all(self._held_conn)


def ephemeral_instance(settings: dict[str, Any]) -> DagsterInstance:
    """`DagsterInstance.ephemeral(settings=...)` with the storages above."""
    return DagsterInstance(
        instance_type=InstanceType.EPHEMERAL,
        local_artifact_storage=TemporaryLocalArtifactStorage(),
        run_storage=UnstampedRunStorage(),
        event_storage=HeldConnectionEventLogStorage(),
        compute_log_manager=NoOpComputeLogManager(),
        run_coordinator=DefaultRunCoordinator(),
        run_launcher=SyncInMemoryRunLauncher(),
        settings=settings,
    )


@contextmanager
def without_output_capture() -> Iterator[None]:
    """Within this block, `JobDefinition.execute_in_process` does not keep step output values."""
    import dagster._core.execution.execute_in_process as in_process

    original = in_process.core_execute_in_process

    def core_execute_in_process(*args: Any, **kwargs: Any) -> Any:
        kwargs["output_capturing_enabled"] = False
        return original(*args, **kwargs)

    in_process.core_execute_in_process = core_execute_in_process
    try:
        yield
    finally:
        in_process.core_execute_in_process = original


def cli_instance() -> DagsterInstance:
    """The user's $DAGSTER_HOME instance (telemetry forced off), else an ephemeral one."""
    import os

    settings = {"telemetry": {"enabled": False}}
    home = os.environ.get("DAGSTER_HOME")
    return home_instance(home, settings) if home else ephemeral_instance(settings=settings)


def home_instance(home: str, settings: dict[str, Any]) -> DagsterInstance:
    """The $DAGSTER_HOME instance, its storages created under a lock on that folder.

    Two `check` processes starting at once on a fresh DAGSTER_HOME both create Dagster's SQLite
    tables, and one of them failed about 1 time in 6 with `table snapshots already exists`. An
    exclusive `flock` on `<home>/.dq_monitor_instance.lock` while the instance opens and touches its
    run, event-log and schedule storage makes the second process find the tables made (POSIX).
    """
    import fcntl
    import os

    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, ".dq_monitor_instance.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(home, overrides=settings))
            instance.get_runs(limit=1)
            instance.get_dynamic_partitions("dq_monitor_instance_probe")
            instance.event_log_storage.get_event_records(
                dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_MATERIALIZATION), limit=1)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return instance

