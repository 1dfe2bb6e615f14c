"""The CLI's ephemeral Dagster instance, without Dagster's per-event connection cost (issue 16).

`DagsterInstance.ephemeral()` keeps runs and events in shared-cache in-memory SQLite and opens a new
connection (plus two PRAGMA statements) for every event it stores; a snapshot run stores ~60 events,
so `dq-monitor check --all` spent a large share of its time connecting. It also stamps Alembic
revisions on both in-memory databases (it loads ~180 migration scripts), a fixed cost of every cold
CLI run, though an in-memory database is never migrated. The event storage here keeps Dagster's
tables and queries and only holds one connection for the instance's life (serialised by Dagster's
own lock); the run storage skips the stamp. Nothing is written to disk, as with `ephemeral()`.

Nobody can read the ephemeral instance once the process ends, and during a run Dagster reads back
only run, asset, check and partition records, so the event log does not store the step bookkeeping
events no query of a run reads (step start/input/output/success, resource and engine messages, plain
log lines); each cost an SQL insert and a serialisation. They still reach the run's
`ExecuteInProcessResult`, which is what the CLI reads. Table existence (asked before every check
event and partition query) and the dynamic partitions (asked for every step) are answered from
memory: only this object writes to its database. The `$DAGSTER_HOME` instance is untouched: every
event of a run stays visible to `dagster dev`. Written against Dagster 1.13.x private storage APIs.

`InProcessRunner`: the CLI's runs, one per snapshot, with each job prepared once (see there).
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._core.events import DagsterEventType
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

#: Dagster events of a run that no storage query during in-process execution reads back.
UNREAD_EVENT_TYPES = frozenset({
    DagsterEventType.STEP_START, DagsterEventType.STEP_INPUT, DagsterEventType.STEP_OUTPUT,
    DagsterEventType.LOADED_INPUT, DagsterEventType.HANDLED_OUTPUT, DagsterEventType.STEP_SUCCESS,
    DagsterEventType.RESOURCE_INIT_STARTED, DagsterEventType.RESOURCE_INIT_SUCCESS,
    DagsterEventType.ENGINE_EVENT, DagsterEventType.LOGS_CAPTURED,
    DagsterEventType.STEP_WORKER_STARTING, DagsterEventType.STEP_WORKER_STARTED,
})


class HeldConnectionEventLogStorage(InMemoryEventLogStorage):
    """Dagster's in-memory event log on one held connection (no per-event connect, no Alembic stamp),
    without the unread step events, with table existence and dynamic partitions answered from memory."""

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
        self._tables: dict[str, bool] = {}
        self._partitions: dict[str, list[str]] = {}
        self._partitions_lock = threading.RLock()  # held across each read or write of partitions

    @contextmanager
    def _connect(self) -> Any:
        with self._db_lock:
            with self._held_conn.begin():
                yield self._held_conn

    def store_event(self, event: Any) -> None:
        dagster_event = event.dagster_event
        if dagster_event is None or dagster_event.event_type in UNREAD_EVENT_TYPES:
            return
        super().store_event(event)

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._tables:
            self._tables[table_name] = super().has_table(table_name)
        return self._tables[table_name]

    def get_dynamic_partitions(self, partitions_def_name: str) -> list[str]:
        with self._partitions_lock:
            if partitions_def_name not in self._partitions:
                self._partitions[partitions_def_name] = list(super().get_dynamic_partitions(partitions_def_name))
            return list(self._partitions[partitions_def_name])

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool:
        return partition_key in self.get_dynamic_partitions(partitions_def_name)

    def add_dynamic_partitions(self, partitions_def_name: str, partition_keys: Any) -> None:
        with self._partitions_lock:
            self._partitions.pop(partitions_def_name, None)
            super().add_dynamic_partitions(partitions_def_name, partition_keys)

    def delete_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> None:
        with self._partitions_lock:
            self._partitions.pop(partitions_def_name, None)
            super().delete_dynamic_partition(partitions_def_name, partition_key)


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


class InProcessRunner:
    """`JobDefinition.execute_in_process(partition_key=..., run_config=..., tags=...)` for many runs of the
    same jobs on one instance, each job prepared once.

    `execute_in_process` builds a new ephemeral copy of the job for every run, so Dagster snapshots the
    job again (its snapshot is cached per job object) and builds the same execution plan again (it does
    not depend on the partition or the tags). Here both are kept per job; each run still gets its own
    run record, planned events and events, exactly as `execute_in_process` makes them. Step output
    values are not kept in the result (`execute_in_process` keeps them for `output_for_node`, which
    held the snapshot frame for the whole run): the CLI reads only events. Dagster 1.13.x internals.
    """

    def __init__(self, instance: DagsterInstance) -> None:
        self._instance = instance
        self._prepared: dict[str, tuple[Any, ...]] = {}  # job name -> (job, in-memory job, plan, run config)

    def _prepare(self, job_def: Any, run_config: Mapping[str, Any]) -> tuple[Any, Any]:
        from dagster._core.definitions.job_base import InMemoryJob
        from dagster._core.execution.api import create_execution_plan
        from dagster._core.execution.execute_in_process import _check_top_level_inputs

        prepared = self._prepared.get(job_def.name)
        if prepared is None or prepared[0] is not job_def or prepared[3] != run_config:
            ephemeral = job_def.as_ephemeral_job(resource_defs={}, input_values={}, op_selection=[], asset_selection=[])
            _check_top_level_inputs(ephemeral)
            wrapped = InMemoryJob(job_def=ephemeral)
            instance_ref = self._instance.get_ref() if self._instance.is_persistent else None
            plan = create_execution_plan(wrapped, run_config=run_config, instance_ref=instance_ref)
            prepared = self._prepared[job_def.name] = (job_def, wrapped, plan, dict(run_config))
        return prepared[1], prepared[2]

    def run(self, job_def: Any, *, partition_key: str, run_config: Mapping[str, Any],
            tags: Mapping[str, str]) -> Any:
        """One run of `job_def` for `partition_key`; step failures are in the result (raise_on_error=False)."""
        from dagster._core.definitions.partitions.context import (
            partition_loading_context,
        )
        from dagster._core.execution.api import (
            ExecuteRunWithPlanIterable,
            job_execution_iterator,
        )
        from dagster._core.execution.context_creation_job import (
            PlanOrchestrationContextManager,
            orchestration_context_event_generator,
        )
        from dagster._core.execution.execute_in_process import merge_run_tags
        from dagster._core.execution.execute_in_process_result import (
            ExecuteInProcessResult,
        )

        instance = self._instance
        wrapped, plan = self._prepare(job_def, run_config)
        ephemeral = wrapped.get_definition()
        if ephemeral.partitions_def:
            with partition_loading_context(dynamic_partitions_store=instance) as ctx:
                ephemeral.validate_partition_key(partition_key=partition_key, selected_asset_keys=set(), context=ctx)
        run_tags = merge_run_tags(job_def=job_def, partition_key=partition_key, tags=tags, asset_selection=[],
                                  instance=instance, run_config=run_config)
        run = instance.create_run_for_job(job_def=ephemeral, run_config=run_config,
                                          tags={**ephemeral.run_tags, **run_tags}, run_id=None,
                                          asset_selection=frozenset(), execution_plan=plan)
        events = list(ExecuteRunWithPlanIterable(
            execution_plan=plan, iterator=job_execution_iterator,
            execution_context_manager=PlanOrchestrationContextManager(
                context_event_generator=orchestration_context_event_generator, job=wrapped, execution_plan=plan,
                dagster_run=run, instance=instance, run_config=run_config, executor_defs=None,
                output_capture=None, raise_on_error=False)))
        return ExecuteInProcessResult(job_def=ephemeral, event_list=events,
                                      dagster_run=instance.get_run_by_id(run.run_id), output_capture={})


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

