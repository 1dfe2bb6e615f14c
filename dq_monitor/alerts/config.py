"""The validated `alerts:` section of the dq_monitor YAML.

::

    alerts:
      base_url: http://localhost:3000          # the Dagster UI, for links in messages
      send_resolved: true
      receivers:
        team:
          slack_webhook: {url_env: DQ_MONITOR_SLACK_WEBHOOK_URL}
          email:
            smtp_host_env: DQ_MONITOR_SMTP_HOST
            smtp_port_env: DQ_MONITOR_SMTP_PORT
            to_env: DQ_MONITOR_ALERT_EMAIL_TO
            from: dq-monitor@localhost
        oncall:
          slack_bot: {token_env: DQ_MONITOR_SLACK_BOT_TOKEN, channel: "#data-oncall"}
      route:
        receiver: team
        group_by: [dataset, snapshot]
        group_wait: 30s
        group_interval: 5m
        repeat_interval: 4h
        routes:
          - matchers: ["severity=ERROR", "dataset=~payments|orders"]
            receiver: oncall
            continue: true
      inhibit_rules:                           # omitted: a schema failure mutes volume/drift/anomaly/metric
        - source_matchers: ["check_type=~schema|readability", "severity=ERROR"]
          target_matchers: ["check_type=~volume|drift|anomaly|anomalies|metric"]
          equal: [dataset, snapshot]

Secrets are referenced by the *name* of an environment variable and read only
when a message is sent; a receiver whose variables are unset is skipped with one
log line. Nothing here imports dagster or reads the environment.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from dq_monitor.alerts.receivers import (
    EmailReceiver,
    ReceiverConfig,
    SlackBotReceiver,
    SlackWebhookReceiver,
)

# one duration syntax across the whole config
from dq_monitor.core.durations import parse_duration
from dq_monitor.core.matchers import LABELS, Matcher, matchers_from
from dq_monitor.core.models import AliasedStrictModel
from dq_monitor.core.outcome import Severity

__all__ = [
    "DEFAULT_INHIBIT_RULES", "GROUP_BY_ALL", "AlertsConfig", "DeliveryPolicy", "EmailReceiver", "InhibitRule",
    "OwnersRoute", "ReceiverConfig", "RouteConfig", "SlackBotReceiver", "SlackWebhookReceiver",
]

#: `group_by: ["..."]` groups by every label, i.e. one group per alert (Alertmanager's spelling).
GROUP_BY_ALL = "..."


def _durations(value: Any) -> Any:
    return None if value is None else parse_duration(value)


class RouteConfig(AliasedStrictModel):
    """A node of the routing tree. Unset fields inherit from the parent route."""

    matchers: list[str] = Field(default_factory=list, description='e.g. ["severity=ERROR", "dataset=~pay.*"]')
    match: dict[str, str | list[str]] = Field(default_factory=dict, description="exact values (a list means any of)")
    match_re: dict[str, str] = Field(default_factory=dict, description="anchored regexes")
    receiver: str | None = Field(default=None, description="name of a receiver under alerts.receivers; null: inherit")
    continue_: bool = Field(default=False, alias="continue",
                            description="after this route matches, keep trying its later siblings")
    group_by: list[str] | None = Field(default=None, description='labels an alert group shares; ["..."]: one group '
                                       'per alert; null: inherit (root: [dataset, snapshot])')
    group_wait: timedelta | None = Field(default=None, description="wait before a new group's first message, "
                                         "to collect its alerts; null: inherit (root: 30s)")
    group_interval: timedelta | None = Field(default=None, description="least time between two messages of a group "
                                             "that changed; null: inherit (root: 5m)")
    repeat_interval: timedelta | None = Field(default=None, description="re-send an unchanged firing group after this; "
                                              "null: inherit (root: 4h)")
    routes: list["RouteConfig"] = Field(default_factory=list, description="child routes, tried in order; the first "
                                        "match wins unless it sets continue")

    @field_validator("group_wait", "group_interval", "repeat_interval", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return _durations(value)

    @model_validator(mode="after")
    def _valid(self) -> "RouteConfig":
        self.compiled_matchers()  # raises ValueError naming the bad label/regex
        for label in self.group_by or []:
            if label != GROUP_BY_ALL and label not in LABELS:
                raise ValueError(f"group_by label {label!r} is unknown; known labels: {', '.join(LABELS)}")
        for name in ("group_interval", "repeat_interval"):
            value = getattr(self, name)
            if value is not None and value <= timedelta(0):
                raise ValueError(f"{name} must be positive, got {value}")
        if self.group_wait is not None and self.group_wait < timedelta(0):
            raise ValueError(f"group_wait must not be negative, got {self.group_wait}")
        return self

    def compiled_matchers(self) -> tuple[Matcher, ...]:
        return matchers_from(self.matchers, self.match, self.match_re)


class InhibitRule(AliasedStrictModel):
    """A firing source alert mutes target alerts that share the `equal` labels."""

    source_matchers: list[str] = Field(default_factory=list, description="matchers a firing alert needs to mute others")
    target_matchers: list[str] = Field(default_factory=list, description="matchers of the alerts it mutes")
    equal: list[str] = Field(default_factory=list, description="labels source and target must share")

    @model_validator(mode="after")
    def _valid(self) -> "InhibitRule":
        self.compiled()
        for label in self.equal:
            if label not in LABELS:
                raise ValueError(f"equal label {label!r} is unknown; known labels: {', '.join(LABELS)}")
        return self

    def compiled(self) -> tuple[tuple[Matcher, ...], tuple[Matcher, ...]]:
        return matchers_from(self.source_matchers), matchers_from(self.target_matchers)


#: A schema failure (or an unreadable file) on a snapshot makes its volume, drift, anomaly and
#: metric alerts noise: the numbers were computed on data that is broken anyway.
DEFAULT_INHIBIT_RULES = (
    InhibitRule(
        source_matchers=["check_type=~schema|readability", "severity=ERROR"],
        target_matchers=["check_type=~volume|drift|anomaly|anomalies|metric"],
        equal=["dataset", "snapshot"],
    ),
)


class OwnersRoute(AliasedStrictModel):
    """Send each alert to the owners of its dataset as well.

    Owners that look like email addresses are mailed through the SMTP settings of
    `email_via`; owners that look like Slack handles or channel/user IDs (`@alice`,
    `#team`, `U024BE7LH`) get a message through the bot token of `slack_via`. Unset
    `*_via` defaults to the first receiver with such an integration.

    On by default, but only for ERROR findings: owners hear about what is broken, not about
    every WARN, which still goes wherever the route tree sends it.
    """

    enabled: bool = Field(default=True, description="false: alerts go only where the route tree sends them")
    min_severity: Literal["INFO", "WARN", "ERROR"] = Field(
        default="ERROR", description="owners are alerted for findings at or above this severity (WARN: also WARNs)")
    email_via: str | None = Field(default=None, description="receiver whose email settings mail owners; "
                                  "null: the first receiver with email")
    slack_via: str | None = Field(default=None, description="receiver whose slack_bot messages owners; "
                                  "null: the first receiver with slack_bot")


class DeliveryPolicy(AliasedStrictModel):
    """How hard to try within one pass (tick) and across passes."""

    timeout: timedelta = Field(default=timedelta(seconds=10), description="per request")
    in_tick_attempts: int = Field(default=2, ge=1, le=10, description="tries of one message within a pass")
    in_tick_max_wait: timedelta = Field(default=timedelta(seconds=2), description="longest sleep between in-tick tries")
    backoff_initial: timedelta = Field(default=timedelta(seconds=30),
                                       description="wait before a later pass retries a failed send; doubles each time")
    backoff_max: timedelta = Field(default=timedelta(minutes=1),
                                   description="longest wait between retrying passes (the cap: once a receiver is "
                                               "back, its waiting deliveries go out within this plus one tick)")
    give_up_after: timedelta = Field(default=timedelta(days=1), description="then the delivery is recorded as failed")
    claim_lease: timedelta = Field(default=timedelta(minutes=10), description="a crashed sender's claim expires after")
    concurrency: int = Field(default=4, ge=1, le=64, description="messages sent in parallel within a pass")
    batch_size: int = Field(default=100, ge=1, le=10000, description="deliveries claimed and recorded per transaction")

    @field_validator("timeout", "in_tick_max_wait", "backoff_initial", "backoff_max", "give_up_after",
                     "claim_lease", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return parse_duration(value)


class AlertsConfig(AliasedStrictModel):
    """Routing of findings to Slack and email: receivers, the route tree, inhibition, owners, delivery."""

    base_url: str = Field(default="http://localhost:3000", description="Dagster UI base URL used in message links")
    send_resolved: bool = Field(default=True, description="also send a message when a group's alerts have resolved")
    min_severity: Literal["INFO", "WARN", "ERROR"] = Field(default="WARN", description="findings below raise no alert")
    receivers: dict[str, ReceiverConfig] = Field(default_factory=dict, description="receiver name -> integrations")
    route: RouteConfig = Field(default_factory=RouteConfig, description="the root of the routing tree")
    inhibit_rules: list[InhibitRule] = Field(default_factory=lambda: list(DEFAULT_INHIBIT_RULES),
                                             description="omitted: a schema/readability ERROR mutes volume, drift, "
                                                         "anomaly and metric alerts on the same snapshot")
    owners_route: OwnersRoute = Field(default_factory=OwnersRoute, description="also alert each dataset's owners")
    delivery: DeliveryPolicy = Field(default_factory=DeliveryPolicy, description="timeouts, retries and batching")

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base_url {value!r} must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("receivers")
    @classmethod
    def _receiver_names(cls, value: dict[str, ReceiverConfig]) -> dict[str, ReceiverConfig]:
        for name in value:
            if not re.match(r"^[A-Za-z0-9_.-]+$", name):
                raise ValueError(f"receiver name {name!r} may only contain letters, digits, '_', '.', '-'")
        return value

    @model_validator(mode="after")
    def _references(self) -> "AlertsConfig":
        def walk(route: RouteConfig, path: str) -> None:
            if route.receiver is not None and route.receiver not in self.receivers:
                raise ValueError(f"{path}: receiver {route.receiver!r} is not defined under alerts.receivers "
                                 f"(defined: {', '.join(sorted(self.receivers)) or 'none'})")
            for i, child in enumerate(route.routes):
                walk(child, f"{path}.routes[{i}]")

        walk(self.route, "route")
        for key, kind in (("email_via", "email"), ("slack_via", "slack_bot")):
            name = getattr(self.owners_route, key)
            if name is None:
                continue
            receiver = self.receivers.get(name)
            if receiver is None:
                raise ValueError(f"owners_route.{key}: receiver {name!r} is not defined under alerts.receivers")
            if getattr(receiver, kind) is None:
                raise ValueError(f"owners_route.{key}: receiver {name!r} has no {kind!r} integration")
        return self

    def alerts_owners(self, severity: str) -> bool:
        """Whether a finding of `severity` also goes to its dataset's owners."""
        return self.owners_route.enabled and Severity(severity).rank >= Severity(self.owners_route.min_severity).rank

    def owners_email_via(self) -> str | None:
        if not self.owners_route.enabled:
            return None
        return self.owners_route.email_via or next((n for n, r in self.receivers.items() if r.email), None)

    def owners_slack_via(self) -> str | None:
        if not self.owners_route.enabled:
            return None
        return self.owners_route.slack_via or next((n for n, r in self.receivers.items() if r.slack_bot), None)
