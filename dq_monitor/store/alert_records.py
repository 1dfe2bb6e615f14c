"""Frozen records of the alert delivery ledger: deliveries, group states, silences, outcomes.

The alerting stage (`dq_monitor.alerts`) plans and sends; these are what the ledger
(`store.alert_ledger`) remembers and hands back. A silence's matchers are checked with the
shared `core.matchers`, so a silence with an unknown label is refused before it is stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, Protocol

from dq_monitor.core.matchers import Labels, Matcher, all_match, parse_matcher

DeliveryStatus = Literal["sending", "retrying", "sent", "failed", "cleared", "superseded"]
#: Statuses that record what the channel last knows about a group.
NOTIFIED_STATUSES = ("sent", "cleared", "failed")
#: Statuses of a delivery that still has to go out.
IN_FLIGHT_STATUSES = ("sending", "retrying")


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class PlannedDelivery(Protocol):
    """What the ledger reads of a planned notification (`alerts.records.Notification` has it)."""

    @property
    def key(self) -> str: ...

    @property
    def receiver(self) -> str: ...

    @property
    def group_key(self) -> str: ...

    @property
    def set_hash(self) -> str: ...

    @property
    def firing_fingerprints(self) -> tuple[str, ...]: ...

    @property
    def resolved_fingerprints(self) -> tuple[str, ...]: ...

    @property
    def attempts(self) -> int: ...

    @property
    def first_attempt_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class DeliveryRecord:
    """One notification to one channel, as the ledger remembers it."""

    key: str
    receiver: str
    group_key: str
    set_hash: str
    firing: tuple[str, ...]
    resolved: tuple[str, ...]
    status: str
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    permanent: bool = False
    sent_at: datetime | None = None
    payload_digest: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    first_attempt_at: datetime | None = None
    claimed_until: datetime | None = None


@dataclass(frozen=True)
class GroupState:
    """What the ledger knows about one (channel, group): the last notification and any retry in flight."""

    notified: DeliveryRecord | None = None
    in_flight: DeliveryRecord | None = None


@dataclass(frozen=True)
class Finish:
    """The outcome of the tries made under a claim, as `finish_many` records it."""

    key: str
    status: str
    tries: int = 0
    error: str | None = None
    permanent: bool = False
    next_attempt_at: datetime | None = None
    payload_digest: str | None = None


@dataclass(frozen=True)
class Silence:
    """Mute alerts matching every matcher between `starts_at` and `ends_at`."""

    id: str
    matchers: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str = ""
    comment: str = ""

    def __post_init__(self) -> None:
        if not self.matchers:
            raise ValueError("a silence needs at least one matcher (e.g. dataset=payments)")
        object.__setattr__(self, "matchers", tuple(str(parse_matcher(m)) for m in self.matchers))
        object.__setattr__(self, "starts_at", as_utc(self.starts_at))
        object.__setattr__(self, "ends_at", as_utc(self.ends_at))
        if self.ends_at <= self.starts_at:
            raise ValueError(f"silence {self.id}: ends_at ({self.ends_at}) must be after starts_at ({self.starts_at})")

    def compiled(self) -> tuple[Matcher, ...]:
        return tuple(parse_matcher(m) for m in self.matchers)

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def mutes(self, labels: Labels, now: datetime) -> bool:
        return self.active(now) and all_match(self.compiled(), labels)


def new_silence_id() -> str:
    return uuid.uuid4().hex[:12]


class SilenceNotFound(KeyError):
    def __str__(self) -> str:
        return f"no silence with id {self.args[0]!r}"
