"""What the alerting stages need from the delivery ledger.

`plan` reads group states and retries in flight; `deliver` claims deliveries before sending and
records how they ended; the CLI manages silences. The ledger itself lives in the findings store
(`dq_monitor.store.alert_ledger.SqlDeliveryLedger`, re-exported by `dq_monitor.alerts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from dq_monitor.alerts.records import Notification
from dq_monitor.store.alert_records import DeliveryRecord, Finish, GroupState, Silence


@runtime_checkable
class DeliveryLedger(Protocol):
    def group_states(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], GroupState]: ...

    def in_flight(self) -> list[DeliveryRecord]:
        """Deliveries still to go out (being sent or waiting for a retry)."""

    def claim_many(self, notifications: Sequence[Notification], now: datetime, lease: timedelta) -> set[str]:
        """Take the right to send these now, in one transaction; returns the keys this caller got."""

    def finish_many(self, finishes: Sequence[Finish], now: datetime) -> None:
        """Record outcomes of claimed deliveries, in one transaction."""

    def record_clear(self, notification: Notification, now: datetime) -> None: ...

    def supersede(self, keys: Sequence[str], now: datetime) -> None: ...

    def deliveries(self, *, receiver: str | None = None, status: str | None = None,
                   limit: int | None = None) -> list[DeliveryRecord]: ...

    def add_silence(self, matchers: Sequence[str], ends_at: datetime, *, starts_at: datetime | None = None,
                    created_by: str = "", comment: str = "") -> Silence: ...

    def silences(self, now: datetime | None = None, *, include_expired: bool = False) -> list[Silence]: ...

    def expire_silence(self, silence_id: str, now: datetime) -> Silence: ...
