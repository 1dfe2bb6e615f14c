"""Which channels an alert goes to: the matching routes' receivers, plus its owners directly.

Owners named in the dataset config are reached by address (`email`) or handle/channel/ID (`slack`)
through the receivers `owners.email_via` / `owners.slack_via`, on a route of their own.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from dq_monitor.alerts.config import AlertsConfig
from dq_monitor.alerts.records import AlertInput, Channel
from dq_monitor.alerts.routing import Route
from dq_monitor.core.matchers import all_match

_EMAIL_RE = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_SLACK_RE = re.compile(r"^(?:@[\w.\-]+|#[\w\-]+|[UWCG][A-Z0-9]{6,})$")
OWNERS_ROUTE_ID = "owners"


def owner_kind(owner: str) -> str | None:
    """`email` for addresses, `slack` for `@handle`, `#channel` or Slack IDs, else None."""
    owner = owner.strip()
    if _EMAIL_RE.match(owner):
        return "email"
    if _SLACK_RE.match(owner):
        return "slack"
    return None


def targets(alert: AlertInput, labels: dict, tree: Route, config: AlertsConfig,
             available: Collection[tuple[str, str]] | None) -> list[tuple[Channel, Route]]:
    def usable(receiver: str, integration: str) -> bool:
        return available is None or (receiver, integration) in available

    out: list[tuple[Channel, Route]] = []
    if all_match(tree.matchers, labels):
        for route in tree.match(labels):
            if route.receiver is None:
                continue
            for integration in config.receivers[route.receiver].integrations():
                if usable(route.receiver, integration):
                    out.append((Channel(route.receiver, integration), route))  # type: ignore[arg-type]
    email_via, slack_via = config.owners_email_via(), config.owners_slack_via()
    owners_route = Route(OWNERS_ROUTE_ID, (), None, False, tree.group_by, tree.group_wait, tree.group_interval,
                         tree.repeat_interval, ())
    owners = alert.owners if config.alerts_owners(alert.severity) else ()
    for owner in dict.fromkeys(o.strip() for o in owners):
        kind = owner_kind(owner)
        if kind == "email" and email_via and usable(email_via, "email"):
            out.append((Channel(email_via, "email", owner), owners_route))
        elif kind == "slack" and slack_via and usable(slack_via, "slack_bot"):
            out.append((Channel(slack_via, "slack_bot", owner), owners_route))
    return out
