"""Send planned notifications and record every outcome in the ledger.

Each `send` is first claimed in the ledger (so a concurrent pass cannot send it
too), then tried up to `in_tick_attempts` times within this pass (tenacity;
waits honour Retry-After when it is short; a send that timed out after going out
is not re-sent in the same pass). What still fails is retried on a
later pass at `next_attempt_at` (exponential backoff, or Retry-After when
longer), until `give_up_after` has passed since the first try. Permanent errors
stop at once and are recorded with their reason.

A pass claims and records in batches (one transaction each) and sends up to
`concurrency` messages in parallel. Each receiver is probed with one message
first; a receiver that fails in a retryable way is not tried again in the same
pass: its other notifications are recorded as deferred to its next attempt
time, so one dead server cannot eat a sensor tick.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from tenacity import Retrying, retry_if_result, stop_after_attempt

from dq_monitor.alerts.config import DeliveryPolicy
from dq_monitor.alerts.ledger import DeliveryLedger, Finish
from dq_monitor.alerts.notifiers.base import (
    Notifier,
    NotifyResult,
    Permanent,
    Retryable,
    Sent,
)
from dq_monitor.alerts.records import Notification, as_utc
from dq_monitor.alerts.secrets import install_log_masking, mask

LOGGER_NAME = "dq_monitor.alerts"
log = logging.getLogger(LOGGER_NAME)


@dataclass(frozen=True)
class DeliveryOutcome:
    """What happened to one notification in this pass.

    status: `sent`, `retrying` (will be retried at `next_attempt_at`), `failed`
    (permanent or given up; `error` says why), `cleared`, `cancelled`, `deferred`
    (not tried: its receiver failed earlier in this pass), `claimed_elsewhere`
    (another pass owns it) or `no_notifier` (its receiver is not configured now).
    """

    notification: Notification
    status: str
    tries: int = 0
    error: str | None = None
    next_attempt_at: datetime | None = None


def backoff(attempts: int, policy: DeliveryPolicy) -> timedelta:
    """Delay before the next pass may retry, after `attempts` failed tries in total."""
    exponent = min(max(attempts - 1, 0), 30)
    return min(policy.backoff_initial * (2 ** exponent), policy.backoff_max)


def _in_tick_wait(policy: DeliveryPolicy) -> Callable[..., float]:
    cap = policy.in_tick_max_wait.total_seconds()

    def wait(retry_state) -> float:  # noqa: ANN001 - tenacity's RetryCallState
        result = retry_state.outcome.result()
        if isinstance(result, Retryable) and result.retry_after is not None:
            return min(result.retry_after, cap)
        return min(0.25 * 2 ** (retry_state.attempt_number - 1), cap)

    return wait


def _try(notifier: Notifier, n: Notification, policy: DeliveryPolicy,
         sleep: Callable[[float], None]) -> tuple[NotifyResult, int]:
    cap = policy.in_tick_max_wait.total_seconds()

    def worth_another_try(result: NotifyResult) -> bool:
        # A long Retry-After is honoured across passes instead of blocking this one; a send that may have
        # arrived (a read timeout) is retried by a later pass only, so a timeout costs at most one duplicate.
        return isinstance(result, Retryable) and not result.maybe_delivered and (
            result.retry_after is None or result.retry_after <= cap)

    def call() -> NotifyResult:
        try:
            return notifier.notify(n)
        except Exception as exc:  # a bug or an unforeseen transport error: keep the alert, retry later
            # No traceback: its frames' text could quote a secret; the masked message names the error.
            error = mask(f"unexpected {type(exc).__name__}: {exc}")
            log.error("alerts: notifier for %s raised: %s", n.receiver, error)
            return Retryable(error)

    retrying = Retrying(
        stop=stop_after_attempt(policy.in_tick_attempts),
        wait=_in_tick_wait(policy),
        retry=retry_if_result(worth_another_try),
        sleep=sleep,
        retry_error_callback=lambda state: state.outcome.result(),
    )
    tries = 0

    def counted() -> NotifyResult:
        nonlocal tries
        tries += 1
        return call()

    return retrying(counted), tries


def deliver(
    notifications: Sequence[Notification],
    notifiers: Mapping[tuple[str, str], Notifier],
    ledger: DeliveryLedger,
    now: datetime,
    *,
    policy: DeliveryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[DeliveryOutcome]:
    """Act on `notifications` (from `plan`) and record each in `ledger`.

    `notifiers` is keyed by (receiver, integration).

    Sends are handled in batches of `policy.batch_size`: one transaction claims the
    batch, up to `policy.concurrency` messages go out in parallel, one transaction
    records the outcomes. A crash between sending and recording re-sends once the
    claim lease expires (at-least-once), never silently drops.
    """
    install_log_masking(LOGGER_NAME)
    policy = policy or DeliveryPolicy()
    now = as_utc(now)
    outcomes, sends = _settle_without_sending(notifications, notifiers, ledger, now)
    send = partial(_send_one, notifiers=notifiers, breaker=_Breaker(), policy=policy, sleep=sleep, now=now)
    with ThreadPoolExecutor(max_workers=policy.concurrency, thread_name_prefix="dq-alerts") as pool:
        for start in range(0, len(sends), policy.batch_size):
            batch = {i: notifications[i] for i in sends[start:start + policy.batch_size]}
            outcomes.update(_deliver_batch(batch, ledger, now, policy, pool, send))
    return [outcomes[i] for i in range(len(notifications))]


def _settle_without_sending(notifications: Sequence[Notification], notifiers: Mapping[tuple[str, str], Notifier],
                            ledger: DeliveryLedger, now: datetime) -> tuple[dict[int, DeliveryOutcome], list[int]]:
    """Record cancels and clears, note notifications without a notifier; return those and what is left to send."""
    outcomes: dict[int, DeliveryOutcome] = {}
    sends: list[int] = []
    for i, n in enumerate(notifications):
        if n.action == "cancel":
            ledger.supersede([n.key], now)
            outcomes[i] = DeliveryOutcome(n, "cancelled")
        elif n.action == "clear":
            ledger.supersede(list(n.supersedes), now)
            ledger.record_clear(n, now)
            outcomes[i] = DeliveryOutcome(n, "cleared")
        elif (n.channel.receiver, n.channel.integration) not in notifiers:
            outcomes[i] = DeliveryOutcome(n, "no_notifier")
        else:
            sends.append(i)
    return outcomes, sends


def _deliver_batch(batch: dict[int, Notification], ledger: DeliveryLedger, now: datetime, policy: DeliveryPolicy,
                   pool: ThreadPoolExecutor,
                   send: Callable[[Notification], tuple[DeliveryOutcome, Finish]]) -> dict[int, DeliveryOutcome]:
    """Claim the batch in one transaction, send what this pass claimed, record the outcomes in one transaction."""
    outcomes: dict[int, DeliveryOutcome] = {}
    claimed = ledger.claim_many(list(batch.values()), now, policy.claim_lease)
    mine = [i for i, n in batch.items() if n.key in claimed]
    for i, n in batch.items():
        if n.key not in claimed:
            outcomes[i] = DeliveryOutcome(n, "claimed_elsewhere")
    ledger.supersede([k for i in mine for k in batch[i].supersedes], now)

    # One probe per receiver first, so a receiver that is down costs one timeout, not `concurrency`.
    probes: dict[tuple[str, str], int] = {}
    for i in mine:
        probes.setdefault((batch[i].channel.receiver, batch[i].channel.integration), i)
    first = list(probes.values())
    rest = [i for i in mine if i not in set(first)]
    results = dict(zip(first, pool.map(send, [batch[i] for i in first])))
    results.update(zip(rest, pool.map(send, [batch[i] for i in rest])))
    ledger.finish_many([results[i][1] for i in mine], now)
    for i in mine:
        outcomes[i] = results[i][0]
        _log(results[i][0])
    return outcomes


def _send_one(n: Notification, *, notifiers: Mapping[tuple[str, str], Notifier], breaker: _Breaker,
              policy: DeliveryPolicy, sleep: Callable[[float], None], now: datetime) -> tuple[DeliveryOutcome, Finish]:
    pair = (n.channel.receiver, n.channel.integration)
    tripped = breaker.tripped(pair)
    if tripped is not None:
        when, why = tripped
        error = f"not tried: {pair[0]}/{pair[1]} failed earlier in this pass: {why}"
        return (DeliveryOutcome(n, "deferred", 0, error, when),
                Finish(n.key, "retrying", error=error, next_attempt_at=when))
    result, tries = _try(notifiers[pair], n, policy, sleep)
    outcome, finish = _judge(n, result, tries, now, policy)
    if outcome.status == "retrying":
        breaker.trip(pair, outcome.next_attempt_at, outcome.error or "")  # type: ignore[arg-type]
    return outcome, finish


class _Breaker:
    """Receivers that failed in a retryable way during this pass, and until when to leave them alone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[str, str], tuple[datetime, str]] = {}

    def tripped(self, pair: tuple[str, str]) -> tuple[datetime, str] | None:
        with self._lock:
            return self._open.get(pair)

    def trip(self, pair: tuple[str, str], until: datetime, why: str) -> None:
        with self._lock:
            self._open.setdefault(pair, (until, why))


