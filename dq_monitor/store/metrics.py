"""Metric history: one value per dataset, snapshot and metric."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dq_monitor.store.engine import StoreBase
from dq_monitor.store.tables import Metric, Snapshot
from dq_monitor.store.urls import utcnow


class MetricsMixin(StoreBase):
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

    def metric_series(self, dataset: str, metric: str, *, keep: str | None = None) -> list[tuple[datetime, str, float | None]]:
        """(observed_at, snapshot, value) for one metric, oldest first.

        Snapshots not every check of which was evaluated (a killed run) are left out, except `keep`:
        the snapshot being judged, whose own checks are still running.
        """
        unchecked = (select(Snapshot.snapshot)
                     .where(Snapshot.dataset == dataset, Snapshot.checked_at.is_(None), Snapshot.snapshot != (keep or "")))
        with self.session() as s:
            rows = s.execute(
                select(Metric.observed_at, Metric.snapshot, Metric.value)
                .where(Metric.dataset == dataset, Metric.metric == metric, Metric.snapshot.not_in(unchecked))
                .order_by(Metric.observed_at, Metric.snapshot)
            ).all()
            return [(r[0], r[1], r[2]) for r in rows]

    def metrics_for_snapshot(self, dataset: str, snapshot: str) -> dict[str, float | None]:
        with self.session() as s:
            rows = s.execute(
                select(Metric.metric, Metric.value).where(Metric.dataset == dataset, Metric.snapshot == snapshot)
            ).all()
            return {r[0]: r[1] for r in rows}


def _as_float(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if v == v and v not in (float("inf"), float("-inf")) else None
