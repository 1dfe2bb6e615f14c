"""The pure "should we send?" stage (Alertmanager's dispatch + dedup stages in one pass).

`plan` takes the current alerts, the time, what the ledger remembers and the
silences, and returns the notifications to act on now. It sends nothing and
writes nothing, so it is tested table-driven and called from the Dagster sensor
and `dq-monitor alerts flush` alike.

Per (channel, group):

* a group never notified is sent once `group_wait` has passed since its oldest
  firing alert was recorded;
* a notified group is re-evaluated at most every `group_interval`; it is sent when
  a firing alert is new to it, when (with `send_resolved`) an alert it announced
  has resolved, or when `repeat_interval` has passed since it was last sent;
  when everything it announced has resolved it is sent (or, with send_resolved
  off, only recorded as cleared);
* a delivery still being retried is not re-planned before its `next_attempt_at`;
  when due it is retried as is, replaced by one carrying the group's current
  alerts, or cancelled when there is nothing left to say.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from dq_monitor.alerts.config import AlertsConfig
from dq_monitor.alerts.inhibit import inhibited, silenced
from dq_monitor.alerts.records import (
    AlertInput,
    Channel,
    DeliveryRecord,
    GroupState,
    Notification,
    Silence,
    as_utc,
    fingerprint_set_hash,
    notification_key,
)
from dq_monitor.alerts.routing import Route, build_route_tree
from dq_monitor.alerts.targets import targets
from dq_monitor.core.outcome import Severity


class GroupStateSource(Protocol):
    """What `plan` needs from a ledger (any `DeliveryLedger` provides it)."""

    def group_states(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], GroupState]: ...

    def in_flight(self) -> list[DeliveryRecord]: ...


@dataclass
class _Group:
    channel: Channel
    route: Route
    group_key: str
    group_labels: dict[str, str]
    firing: list[AlertInput] = field(default_factory=list)
    resolved: list[AlertInput] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    notifications: list[Notification]
    #: fingerprint -> why it is not in any notification this pass (silenced, inhibited, waiting, ...)
    held: dict[str, str]


def plan(alerts: Sequence[AlertInput], now: datetime, ledger: GroupStateSource, config: AlertsConfig,
         silences: Iterable[Silence] = (), **options: Any) -> list[Notification]:
    """The notifications to act on at `now`; `options` as for `make_plan` (`available`, `tree`).

    `alerts` must hold *every* open finding, delivered or not (as Alertmanager is sent every firing alert
    on each evaluation), plus findings resolved recently: an open finding left out reads as "no longer
    firing", and a resolved one is only announced if it is handed in. Resolved findings that were never
    announced are ignored, so handing in generously is harmless.
    """
    return make_plan(alerts, now, ledger, config, silences, **options).notifications


def make_plan(
    alerts: Sequence[AlertInput],
    now: datetime,
    ledger: GroupStateSource,
    config: AlertsConfig,
    silences: Iterable[Silence] = (),
    *,
    available: Collection[tuple[str, str]] | None = None,
    tree: Route | None = None,
) -> Plan:
    """`plan` plus the reason each alert left out of this pass was held back.

    `available` limits routing to (receiver, integration) pairs; `tree` is the route tree when the
    caller already built it from `config`.
    """
    now = as_utc(now)
    tree = tree or build_route_tree(config)
    floor = Severity(config.min_severity).rank
    held: dict[str, str] = {}

    candidates: list[AlertInput] = []
    for alert in _dedup(alerts):
        if Severity(alert.severity).rank < floor:
            held[alert.fingerprint] = f"severity {alert.severity} is below min_severity {config.min_severity}"
        else:
            candidates.append(alert)
    labels = [a.labels() for a in candidates]
    muted = inhibited(candidates, labels, config.inhibit_rules)
    muted.update(silenced(candidates, labels, silences, now))
    held.update(muted)

    unmuted = [(alert, lab) for alert, lab in zip(candidates, labels) if alert.fingerprint not in muted]
    groups = _groups(unmuted, tree, config, available, held)
    states = ledger.group_states(groups.keys()) if groups else {}
    notifications: list[Notification] = []
    for pair, group in groups.items():
        decided = _decide(group, states.get(pair, GroupState()), now, config.send_resolved)
        if isinstance(decided, str):
            for alert in group.firing:
                held.setdefault(alert.fingerprint, decided)
        elif decided is not None:
            notifications.append(decided)
    notifications.extend(_orphaned_retries(ledger, set(groups), now))
    sent = {a.fingerprint for n in notifications for a in n.firing}
    held = {fp: why for fp, why in held.items() if fp not in sent}
    notifications.sort(key=lambda n: (min((a.created_at for a in n.firing + n.resolved), default=now),
                                      n.receiver, n.group_key))
    return Plan(notifications, held)


def _groups(alerts: Iterable[tuple[AlertInput, dict]], tree: Route, config: AlertsConfig,
            available: Collection[tuple[str, str]] | None, held: dict[str, str]) -> dict[tuple[str, str], _Group]:
    """Each alert in the (channel, group) of every target it routes to; unroutable firing alerts go to `held`."""
    groups: dict[tuple[str, str], _Group] = {}
    for alert, lab in alerts:
        routed = targets(alert, lab, tree, config, available)
        if not routed and alert.firing:
            held[alert.fingerprint] = "no route with an available receiver"
        for channel, route in routed:
            group_labels = route.group_labels(lab)
            group_key = f"{route.id}{json.dumps(group_labels, sort_keys=True, separators=(',', ':'))}"
            group = groups.get((channel.id, group_key))
            if group is None:
                group = groups[(channel.id, group_key)] = _Group(channel, route, group_key, group_labels)
            (group.firing if alert.firing else group.resolved).append(alert)
    return groups


def _dedup(alerts: Iterable[AlertInput]) -> list[AlertInput]:
    # The same finding handed in twice (e.g. from two pages of a query) is one alert.
    seen: dict[str, AlertInput] = {}
    for alert in alerts:
        seen[alert.fingerprint] = alert
    return list(seen.values())



def _decide(group: _Group, state: GroupState, now: datetime, send_resolved: bool) -> Notification | str | None:
    """A notification, a reason the group's firing alerts wait (str), or None (nothing to do)."""
    route = group.route
    notified, in_flight = state.notified, state.in_flight
    firing = sorted(group.firing, key=lambda a: (a.created_at, a.fingerprint))
    announced = set(notified.firing) if notified else set()
    resolved = sorted((a for a in group.resolved if a.fingerprint in announced),
                      key=lambda a: (a.created_at, a.fingerprint))

    if in_flight is not None:
        due = in_flight.next_attempt_at
        if in_flight.status == "sending" and in_flight.claimed_until is not None:
            due = max(due or in_flight.claimed_until, in_flight.claimed_until)
        if due is not None and due > now:
            return f"retrying {group.channel.id} at {due.isoformat()}"

    firing_fps = {a.fingerprint for a in firing}
    reason: str | None
    action = "send"
    if notified is None:
        if not firing:
            reason = None
        else:
            reason = "new group"
            start = min(a.created_at for a in firing)
            if in_flight is None and now < start + route.group_wait:
                return f"group_wait until {(start + route.group_wait).isoformat()}"
    else:
        last = notified.sent_at or notified.updated_at or now
        if in_flight is None and now < last + route.group_interval:
            return f"group_interval until {(last + route.group_interval).isoformat()}"
        reason = _needs_update(notified.firing, notified.resolved, firing_fps, resolved, last, now,
                               route.repeat_interval, send_resolved)
        if reason == "all resolved" and not (send_resolved and resolved):
            action = "clear"

    if reason is None:
        if in_flight is not None:
            return _notification(group, "cancel", "nothing left to send", (), (), in_flight.key, in_flight, ())
        return None
    if action == "clear":
        resolved = []
    set_hash = fingerprint_set_hash(firing_fps, (a.fingerprint for a in resolved))
    key = notification_key(group.channel.id, group.group_key, set_hash, notified.key if notified else None)
    supersedes: tuple[str, ...] = ()
    if in_flight is not None:
        if in_flight.key == key:
            reason = f"retry ({reason})"
        else:
            supersedes = (in_flight.key,)
    return _notification(group, action, reason, tuple(firing), tuple(resolved), key, in_flight, supersedes)


