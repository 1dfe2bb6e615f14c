"""The one-method notifier contract (after Alertmanager's `notify.Notifier`).

A notifier renders a notification for its medium, sends it once, and says how it
went: `Sent`, `Retryable` (the same message may succeed later; `retry_after` is
the server's hint in seconds) or `Permanent` (retrying cannot help: bad token,
unknown channel, rejected address). Retrying, backoff and bookkeeping belong to
`deliver`, not to the notifier. Error texts are masked of secrets.

`Retryable(maybe_delivered=True)` says the request went out but no answer came (a read
timeout): the server may have taken the message, so `deliver` does not re-send it in the
same pass -- a later pass does (at-least-once: at most one duplicate per such timeout).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from dq_monitor.alerts.records import Notification
from dq_monitor.alerts.secrets import mask


@dataclass(frozen=True)
class Sent:
    payload_digest: str = ""
    ok = True


@dataclass(frozen=True)
class Retryable:
    error: str
    retry_after: float | None = None
    payload_digest: str = ""
    maybe_delivered: bool = False
    ok = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", mask(self.error))


@dataclass(frozen=True)
class Permanent:
    error: str
    payload_digest: str = ""
    ok = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", mask(self.error))


NotifyResult = Sent | Retryable | Permanent


class Notifier(Protocol):
    def notify(self, notification: Notification) -> NotifyResult: ...


def digest(payload: bytes | str) -> str:
    data = payload.encode() if isinstance(payload, str) else payload
    return hashlib.sha256(data).hexdigest()


def parse_retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(str(value).strip())
    except ValueError:
        return None  # an HTTP date: rare for Slack; fall back to our own backoff
    return max(seconds, 0.0)
