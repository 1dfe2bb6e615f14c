"""Frozen records the store returns (datetimes stay datetimes; `to_dict` is for JSON output)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


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
    checked_at: datetime | None = None  # None: not every check of it has been evaluated (see `store.clean`)


@dataclass(frozen=True)
class FindingRecord:
    """One finding as stored: open or resolved, with its alert state."""

    id: int
    fingerprint: str
    dataset: str
    snapshot: str
    check: str
    check_type: str
    key: str
    severity: str
    status: str
    message: str
    details: dict[str, Any]
    source: str
    run_id: str | None
    alert_state: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (ISO datetimes), the fields `dq-monitor findings --format json` prints."""
        return {k: _iso(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class EvaluationRecord:
    """The latest evaluation of one check on one snapshot."""

    dataset: str
    snapshot: str
    check: str
    passed: bool
    severity: str
    message: str
    metadata: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None
    evaluated_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: _iso(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class ExpectedMarkRecord:
    """A user's statement that a snapshot's behaviour was expected (`check` empty: the whole snapshot)."""

    dataset: str
    snapshot: str
    check: str
    reason: str
    marked_by: str
    marked_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {k: _iso(v) for k, v in asdict(self).items()}
