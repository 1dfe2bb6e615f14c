"""One routing-and-delivery pass, shared by the alert sensor and `dq-monitor alerts flush`.

`build_notifiers` reads each receiver's environment variables *now* (never at
import or config-load time); a receiver whose variables are unset is skipped
with one log line per process. `run_once` plans, delivers and reports.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from dq_monitor.alerts.config import (
    AlertsConfig,
    EmailReceiver,
    SlackBotReceiver,
    SlackWebhookReceiver,
)
from dq_monitor.alerts.delivery import LOGGER_NAME, DeliveryOutcome, deliver
from dq_monitor.alerts.ledger import DeliveryLedger
from dq_monitor.alerts.notifiers import (
    EmailNotifier,
    Notifier,
    SlackBotNotifier,
    SlackWebhookNotifier,
)
from dq_monitor.alerts.planner import make_plan
from dq_monitor.alerts.records import AlertInput, as_utc
from dq_monitor.alerts.secrets import install_log_masking, mask, read_env_secret
from dq_monitor.alerts.waiting import Waiting, held_reasons, waiting

log = logging.getLogger(LOGGER_NAME)
_ANNOUNCED: set[tuple[str, str, str]] = set()
_ANNOUNCED_LOCK = threading.Lock()

#: How a finding's alert stands after a pass, worst first (for `dq-monitor findings` and sensor metadata).
STATE_ORDER = ("failed", "retrying", "deferred", "sent", "cleared")


class ReceiverUnavailable(Exception):
    """A receiver's settings are missing from the environment (or unusable)."""


def _announce_skip(receiver: str, integration: str, reason: str) -> None:
    key = (receiver, integration, reason)
    with _ANNOUNCED_LOCK:
        if key in _ANNOUNCED:
            return
        _ANNOUNCED.add(key)
    log.warning("alerts: receiver %s/%s skipped: %s", receiver, integration, reason)


def _required(env: Mapping[str, str], var: str) -> str:
    value = env.get(var)
    if value is None or not value.strip():
        raise ReceiverUnavailable(f"environment variable {var} is not set")
    return value.strip()


def build_notifier(receiver: str, integration: str,
                   spec: SlackWebhookReceiver | SlackBotReceiver | EmailReceiver,
                   config: AlertsConfig, env: Mapping[str, str]) -> Notifier:
    """The notifier for one integration, with its secrets read from `env`; raises ReceiverUnavailable."""
    timeout = config.delivery.timeout
    if isinstance(spec, SlackWebhookReceiver):
        url = read_env_secret(env, spec.url_env)
        if url is None:
            raise ReceiverUnavailable(f"environment variable {spec.url_env} is not set")
        if not url.reveal().startswith(("http://", "https://")):
            raise ReceiverUnavailable(f"environment variable {spec.url_env} does not hold an http(s) URL")
        return SlackWebhookNotifier(url, base_url=config.base_url, timeout=timeout)
    if isinstance(spec, SlackBotReceiver):
        token = read_env_secret(env, spec.token_env)
        if token is None:
            raise ReceiverUnavailable(f"environment variable {spec.token_env} is not set")
        return SlackBotNotifier(token, spec.channel, base_url=config.base_url, api_url=spec.base_url,
                                timeout=timeout)
    host = _required(env, spec.smtp_host_env)
    port = spec.smtp_port
    if spec.smtp_port_env and (env.get(spec.smtp_port_env) or "").strip():
        raw = env[spec.smtp_port_env].strip()
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise ReceiverUnavailable(f"environment variable {spec.smtp_port_env} is not a port number: {raw!r}")
        port = int(raw)
    to = list(spec.to)
    if spec.to_env:
        to += [a.strip() for a in (env.get(spec.to_env) or "").split(",") if a.strip()]
    if not to:
        raise ReceiverUnavailable(f"no recipients: environment variable {spec.to_env} is not set")
    username = password = None
    if spec.username_env and spec.password_env:
        username = read_env_secret(env, spec.username_env)
        password = read_env_secret(env, spec.password_env)
        if username is None or password is None:
            missing = spec.username_env if username is None else spec.password_env
            raise ReceiverUnavailable(f"environment variable {missing} is not set")
    return EmailNotifier(host, port, spec.from_, to, base_url=config.base_url, username=username, password=password,
                         starttls=spec.starttls, use_ssl=spec.ssl, timeout=timeout)


def build_notifiers(config: AlertsConfig, env: Mapping[str, str] | None = None
                    ) -> tuple[dict[tuple[str, str], Notifier], dict[tuple[str, str], str]]:
    """(notifiers by (receiver, integration), reasons for the skipped ones)."""
    env = os.environ if env is None else env
    notifiers: dict[tuple[str, str], Notifier] = {}
    skipped: dict[tuple[str, str], str] = {}
    for name, receiver in config.receivers.items():
        for integration, spec in receiver.integrations().items():
            try:
                notifiers[(name, integration)] = build_notifier(name, integration, spec, config, env)
            except ReceiverUnavailable as exc:
                skipped[(name, integration)] = mask(exc)
                _announce_skip(name, integration, mask(exc))
    return notifiers, skipped


