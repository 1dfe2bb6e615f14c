"""The findings store: snapshots, check evaluations, findings, metric history.

Postgres in production, a SQLite file by default (`DQ_MONITOR_DATABASE_URL`
overrides). Every write is idempotent: re-running a snapshot's checks updates
the rows it wrote before and never duplicates them. Nothing here imports dagster.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, make_url, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from dq_monitor.core.outcome import CheckOutcome, Finding, _jsonable
from dq_monitor.store import migrate
from dq_monitor.store.tables import CheckEvaluation, ExpectedMark, Metric, Snapshot
from dq_monitor.store.tables import Finding as FindingRow

DATABASE_URL_ENV = "DQ_MONITOR_DATABASE_URL"

#: Check types whose open findings stop a snapshot from serving as the
#: "previous" baseline for later snapshots (a bad snapshot must not teach normal).
BASELINE_BLOCKING_TYPES = ("schema", "volume")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def default_database_url(home: Path) -> str:
    """`$DQ_MONITOR_DATABASE_URL`, else a SQLite file `findings.db` under `home`."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(home / 'findings.db').resolve()}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets Dagster's run processes write while the webserver/CLI reads.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@dataclass(frozen=True)
class SnapshotRecord:
    dataset: str
    snapshot: str
    source_path: str
    snapshot_time: datetime
    row_count: int | None
    bytes: int | None
    columns: dict[str, Any]
    max_timestamp: datetime | None = None
    read_problems: tuple[dict[str, Any], ...] = ()


