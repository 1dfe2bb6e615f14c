"""Small frozen values passed between the alerting stages.

`AlertInput` is what the findings store hands in (one per finding); `Notification`
is the planner's decision about one message to one channel; `DeliveryRecord` is
what the ledger remembers about it. Nothing here imports dagster.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from dq_monitor.core.outcome import Severity

# What the ledger remembers lives with the ledger in the store; re-exported for the alerting stages.
from dq_monitor.store.alert_records import (  # noqa: F401
    IN_FLIGHT_STATUSES,
    NOTIFIED_STATUSES,
    DeliveryRecord,
    DeliveryStatus,
    GroupState,
    Silence,
    as_utc,
)


@dataclass(frozen=True)
class AlertInput:
    """One finding as the alerting stage sees it.

    `status` is the finding's status in the store: `open` alerts fire, `resolved`
    ones clear what was sent before. `links` maps a label to a URL (absolute, or a
    path under the Dagster UI `base_url`), e.g. ``{"drift report": "/artifacts/..."}``.
    """

    fingerprint: str
    dataset: str
    snapshot: str
    check: str
    severity: str
    message: str
    status: str = "open"
    check_type: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    owners: tuple[str, ...] = ()
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    updated_at: datetime | None = None
    links: Mapping[str, str] = field(default_factory=dict)
    asset: str = ""
    run_id: str | None = None
    source: str = "dq_monitor"
    resolved_at: datetime | None = None

    def __post_init__(self) -> None:
        severity = getattr(self.severity, "value", self.severity)
        object.__setattr__(self, "severity", str(severity).upper())
        if self.severity not in Severity.__members__:
            raise ValueError(f"finding {self.fingerprint} ({self.dataset}/{self.check}): unknown severity {severity!r}")
        if self.status not in ("open", "resolved"):
            raise ValueError(f"finding {self.fingerprint} ({self.dataset}/{self.check}): status must be "
                             f"'open' or 'resolved', got {self.status!r}")
        object.__setattr__(self, "owners", tuple(self.owners))
        object.__setattr__(self, "created_at", as_utc(self.created_at))

    @classmethod
    def from_finding(cls, row: Any, *, owners: Iterable[str] = (), links: Mapping[str, str] | None = None,
                     asset: str = "") -> "AlertInput":
        """An alert from a findings-store record (or a mapping with its fields; datetimes or ISO strings)."""
        if not isinstance(row, Mapping):
            row = vars(row)  # the store's frozen FindingRecord: datetimes stay datetimes

        def when(value: Any) -> datetime | None:
            if value is None or value == "":
                return None
            return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))

        return cls(
            fingerprint=str(row["fingerprint"]), dataset=str(row["dataset"]), snapshot=str(row["snapshot"]),
            check=str(row["check"]), severity=str(row["severity"]), message=str(row.get("message") or ""),
            status=str(row.get("status") or "open"), check_type=str(row.get("check_type") or ""),
            details=dict(row.get("details") or {}), owners=tuple(owners),
            created_at=when(row.get("created_at")) or datetime.now(timezone.utc),
            updated_at=when(row.get("updated_at")), links=dict(links or {}), asset=asset, run_id=row.get("run_id"),
            source=str(row.get("source") or "dq_monitor"),
            resolved_at=when(row.get("resolved_at")),
        )

    @property
    def firing(self) -> bool:
        return self.status == "open"

    @property
    def asset_key(self) -> str:
        return self.asset or self.dataset

    def labels(self) -> dict[str, str | tuple[str, ...]]:
        return {
            "dataset": self.dataset,
            "asset": self.asset_key,
            "snapshot": self.snapshot,
            "check": self.check,
            "check_type": self.check_type,
            "severity": self.severity,
            "owner": self.owners,
            "source": self.source,
            "status": self.status,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class Channel:
    """Where one message goes: an integration of a receiver, or an owner reached through one."""

    receiver: str
    integration: Literal["slack_webhook", "slack_bot", "email"]
    target: str = ""  # an owner's address or Slack handle; empty for configured receivers

    @property
    def id(self) -> str:
        if self.target:
            return f"owner:{self.target}/{self.integration}"
        return f"{self.receiver}/{self.integration}"


Action = Literal["send", "clear", "cancel"]


@dataclass(frozen=True)
class Notification:
    """The planner's decision about one alert group on one channel.

    `send`: deliver a message about `firing` (and `resolved`) alerts. `clear`: record,
    without sending, that everything notified before has resolved (send_resolved off).
    `cancel`: a retry in flight is no longer needed (its alerts were silenced or
    inhibited or resolved before it got through). `key` is deterministic, so two
    processes planning the same decision produce the same key and only one sends.
    """

    key: str
    channel: Channel
    group_key: str
    group_labels: Mapping[str, str]
    firing: tuple[AlertInput, ...]
    resolved: tuple[AlertInput, ...]
    action: Action = "send"
    reason: str = ""
    attempts: int = 0
    first_attempt_at: datetime | None = None
    supersedes: tuple[str, ...] = ()

    @property
    def receiver(self) -> str:
        return self.channel.id

    @property
    def firing_fingerprints(self) -> tuple[str, ...]:
        return tuple(sorted(a.fingerprint for a in self.firing))

    @property
    def resolved_fingerprints(self) -> tuple[str, ...]:
        return tuple(sorted(a.fingerprint for a in self.resolved))

    @property
    def set_hash(self) -> str:
        return fingerprint_set_hash(self.firing_fingerprints, self.resolved_fingerprints)

    @property
    def worst_severity(self) -> str:
        alerts = self.firing or self.resolved
        return max((a.severity for a in alerts), key=lambda s: Severity(s).rank, default="INFO")


def fingerprint_set_hash(firing: Iterable[str], resolved: Iterable[str]) -> str:
    raw = json.dumps([sorted(firing), sorted(resolved)], separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def notification_key(channel_id: str, group_key: str, set_hash: str, previous_key: str | None) -> str:
    """Same decision, same key: chained to the last notification so a repeat gets a new one."""
    raw = "\x1f".join([channel_id, group_key, set_hash, previous_key or ""])
    return hashlib.sha256(raw.encode()).hexdigest()[:40]