@dataclass(frozen=True)
class RunReport:
    """What one pass did; `alert_states` maps each finding's fingerprint to its alert state."""

    now: datetime
    outcomes: list[DeliveryOutcome]
    held: dict[str, str]
    skipped_receivers: dict[str, str]
    alert_states: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # fingerprint -> last delivery error
    waiting: list[Waiting] = field(default_factory=list)  # per receiver: deliveries waiting for a retry

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def summary(self, *, with_skipped: bool = True) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("sent", "retrying", "deferred", "failed", "cleared", "cancelled",
                                                   "claimed_elsewhere") if self.count(s)]
        text = ", ".join(parts) or "nothing to send"
        if self.held:
            text += f"; {len(self.held)} alerts held (silenced, inhibited or waiting)"
        for w in self.waiting[:3]:
            text += f"; {w.receiver} retries {w.deliveries} deliveries at " + (
                w.next_attempt_at.isoformat(timespec="seconds") if w.next_attempt_at else "the next pass")
        if len(self.waiting) > 3:
            text += f"; {len(self.waiting) - 3} more receivers wait for a retry"
        if self.skipped_receivers and with_skipped:
            text += f"; skipped receivers: {', '.join(sorted(self.skipped_receivers))}"
        return text

    def as_metadata(self) -> dict[str, Any]:
        """Plain JSON for sensor metadata or `--json` output; errors are already masked."""
        return {
            "summary": self.summary(),
            "counts": {s: self.count(s) for s in sorted({o.status for o in self.outcomes})},
            "failures": [
                {"receiver": o.notification.receiver, "group": o.notification.group_key, "status": o.status,
                 "error": o.error, "next_attempt_at": o.next_attempt_at.isoformat() if o.next_attempt_at else None}
                for o in self.outcomes if o.status in ("failed", "retrying", "deferred")
            ],
            "skipped_receivers": dict(self.skipped_receivers),
            "waiting": [w.as_dict() for w in self.waiting],
            "held": held_reasons(self.held),
        }

    def details(self) -> list[str]:
        """Lines saying what failed, what waits for which receiver until when, and why alerts were held."""
        lines = [f"{f['status']}: {f['receiver']} {f['group']}: {f['error']}"
                 for f in self.as_metadata()["failures"] if f["status"] == "failed"]
        lines += [f"waiting: {w.describe(self.now)}" for w in self.waiting]
        lines += [f"held: {line}" for line in held_reasons(self.held)]
        return lines


def _alert_states(outcomes: Sequence[DeliveryOutcome]) -> tuple[dict[str, str], dict[str, str]]:
    states: dict[str, str] = {}
    errors: dict[str, str] = {}
    rank = {s: i for i, s in enumerate(STATE_ORDER)}
    for o in outcomes:
        if o.status not in rank:
            continue
        for alert in o.notification.firing + o.notification.resolved:
            fp = alert.fingerprint
            if fp not in states or rank[o.status] < rank[states[fp]]:
                states[fp] = o.status
            if o.error:
                errors[fp] = f"{o.notification.receiver}: {o.error}"
    return states, errors


def run_once(
    alerts: Sequence[AlertInput],
    config: AlertsConfig,
    ledger: DeliveryLedger,
    *,
    now: datetime | None = None,
    env: Mapping[str, str] | None = None,
    notifiers: Mapping[tuple[str, str], Notifier] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> RunReport:
    """Plan and deliver once. `notifiers` overrides building them from `config` and `env` (default os.environ).

    `alerts`: every open finding plus recently resolved ones (see `plan`); the ledger, not the
    input, remembers what was delivered.
    """
    install_log_masking(LOGGER_NAME)
    now = as_utc(now or datetime.now(timezone.utc))
    skipped: dict[tuple[str, str], str] = {}
    owned = notifiers is None
    if notifiers is None:
        notifiers, skipped = build_notifiers(config, env)
    try:
        silences = ledger.silences(now)
        the_plan = make_plan(alerts, now, ledger, config, silences, available=set(notifiers))
        kwargs = {"sleep": sleep} if sleep is not None else {}
        outcomes = deliver(the_plan.notifications, notifiers, ledger, now, policy=config.delivery, **kwargs)
    finally:
        if owned:
            for notifier in notifiers.values():
                close = getattr(notifier, "close", None)
                if close is not None:
                    close()
    states, errors = _alert_states(outcomes)
    report = RunReport(now, outcomes, the_plan.held, {f"{r}/{i}": why for (r, i), why in skipped.items()},
                       states, errors, waiting(ledger.in_flight()))
    if outcomes:
        # Skipped receivers were announced once already; do not repeat them every pass.
        log.info("alerts: %s", report.summary(with_skipped=False))
    return report


def delivery_status(ledger: DeliveryLedger, fingerprints: Iterable[str] | None = None, *,
                    history: int = 5000) -> dict[str, list[dict[str, Any]]]:
    """For `dq-monitor findings`: per fingerprint, the latest delivery on each channel that carried it.

    Each entry: receiver, status (sent, retrying, sending, failed, cleared), attempts, error (masked),
    next_attempt_at, sent_at. Looks at the newest `history` delivery records.
    """
    wanted = set(fingerprints) if fingerprints is not None else None
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for rec in reversed(ledger.deliveries(limit=history)):
        if rec.status == "superseded":
            continue
        for fp in rec.firing + rec.resolved:
            if wanted is not None and fp not in wanted:
                continue
            per_channel = out.setdefault(fp, {})
            if rec.receiver in per_channel:
                continue  # a newer record for this channel was seen first
            per_channel[rec.receiver] = {
                "receiver": rec.receiver, "status": rec.status, "attempts": rec.attempts,
                "error": mask(rec.last_error) if rec.last_error else None, "permanent": rec.permanent,
                "next_attempt_at": rec.next_attempt_at.isoformat() if rec.next_attempt_at else None,
                "sent_at": rec.sent_at.isoformat() if rec.sent_at else None,
            }
    return {fp: list(channels.values()) for fp, channels in out.items()}
