"""What the report shows, read from the findings store in a few bulk queries (read-only).

The time axis is the store's snapshot time, never when a run happened: a backfill of a year
still draws a year.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from dq_monitor.store import EvaluationRecord, FindingRecord, SnapshotRecord

RANK = {"pass": 0, "INFO": 1, "WARN": 2, "ERROR": 3}
NOT_EVALUATED = "not evaluated"
NORMAL_SUFFIX = "_is_normal"
DATASET_LEVEL = "-"  # the snapshot id of checks on the whole dataset (source availability): not a matrix column
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass
class DatasetData:
    """One dataset (or user's asset): its snapshots in time order, their evaluations and open findings."""

    name: str
    snapshots: list[SnapshotRecord] = field(default_factory=list)
    times: dict[str, datetime] = field(default_factory=dict)  # snapshot id -> snapshot time
    evaluations: dict[str, list[EvaluationRecord]] = field(default_factory=lambda: defaultdict(list))
    findings: list[FindingRecord] = field(default_factory=list)
    _by_check: dict[tuple[str, str], EvaluationRecord] | None = field(default=None, repr=False)

    @property
    def order(self) -> list[str]:
        """Snapshot ids by snapshot time (evaluated snapshots the store has no row for included)."""
        return sorted(self.times, key=lambda s: (self.times[s], s))

    def evaluation(self, snapshot: str, check: str) -> EvaluationRecord | None:
        if self._by_check is None:
            self._by_check = {(e.snapshot, e.check): e for evs in self.evaluations.values() for e in evs}
        return self._by_check.get((snapshot, check))

    def cell(self, snapshot: str) -> str:
        """Worst severity of the snapshot's failed checks and open findings; 'pass' or 'not evaluated'."""
        evaluations = [e for e in self.evaluations.get(snapshot, ()) if not e.metadata.get("not_evaluated")]
        if not evaluations:
            return NOT_EVALUATED
        severities = [e.severity for e in evaluations if not e.passed]
        severities += [f.severity for f in self.findings if f.snapshot == snapshot]
        return max(severities, key=lambda s: RANK.get(s, 0), default="pass")

    def metric_checks(self) -> list[str]:
        """The `<dataset>_<metric>_is_normal` checks that ran on any snapshot, sorted."""
        return sorted({e.check for evs in self.evaluations.values() for e in evs
                       if e.check.endswith(NORMAL_SUFFIX) and "observed" in e.metadata})


@dataclass
class ReportData:
    datasets: list[DatasetData]
    generated_at: datetime
    since: datetime | None = None

    def open_findings(self) -> list[FindingRecord]:
        return [f for d in self.datasets for f in d.findings]


def load(store: Any, *, since: datetime | None = None, now: datetime | None = None,
         dataset: str | None = None) -> ReportData:
    """Every dataset the store has evaluations or open findings for (or only `dataset`), snapshots at or after `since`.

    A snapshot without a row in `snapshots` (a check on a user's own asset) is placed at the time
    it was first evaluated.
    """
    from dq_monitor.store import utcnow

    evaluations, findings, snapshots = _read(store, dataset)
    names = sorted({e.dataset for e in evaluations} | {f.dataset for f in findings})
    by_name = {n: DatasetData(n) for n in names}
    for snap in snapshots:
        if snap.dataset in by_name:
            by_name[snap.dataset].snapshots.append(snap)
            by_name[snap.dataset].times[snap.snapshot] = snap.snapshot_time
    rowless: dict[tuple[str, str], datetime] = {}
    seen = [(e.dataset, e.snapshot, e.evaluated_at) for e in evaluations]
    for name, snapshot, when in seen + [(f.dataset, f.snapshot, f.created_at) for f in findings]:
        if snapshot not in by_name[name].times and snapshot != DATASET_LEVEL:
            when = when or EPOCH
            key = (name, snapshot)
            rowless[key] = min(when, rowless.get(key, when))
    for (name, snapshot), when in rowless.items():
        by_name[name].times[snapshot] = when
    if since is not None:
        for d in by_name.values():
            d.times = {k: t for k, t in d.times.items() if t >= since}
            d.snapshots = [s for s in d.snapshots if s.snapshot in d.times]
    for e in evaluations:
        if e.snapshot in by_name[e.dataset].times or e.snapshot == DATASET_LEVEL:
            by_name[e.dataset].evaluations[e.snapshot].append(e)
    for f in findings:
        if f.snapshot in by_name[f.dataset].times or f.snapshot == DATASET_LEVEL:
            by_name[f.dataset].findings.append(f)
    return ReportData(list(by_name.values()), now or utcnow(), since)


def _read(store: Any, dataset: str | None = None
          ) -> tuple[list[EvaluationRecord], list[FindingRecord], list[SnapshotRecord]]:
    """Every evaluation, open finding and snapshot (of `dataset`, or all) in three column selects.

    Plain column selects instead of the store's per-dataset ORM reads: a year of 50 datasets is
    ~40k rows and the ORM's object building would take most of the 10 s budget.
    """
    from sqlalchemy import select

    from dq_monitor.store.tables import CheckEvaluation as E
    from dq_monitor.store.tables import Snapshot as S

    evaluation_query = select(E.dataset, E.snapshot, E.check, E.passed, E.severity, E.message, E.metadata_json,
                              E.run_id, E.evaluated_at).order_by(E.dataset, E.snapshot, E.check)
    snapshot_query = select(S.dataset, S.snapshot, S.source_path, S.snapshot_time, S.row_count, S.bytes, S.columns,
                            S.max_timestamp).order_by(S.dataset, S.snapshot_time, S.snapshot)
    if dataset is not None:
        evaluation_query, snapshot_query = evaluation_query.where(E.dataset == dataset), \
            snapshot_query.where(S.dataset == dataset)
    with store.session() as s:
        evaluations = [EvaluationRecord(*r[:6], dict(r[6] or {}), r[7], r[8]) for r in s.execute(evaluation_query)]
        snapshots = [SnapshotRecord(*r[:6], dict(r[6] or {}), r[7]) for r in s.execute(snapshot_query)]
    findings = store.findings(dataset=dataset, status="open")
    return evaluations, findings, snapshots
