"""Typed SQLAlchemy 2.0 models of every table in the findings store (alert ledger included).

The schema is owned by the alembic revisions in `migrations/versions`; a test
fails when these models and the migrations disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dq_monitor.store.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, datetime: UTCDateTime()}


class Snapshot(Base):
    """One ingested snapshot of a dataset (a partition of its assets)."""

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("dataset", "snapshot", name="uq_snapshots_dataset_snapshot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset: Mapped[str] = mapped_column(String(200), index=True)
    snapshot: Mapped[str] = mapped_column(String(400))
    source_path: Mapped[str] = mapped_column(Text)
    snapshot_time: Mapped[datetime]
    row_count: Mapped[int | None] = mapped_column(Integer)
    bytes: Mapped[int | None] = mapped_column(Integer)
    columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    max_timestamp: Mapped[datetime | None]
    read_problems: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_id: Mapped[str | None] = mapped_column(String(64))
    ingested_at: Mapped[datetime]
    #: The checks the ingesting run evaluates (`store.clean.ExpectedChecks.to_json`); None: any one evaluation completes it.
    expected_checks: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: When every expected check had an evaluation; None: never completely checked (e.g. its run was killed).
    checked_at: Mapped[datetime | None]


class CheckEvaluation(Base):
    """Latest evaluation of one check on one snapshot (re-runs update it)."""

    __tablename__ = "check_evaluations"
    __table_args__ = (UniqueConstraint("dataset", "snapshot", "check", name="uq_check_evaluations_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset: Mapped[str] = mapped_column(String(200), index=True)
    snapshot: Mapped[str] = mapped_column(String(400))
    check: Mapped[str] = mapped_column(String(300))
    asset_key: Mapped[str] = mapped_column(String(400), default="")
    passed: Mapped[bool] = mapped_column(Boolean)
    severity: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text, default="")
    metadata_json: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    source: Mapped[str] = mapped_column(String(50), default="dq_monitor")
    run_id: Mapped[str | None] = mapped_column(String(64))
    evaluated_at: Mapped[datetime]


class Finding(Base):
    """A problem found by a check; the outbox the alert sensor reads."""

    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_dataset_snapshot_check", "dataset", "snapshot", "check"),
        Index("ix_findings_alert_state", "alert_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    dataset: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[str] = mapped_column(String(400))
    check: Mapped[str] = mapped_column(String(300))
    check_type: Mapped[str] = mapped_column(String(50), default="")
    key: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="open")
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(50), default="dq_monitor")
    run_id: Mapped[str | None] = mapped_column(String(64))
    alert_state: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class Metric(Base):
    """Metric history: one value per dataset, snapshot, metric (and column)."""

    __tablename__ = "metrics"
    __table_args__ = (
        UniqueConstraint("dataset", "snapshot", "metric", name="uq_metrics_key"),
        Index("ix_metrics_dataset_metric_time", "dataset", "metric", "observed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[str] = mapped_column(String(400))
    metric: Mapped[str] = mapped_column(String(400))
    value: Mapped[float | None] = mapped_column(Float)
    observed_at: Mapped[datetime]
    recorded_at: Mapped[datetime]


class ExpectedMark(Base):
    """A user's statement that a snapshot's behaviour was expected (e.g. a holiday)."""

    __tablename__ = "expected_marks"
    __table_args__ = (UniqueConstraint("dataset", "snapshot", "check", name="uq_expected_marks_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[str] = mapped_column(String(400))
    check: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    marked_by: Mapped[str] = mapped_column(String(200), default="")
    marked_at: Mapped[datetime]


class AlertDelivery(Base):
    """One notification to one channel: claimed before sending, then sent, retried or settled.

    `key` is unique and a claim is a conditional update, so two processes that planned the same
    notification never both send it.
    """

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        Index("ix_alert_deliveries_group", "group_hash", "receiver", "status"),
        Index("ix_alert_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    receiver: Mapped[str] = mapped_column(String(400))
    group_key: Mapped[str] = mapped_column(Text)
    group_hash: Mapped[str] = mapped_column(String(40))
    set_hash: Mapped[str] = mapped_column(String(40))
    firing: Mapped[list[str]] = mapped_column(JSON)
    resolved: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None]
    payload_digest: Mapped[str | None] = mapped_column(String(64))
    first_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AlertSilence(Base):
    """Mute alerts matching every matcher between `starts_at` and `ends_at`."""

    __tablename__ = "alert_silences"
    __table_args__ = (Index("ix_alert_silences_ends_at", "ends_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    matchers: Mapped[list[str]] = mapped_column(JSON)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(Text, default="")


def target_metadata() -> list:
    """Every table the migrations own."""
    return [Base.metadata]