def _judge(n: Notification, result: NotifyResult, tries: int, now: datetime,
           policy: DeliveryPolicy) -> tuple[DeliveryOutcome, Finish]:
    if isinstance(result, Sent):
        return DeliveryOutcome(n, "sent", tries), Finish(n.key, "sent", tries, payload_digest=result.payload_digest)
    error = mask(result.error)
    if isinstance(result, Permanent):
        return (DeliveryOutcome(n, "failed", tries, error),
                Finish(n.key, "failed", tries, error, True, payload_digest=result.payload_digest))
    attempts = n.attempts + tries
    first = n.first_attempt_at or now
    if now - first >= policy.give_up_after:
        reason = f"gave up after {attempts} attempts since {first.isoformat()}: {error}"
        return (DeliveryOutcome(n, "failed", tries, reason),
                Finish(n.key, "failed", tries, reason, True, payload_digest=result.payload_digest))
    # Retry-After is the server telling us when; otherwise back off exponentially.
    if result.retry_after is not None:
        delay = timedelta(seconds=result.retry_after)
    else:
        delay = backoff(attempts, policy)
    when = now + delay
    return (DeliveryOutcome(n, "retrying", tries, error, when),
            Finish(n.key, "retrying", tries, error, next_attempt_at=when, payload_digest=result.payload_digest))


def _log(o: DeliveryOutcome) -> None:
    n = o.notification
    if o.status == "sent":
        log.info("alerts: sent %s to %s (%d firing, %d resolved)", n.reason or "notification", n.receiver,
                 len(n.firing), len(n.resolved))
    elif o.status == "failed":
        log.error("alerts: delivery to %s failed permanently, not retrying: %s", n.receiver, o.error)
    elif o.status == "retrying":
        log.warning("alerts: delivery to %s failed (%s); retrying at %s", n.receiver, o.error,
                    o.next_attempt_at.isoformat() if o.next_attempt_at else "?")
