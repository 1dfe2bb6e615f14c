"""Snapshots: what was ingested, and which earlier snapshots are clean enough to learn from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from dq_monitor.core.outcome import _jsonable
from dq_monitor.store import clean
from dq_monitor.store.engine import StoreBase, utcnow
from dq_monitor.store.records import SnapshotRecord
from dq_monitor.store.tables import Snapshot


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
        """Every ingested snapshot of `dataset`, ordered by (snapshot time, id)."""
        with self.session() as s:
            rows = s.scalars(
                select(Snapshot).where(Snapshot.dataset == dataset).order_by(Snapshot.snapshot_time, Snapshot.snapshot)
            ).all()
            return [_snapshot_record(r) for r in rows]

    def disqualified_snapshots(self, dataset: str, disqualifying: tuple[clean.Disqualifier, ...]) -> set[str]:
        """Snapshot ids of `dataset` that open findings keep out of clean history (see `store.clean`)."""
        findings = self.findings(dataset=dataset, status="open")  # type: ignore[attr-defined]
        marks = self.expected_marks(dataset) if any(d.forgivable for d in disqualifying) else []  # type: ignore[attr-defined]
        return clean.disqualified(findings, marks, disqualifying)

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
    )
