"""Check evaluations, findings (the alert pass's outbox) and users' expected marks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dq_monitor.core.outcome import CheckOutcome, Finding, _jsonable
from dq_monitor.store.engine import StoreBase
from dq_monitor.store.records import EvaluationRecord, ExpectedMarkRecord, FindingRecord
from dq_monitor.store.snapshots import settle
from dq_monitor.store.tables import CheckEvaluation, ExpectedMark
from dq_monitor.store.tables import Finding as FindingRow
from dq_monitor.store.tables import Snapshot as SnapshotRow
from dq_monitor.store.urls import utcnow


class FindingsMixin(StoreBase):
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
                    self._settle_snapshot(s, dataset, snapshot)
                break
            except IntegrityError:
                # A concurrent writer inserted the same keys first; the retry updates them.
                if attempt == 2:
                    raise
        if outcome.metrics:
            self.record_metrics(  # type: ignore[attr-defined]
                dataset, snapshot, outcome.metrics, observed_at or now)

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

    def _settle_snapshot(self, s: Session, dataset: str, snapshot: str) -> None:
        row = s.scalars(select(SnapshotRow).where(SnapshotRow.dataset == dataset,
                                                  SnapshotRow.snapshot == snapshot)).first()
        if row is not None:
            settle(s, row)

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

    def set_alert_states(self, states: dict[str, str]) -> None:
        """Record what the alert pass did with each finding (pending, sent, silenced, failed, ...)."""
        if not states:
            return
        with self.session() as s:
            for row in s.scalars(select(FindingRow).where(FindingRow.fingerprint.in_(list(states)))):
                row.alert_state = states[row.fingerprint][:20]

    def alertable_findings(self, resolved_since: datetime) -> list[FindingRecord]:
        """Every open finding plus those resolved since `resolved_since` (the alert pass's input)."""
        q = select(FindingRow).where(
            (FindingRow.status == "open") | (FindingRow.resolved_at >= resolved_since)
        ).order_by(FindingRow.created_at, FindingRow.id)
        with self.session() as s:
            return [_finding_record(r) for r in s.scalars(q)]

    def findings(
        self,
        *,
        dataset: str | None = None,
        snapshot: str | None = None,
        check: str | None = None,
        since: datetime | None = None,
        status: str | None = None,
        severities: Iterable[str] | None = None,
    ) -> list[FindingRecord]:
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
            return [_finding_record(r) for r in s.scalars(q)]

    def evaluations(self, *, dataset: str | None = None, snapshot: str | None = None) -> list[EvaluationRecord]:
        q = select(CheckEvaluation)
        if dataset:
            q = q.where(CheckEvaluation.dataset == dataset)
        if snapshot:
            q = q.where(CheckEvaluation.snapshot == snapshot)
        q = q.order_by(CheckEvaluation.dataset, CheckEvaluation.snapshot, CheckEvaluation.check)
        with self.session() as s:
            return [EvaluationRecord(r.dataset, r.snapshot, r.check, r.passed, r.severity, r.message,
                                     dict(r.metadata_json or {}), r.run_id, r.evaluated_at)
                    for r in s.scalars(q)]

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

    def expected_marks(self, dataset: str, check: str | None = None) -> list[ExpectedMarkRecord]:
        q = select(ExpectedMark).where(ExpectedMark.dataset == dataset)
        if check is not None:
            q = q.where(ExpectedMark.check.in_([check, ""]))
        with self.session() as s:
            return [ExpectedMarkRecord(r.dataset, r.snapshot, r.check, r.reason, r.marked_by, r.marked_at)
                    for r in s.scalars(q.order_by(ExpectedMark.marked_at))]


def _finding_record(r: FindingRow) -> FindingRecord:
    return FindingRecord(
        id=r.id, fingerprint=r.fingerprint, dataset=r.dataset, snapshot=r.snapshot, check=r.check,
        check_type=r.check_type, key=r.key, severity=r.severity, status=r.status, message=r.message,
        details=dict(r.details or {}), source=r.source, run_id=r.run_id, alert_state=r.alert_state,
        created_at=r.created_at, updated_at=r.updated_at, resolved_at=r.resolved_at,
    )
