"""Snapshots: what was ingested, and which earlier snapshots are clean enough to learn from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dq_monitor.core.outcome import _jsonable
from dq_monitor.store import clean
from dq_monitor.store.engine import StoreBase, insert_missing
from dq_monitor.store.records import SnapshotRecord
from dq_monitor.store.tables import CheckEvaluation, Snapshot
from dq_monitor.store.urls import utcnow


class SnapshotsMixin(StoreBase):
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
        expected_checks: clean.ExpectedChecks | None = None,
    ) -> None:
        """Insert or update the snapshot's row; safe when two processes ingest the same snapshot at once.

        A re-ingest keeps `checked_at`: a snapshot checked once stays usable while it is checked again.
        """
        now = utcnow()
        values = dict(source_path=source_path, snapshot_time=snapshot_time, row_count=row_count, bytes=bytes,
                      columns=_jsonable(columns), max_timestamp=max_timestamp,
                      read_problems={"problems": _jsonable(read_problems or [])}, run_id=run_id, ingested_at=now,
                      expected_checks=expected_checks.to_json() if expected_checks else None)
        with self.session() as s:
            insert_missing(s, Snapshot, {"dataset": dataset, "snapshot": snapshot, **values},
                           ["dataset", "snapshot"])
            row = s.scalars(select(Snapshot).where(Snapshot.dataset == dataset, Snapshot.snapshot == snapshot)
                            .with_for_update()).one()
            for name, value in values.items():
                setattr(row, name, value)
            settle(s, row)

    def get_snapshot(self, dataset: str, snapshot: str) -> SnapshotRecord | None:
        with self.session() as s:
            row = s.scalars(select(Snapshot).where(Snapshot.dataset == dataset, Snapshot.snapshot == snapshot)).first()
            return _snapshot_record(row) if row else None

    def snapshots(self, dataset: str) -> list[SnapshotRecord]:
        """Every ingested snapshot of `dataset`, ordered by (snapshot time, id)."""
        with self.session() as s:
            rows = s.scalars(
                select(Snapshot).where(Snapshot.dataset == dataset).order_by(Snapshot.snapshot_time, Snapshot.snapshot)
            ).all()
            return [_snapshot_record(r) for r in rows]

    def disqualified_snapshots(self, dataset: str, disqualifying: tuple[clean.Disqualifier, ...]) -> set[str]:
        """Snapshot ids of `dataset` kept out of clean history (see `store.clean`): not completely checked, or
        holding open findings the policy does not forgive."""
        findings = self.findings(dataset=dataset, status="open")  # type: ignore[attr-defined]
        marks = self.expected_marks(dataset) if any(d.forgivable for d in disqualifying) else []  # type: ignore[attr-defined]
        with self.session() as s:
            unchecked = set(s.scalars(select(Snapshot.snapshot).where(Snapshot.dataset == dataset,
                                                                       Snapshot.checked_at.is_(None))))
        return unchecked | clean.disqualified(findings, marks, disqualifying)

    def clean_snapshots(self, dataset: str, *, disqualifying: tuple[clean.Disqualifier, ...],
                        before: SnapshotRecord | None = None) -> list[SnapshotRecord]:
        """Clean snapshots of `dataset`, oldest first; only those strictly before `before` when given.

        "Before" orders by (snapshot time, id), so snapshots with equal times still have a strict order.
        """
        bad = self.disqualified_snapshots(dataset, disqualifying)
        found = [s for s in self.snapshots(dataset) if s.snapshot not in bad]
        if before is not None:
            here = (before.snapshot_time, before.snapshot)
            found = [s for s in found if (s.snapshot_time, s.snapshot) < here]
        return found

    def unchecked_snapshots(self, dataset: str) -> list[SnapshotRecord]:
        """Snapshots of `dataset` not every check of which was evaluated (a killed run), oldest first."""
        return [s for s in self.snapshots(dataset) if not clean.completed(s)]

    def baseline_snapshot(self, dataset: str, snapshot: str, snapshot_time: datetime) -> SnapshotRecord | None:
        """The latest earlier snapshot without open schema/volume findings (the "previous" baseline)."""
        here = _position(dataset, snapshot, snapshot_time)
        earlier = self.clean_snapshots(dataset, disqualifying=clean.BASELINE, before=here)
        return earlier[-1] if earlier else None


def _position(dataset: str, snapshot: str, snapshot_time: datetime) -> SnapshotRecord:
    return SnapshotRecord(dataset, snapshot, "", snapshot_time, None, None, {})


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
        checked_at=row.checked_at,
    )


def settle(s: Session, row: Snapshot) -> None:
    """Stamp `checked_at` once every expected check of the snapshot has an evaluation (see `store.clean`)."""
    if row.checked_at is not None:
        return
    evaluated = {c: (p, sev) for c, p, sev in s.execute(
        select(CheckEvaluation.check, CheckEvaluation.passed, CheckEvaluation.severity)
        .where(CheckEvaluation.dataset == row.dataset, CheckEvaluation.snapshot == row.snapshot))}
    if evaluated and clean.evaluation_complete(clean.ExpectedChecks.from_json(row.expected_checks), evaluated):
        row.checked_at = utcnow()
