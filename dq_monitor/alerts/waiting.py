"""What is waiting after a pass, in words: which receiver's deliveries wait for a retry, until when, and why.

`alerts flush` and the alert sensor print it, so "nothing to send; 507 alerts held" never leaves a
reader guessing whether the alerts are silenced, grouped or stuck behind a dead SMTP server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from dq_monitor.alerts.records import DeliveryRecord
from dq_monitor.alerts.secrets import mask


@dataclass(frozen=True)
class Waiting:
    """One receiver's deliveries that wait for their next attempt."""

    receiver: str
    deliveries: int
    alerts: int
    next_attempt_at: datetime | None
    attempts: int
    last_error: str | None

    def describe(self, now: datetime) -> str:
        when = "now"
        if self.next_attempt_at is not None and self.next_attempt_at > now:
            seconds = (self.next_attempt_at - now).total_seconds()
            when = f"{self.next_attempt_at.isoformat(timespec='seconds')} (in {seconds:.0f} s)"
        text = (f"{self.receiver}: {self.deliveries} deliveries ({self.alerts} alerts) wait for a retry "
                f"at {when} after {self.attempts} attempt{'s' if self.attempts != 1 else ''}")
        return text + (f"; last error: {self.last_error}" if self.last_error else "")

    def as_dict(self) -> dict[str, object]:
        return {"receiver": self.receiver, "deliveries": self.deliveries, "alerts": self.alerts,
                "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
                "attempts": self.attempts, "last_error": self.last_error}


def waiting(records: Iterable[DeliveryRecord]) -> list[Waiting]:
    """Per receiver, the deliveries in `records` waiting for a retry (earliest next attempt, worst error)."""
    by_receiver: dict[str, list[DeliveryRecord]] = {}
    for rec in records:
        if rec.status == "retrying":
            by_receiver.setdefault(rec.receiver, []).append(rec)
    out = []
    for receiver, recs in sorted(by_receiver.items()):
        times = [r.next_attempt_at for r in recs if r.next_attempt_at is not None]
        tried = max(recs, key=lambda r: r.attempts)  # the probe: its error is the receiver's, not "not tried"
        alerts = len({fp for r in recs for fp in r.firing + r.resolved})
        out.append(Waiting(receiver, len(recs), alerts, min(times) if times else None, tried.attempts,
                           mask(tried.last_error) if tried.last_error else None))
    return out


def held_reasons(held: Mapping[str, str], limit: int = 5) -> list[str]:
    """The commonest reasons alerts were held this pass, as `N alerts: reason` lines."""
    counts = Counter(held.values()).most_common()
    lines = [f"{n} alert{'s' if n != 1 else ''}: {why}" for why, n in counts[:limit]]
    if len(counts) > limit:
        lines.append(f"{sum(n for _, n in counts[limit:])} alerts: {len(counts) - limit} other reasons")
    return lines
