"""Send planned notifications and record every outcome in the ledger.

Each `send` is first claimed in the ledger (so a concurrent pass cannot send it
too), then tried up to `in_tick_attempts` times within this pass (tenacity;
waits honour Retry-After when it is short). What still fails is retried on a
later pass at `next_attempt_at` (exponential backoff, or Retry-After when
longer), until `give_up_after` has passed since the first try. Permanent errors
stop at once and are recorded with their reason. A receiver that failed in a
retryable way is not tried again in the same pass: its other notifications are
recorded as deferred to its next attempt time, so one dead server cannot eat a
sensor tick.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tenacity import Retrying, retry_if_result, stop_after_attempt

from dq_monitor.alerts.config import DeliveryPolicy
from dq_monitor.alerts.ledger import DeliveryLedger
from dq_monitor.alerts.model import Notification, as_utc
from dq_monitor.alerts.notifiers.base import Notifier, NotifyResult, Permanent, Retryable, Sent
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
        # A long Retry-After is honoured across passes instead of blocking this one.
        return isinstance(result, Retryable) and (result.retry_after is None or result.retry_after <= cap)

    def call() -> NotifyResult:
        try:
            return notifier.notify(n)
        except Exception as exc:  # a bug or an unforeseen transport error: keep the alert, retry later
            log.exception("alerts: notifier for %s raised unexpectedly", n.receiver)
            return Retryable(f"unexpected {type(exc).__name__}: {exc}")

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
    """Act on `notifications` (from `plan`), recording each in `ledger`; `notifiers` is keyed by (receiver, integration)."""
    install_log_masking(LOGGER_NAME)
    policy = policy or DeliveryPolicy()
    now = as_utc(now)
    tripped: dict[tuple[str, str], tuple[datetime, str]] = {}
    outcomes: list[DeliveryOutcome] = []
    for n in notifications:
        if n.action == "cancel":
            ledger.supersede([n.key], now)
            outcomes.append(DeliveryOutcome(n, "cancelled"))
            continue
        if n.action == "clear":
            ledger.supersede(list(n.supersedes), now)
            ledger.record_clear(n, now)
            outcomes.append(DeliveryOutcome(n, "cleared"))
            continue
        pair = (n.channel.receiver, n.channel.integration)
        notifier = notifiers.get(pair)
        if notifier is None:
            outcomes.append(DeliveryOutcome(n, "no_notifier"))
            continue
        if not ledger.claim(n, now, policy.claim_lease):
            outcomes.append(DeliveryOutcome(n, "claimed_elsewhere"))
            continue
        ledger.supersede(list(n.supersedes), now)
        if pair in tripped:
            when, why = tripped[pair]
            error = f"not tried: {n.channel.receiver}/{n.channel.integration} failed earlier in this pass: {why}"
            ledger.finish(n.key, now, status="retrying", error=error, next_attempt_at=when)
            outcomes.append(DeliveryOutcome(n, "deferred", 0, error, when))
            continue
        result, tries = _try(notifier, n, policy, sleep)
        outcomes.append(_record(n, result, tries, ledger, now, policy, tripped, pair))
    return outcomes


def _record(n: Notification, result: NotifyResult, tries: int, ledger: DeliveryLedger, now: datetime,
            policy: DeliveryPolicy, tripped: dict, pair: tuple[str, str]) -> DeliveryOutcome:
    if isinstance(result, Sent):
        ledger.finish(n.key, now, status="sent", tries=tries, payload_digest=result.payload_digest)
        log.info("alerts: sent %s to %s (%d firing, %d resolved)", n.reason or "notification", n.receiver,
                 len(n.firing), len(n.resolved))
        return DeliveryOutcome(n, "sent", tries)
    error = mask(result.error)
    if isinstance(result, Permanent):
        ledger.finish(n.key, now, status="failed", tries=tries, error=error, permanent=True,
                      payload_digest=result.payload_digest)
        log.error("alerts: delivery to %s failed permanently, not retrying: %s", n.receiver, error)
        return DeliveryOutcome(n, "failed", tries, error)
    attempts = n.attempts + tries
    first = n.first_attempt_at or now
    if now - first >= policy.give_up_after:
        reason = f"gave up after {attempts} attempts since {first.isoformat()}: {error}"
        ledger.finish(n.key, now, status="failed", tries=tries, error=reason, permanent=True,
                      payload_digest=result.payload_digest)
        log.error("alerts: delivery to %s %s", n.receiver, reason)
        return DeliveryOutcome(n, "failed", tries, reason)
    # Retry-After is the server telling us when; otherwise back off exponentially.
    if result.retry_after is not None:
        delay = timedelta(seconds=result.retry_after)
    else:
        delay = backoff(attempts, policy)
    when = now + delay
    tripped[pair] = (when, error)
    ledger.finish(n.key, now, status="retrying", tries=tries, error=error, next_attempt_at=when,
                  payload_digest=result.payload_digest)
    log.warning("alerts: delivery to %s failed (%s); retrying at %s", n.receiver, error, when.isoformat())
    return DeliveryOutcome(n, "retrying", tries, error, when)