def _needs_update(prev_firing: Sequence[str], prev_resolved: Sequence[str], firing: set[str],
                  resolved: Sequence[AlertInput], last: datetime, now: datetime, repeat: timedelta,
                  send_resolved: bool) -> str | None:
    if not firing.issubset(prev_firing):
        return "new firing alerts"
    if not firing:
        # Everything announced has resolved (or nothing was ever announced).
        return "all resolved" if prev_firing else None
    if send_resolved and not {a.fingerprint for a in resolved}.issubset(prev_resolved):
        return "alerts resolved"
    if now >= last + repeat:
        return "repeat_interval elapsed"
    return None


def _notification(group: _Group, action: str, reason: str, firing: tuple[AlertInput, ...],
                  resolved: tuple[AlertInput, ...], key: str, in_flight, supersedes: tuple[str, ...]) -> Notification:
    return Notification(
        key=key,
        channel=group.channel,
        group_key=group.group_key,
        group_labels=dict(group.group_labels),
        firing=firing,
        resolved=resolved,
        action=action,  # type: ignore[arg-type]
        reason=reason,
        attempts=in_flight.attempts if in_flight is not None else 0,
        first_attempt_at=in_flight.first_attempt_at if in_flight is not None else None,
        supersedes=supersedes,
    )


def _orphaned_retries(ledger: GroupStateSource, live: set[tuple[str, str]], now: datetime) -> list[Notification]:
    """Cancel retries of groups with nothing left to say (all silenced, inhibited, resolved or unroutable).

    Cancelling loses nothing: planning starts from the current alerts, so if the
    group fires again it is planned afresh.
    """
    out: list[Notification] = []
    for rec in ledger.in_flight():
        if (rec.receiver, rec.group_key) in live:
            continue
        if rec.status == "sending" and rec.claimed_until is not None and rec.claimed_until > now:
            continue  # another pass is sending it right now
        rest, _, integration = rec.receiver.rpartition("/")
        target = rest.removeprefix("owner:") if rest.startswith("owner:") else ""
        channel = Channel("" if target else rest, integration, target)  # type: ignore[arg-type]
        out.append(Notification(key=rec.key, channel=channel, group_key=rec.group_key, group_labels={}, firing=(),
                                resolved=(), action="cancel", reason="nothing left to send", attempts=rec.attempts))
    return out