class Store:
    """Typed access to the findings store. Create one per process and reuse it."""

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        if upgrade:
            self.upgrade()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def upgrade(self) -> None:
        for attempt in range(5):
            try:
                migrate.upgrade(self.engine)
                return
            except (OperationalError, IntegrityError):
                # Two processes migrating one fresh SQLite file race on the version table.
                if attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))
                if migrate.current_revision(self.engine) == migrate.head_revision():
                    return

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._session.begin() as s:
            yield s

    # -- snapshots ---------------------------------------------------------------------------

    def record_snapshot(
        self,
        dataset: str,
        snapshot: str,
        *,
        source_path: str,
        snapshot_time: datetime,
        row_count: int | None,
        bytes: int | None,
        columns: dict[str, Any],
        max_timestamp: datetime | None = None,
        read_problems: list[dict[str, Any]] | None = None,
        run_id: str | None = None,
    ) -> None:
        now = utcnow()
        with self.session() as s:
            row = s.scalars(select(Snapshot).where(Snapshot.dataset == dataset, Snapshot.snapshot == snapshot)).first()
            if row is None:
                row = Snapshot(dataset=dataset, snapshot=snapshot)
                s.add(row)
            row.source_path = source_path
            row.snapshot_time = snapshot_time
            row.row_count = row_count
            row.bytes = bytes
            row.columns = _jsonable(columns)
            row.max_timestamp = max_timestamp
            row.read_problems = {"problems": _jsonable(read_problems or [])}
            row.run_id = run_id
            row.ingested_at = now

    def get_snapshot(self, dataset: str, snapshot: str) -> SnapshotRecord | None:
        with self.session() as s:
            row = s.scalars(select(Snapshot).where(Snapshot.dataset == dataset, Snapshot.snapshot == snapshot)).first()
            return _snapshot_record(row) if row else None

    def snapshots(self, dataset: str) -> list[SnapshotRecord]:
        with self.session() as s:
            rows = s.scalars(
                select(Snapshot).where(Snapshot.dataset == dataset).order_by(Snapshot.snapshot_time, Snapshot.snapshot)
            ).all()
            return [_snapshot_record(r) for r in rows]

    def baseline_snapshot(self, dataset: str, snapshot: str, snapshot_time: datetime) -> SnapshotRecord | None:
        """The latest earlier snapshot without open schema/volume findings (the "previous" baseline)."""
        with self.session() as s:
            blocked = (
                select(FindingRow.snapshot)
                .where(
                    FindingRow.dataset == dataset,
                    FindingRow.status == "open",
                    FindingRow.check_type.in_(BASELINE_BLOCKING_TYPES),
                    FindingRow.severity.in_(("WARN", "ERROR")),
                )
                .scalar_subquery()
            )
            rows = s.scalars(
                select(Snapshot)
                .where(
                    Snapshot.dataset == dataset,
                    Snapshot.snapshot != snapshot,
                    Snapshot.snapshot_time <= snapshot_time,
                    Snapshot.snapshot.not_in(blocked),
                )
                .order_by(Snapshot.snapshot_time.desc(), Snapshot.snapshot.desc())
            ).all()
            for row in rows:
                # Equal times: order by id so the baseline is strictly "before".
                if row.snapshot_time < snapshot_time or row.snapshot < snapshot:
                    return _snapshot_record(row)
            return None

    # -- outcomes, findings, metrics ---------------------------------------------------------

    def record_outcome(
        self,
        dataset: str,
        snapshot: str,
        outcome: CheckOutcome,
        *,
        check_type: str = "",
        asset_key: str = "",
        run_id: str | None = None,
        source: str = "dq_monitor",
        observed_at: datetime | None = None,
    ) -> None:
        """Record a check evaluation, its findings and its metrics, idempotently."""
        now = utcnow()
        for attempt in range(3):
            try:
                with self.session() as s:
                    self._upsert_evaluation(s, dataset, snapshot, outcome, asset_key, run_id, source, now)
                    self._sync_findings(s, dataset, snapshot, outcome.check, outcome.findings, check_type, source,
                                        run_id, now)
                break
            except IntegrityError:
                # A concurrent writer inserted the same keys first; the retry updates them.
                if attempt == 2:
                    raise
        if outcome.metrics:
            self.record_metrics(dataset, snapshot, outcome.metrics, observed_at or now)

    def _upsert_evaluation(self, s: Session, dataset: str, snapshot: str, outcome: CheckOutcome, asset_key: str,
                           run_id: str | None, source: str, now: datetime) -> None:
        row = s.scalars(
            select(CheckEvaluation).where(
                CheckEvaluation.dataset == dataset,
                CheckEvaluation.snapshot == snapshot,
                CheckEvaluation.check == outcome.check,
            )
        ).first()
        if row is None:
            row = CheckEvaluation(dataset=dataset, snapshot=snapshot, check=outcome.check)
            s.add(row)
        row.asset_key = asset_key
        row.passed = bool(outcome.passed)
        row.severity = outcome.severity.value
        row.message = outcome.message
        row.metadata_json = _jsonable(outcome.metadata)
        row.source = source
        row.run_id = run_id
        row.evaluated_at = now

    def _sync_findings(self, s: Session, dataset: str, snapshot: str, check: str, findings: Iterable[Finding],
                       check_type: str, source: str, run_id: str | None, now: datetime) -> None:
        existing = {
            r.fingerprint: r
            for r in s.scalars(
                select(FindingRow).where(
                    FindingRow.dataset == dataset, FindingRow.snapshot == snapshot, FindingRow.check == check
                )
            )
        }
        seen: set[str] = set()
        for f in findings:
            fp = f.fingerprint
            if fp in seen:
                continue
            seen.add(fp)
            row = existing.get(fp)
            if row is None:
                row = FindingRow(fingerprint=fp, dataset=dataset, snapshot=snapshot, check=check, created_at=now,
                                 alert_state="pending")
                s.add(row)
            elif row.status != "open" or row.severity != f.severity.value:
                row.alert_state = "pending"  # reopened or escalated: worth telling someone again
            row.check_type = check_type
            row.key = f.key
            row.severity = f.severity.value
            row.status = "open"
            row.message = f.message
            row.details = _jsonable(f.details)
            row.source = source
            row.run_id = run_id
            row.updated_at = now
            row.resolved_at = None
        for fp, row in existing.items():
            if fp not in seen and row.status == "open":
                row.status = "resolved"
                row.resolved_at = now
                row.updated_at = now
                row.alert_state = "pending"

    def record_metrics(self, dataset: str, snapshot: str, metrics: dict[str, float], observed_at: datetime) -> None:
        now = utcnow()
        clean = {k: _as_float(v) for k, v in metrics.items()}
        for attempt in range(3):
            try:
                with self.session() as s:
                    existing = {
                        r.metric: r
                        for r in s.scalars(
                            select(Metric).where(
                                Metric.dataset == dataset, Metric.snapshot == snapshot, Metric.metric.in_(list(clean))
                            )
                        )
                    }
                    for name, value in clean.items():
                        row = existing.get(name)
                        if row is None:
                            row = Metric(dataset=dataset, snapshot=snapshot, metric=name)
                            s.add(row)
                        row.value = value
                        row.observed_at = observed_at
                        row.recorded_at = now
                return
            except IntegrityError:
                if attempt == 2:
                    raise

    def set_alert_states(self, states: dict[str, str]) -> None:
        """Record what the alert pass did with each finding (pending, sent, silenced, failed, ...)."""
        if not states:
            return
        with self.session() as s:
            for row in s.scalars(select(FindingRow).where(FindingRow.fingerprint.in_(list(states)))):
                row.alert_state = states[row.fingerprint][:20]

    def alertable_findings(self, resolved_since: datetime) -> list[dict[str, Any]]:
        """Every open finding plus those resolved since `resolved_since` (the alert pass's input)."""
        q = select(FindingRow).where(
            (FindingRow.status == "open") | (FindingRow.resolved_at >= resolved_since)
        ).order_by(FindingRow.created_at, FindingRow.id)
        with self.session() as s:
            return [_finding_dict(r) for r in s.scalars(q)]

    def metric_series(self, dataset: str, metric: str) -> list[tuple[datetime, str, float | None]]:
        """(observed_at, snapshot, value) for one metric, oldest first."""
        with self.session() as s:
            rows = s.execute(
                select(Metric.observed_at, Metric.snapshot, Metric.value)
                .where(Metric.dataset == dataset, Metric.metric == metric)
                .order_by(Metric.observed_at, Metric.snapshot)
            ).all()
            return [(r[0], r[1], r[2]) for r in rows]

    def metrics_for_snapshot(self, dataset: str, snapshot: str) -> dict[str, float | None]:
        with self.session() as s:
            rows = s.execute(
                select(Metric.metric, Metric.value).where(Metric.dataset == dataset, Metric.snapshot == snapshot)
            ).all()
            return {r[0]: r[1] for r in rows}

    def findings(
        self,
        *,
        dataset: str | None = None,
        snapshot: str | None = None,
        check: str | None = None,
        since: datetime | None = None,
        status: str | None = None,
        severities: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        q = select(FindingRow)
        if dataset:
            q = q.where(FindingRow.dataset == dataset)
        if snapshot:
            q = q.where(FindingRow.snapshot == snapshot)
        if check:
            q = q.where(FindingRow.check == check)
        if since:
            q = q.where(FindingRow.updated_at >= since)
        if status:
            q = q.where(FindingRow.status == status)
        if severities:
            q = q.where(FindingRow.severity.in_(list(severities)))
        q = q.order_by(FindingRow.created_at, FindingRow.id)
        with self.session() as s:
            return [_finding_dict(r) for r in s.scalars(q)]

    def evaluations(self, *, dataset: str | None = None, snapshot: str | None = None) -> list[dict[str, Any]]:
        q = select(CheckEvaluation)
        if dataset:
            q = q.where(CheckEvaluation.dataset == dataset)
        if snapshot:
            q = q.where(CheckEvaluation.snapshot == snapshot)
        q = q.order_by(CheckEvaluation.dataset, CheckEvaluation.snapshot, CheckEvaluation.check)
        with self.session() as s:
            return [
                {
                    "dataset": r.dataset,
                    "snapshot": r.snapshot,
                    "check": r.check,
                    "passed": r.passed,
                    "severity": r.severity,
                    "message": r.message,
                    "metadata": r.metadata_json,
                    "run_id": r.run_id,
                    "evaluated_at": r.evaluated_at.isoformat(),
                }
                for r in s.scalars(q)
            ]

    # -- feedback ----------------------------------------------------------------------------

    def mark_expected(self, dataset: str, snapshot: str, *, check: str = "", reason: str = "", marked_by: str = "") -> None:
        with self.session() as s:
            row = s.scalars(
                select(ExpectedMark).where(
                    ExpectedMark.dataset == dataset, ExpectedMark.snapshot == snapshot, ExpectedMark.check == check
                )
            ).first()
            if row is None:
                row = ExpectedMark(dataset=dataset, snapshot=snapshot, check=check)
                s.add(row)
            row.reason = reason
            row.marked_by = marked_by
            row.marked_at = utcnow()

    def expected_marks(self, dataset: str, check: str | None = None) -> list[dict[str, Any]]:
        q = select(ExpectedMark).where(ExpectedMark.dataset == dataset)
        if check is not None:
            q = q.where(ExpectedMark.check.in_([check, ""]))
        with self.session() as s:
            return [
                {"dataset": r.dataset, "snapshot": r.snapshot, "check": r.check, "reason": r.reason,
                 "marked_by": r.marked_by, "marked_at": r.marked_at.isoformat()}
                for r in s.scalars(q.order_by(ExpectedMark.marked_at))
            ]


def _as_float(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if v == v and v not in (float("inf"), float("-inf")) else None


def _snapshot_record(row: Snapshot) -> SnapshotRecord:
    return SnapshotRecord(
        dataset=row.dataset,
        snapshot=row.snapshot,
        source_path=row.source_path,
        snapshot_time=row.snapshot_time,
        row_count=row.row_count,
        bytes=row.bytes,
        columns=dict(row.columns or {}),
        max_timestamp=row.max_timestamp,
        read_problems=tuple((row.read_problems or {}).get("problems", [])),
    )


def _finding_dict(r: FindingRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "fingerprint": r.fingerprint,
        "dataset": r.dataset,
        "snapshot": r.snapshot,
        "check": r.check,
        "check_type": r.check_type,
        "key": r.key,
        "severity": r.severity,
        "status": r.status,
        "message": r.message,
        "details": r.details,
        "source": r.source,
        "run_id": r.run_id,
        "alert_state": r.alert_state,
        "created_at": r.created_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
        "resolved_at": r.resolved_at.isoformat() if r.resolved_at else None,
    }
