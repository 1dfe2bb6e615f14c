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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dq_monitor.alerts.matchers import LABELS, Matcher, matchers_from

# one duration syntax across the whole config
from dq_monitor.core.durations import parse_duration

_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: `group_by: ["..."]` groups by every label, i.e. one group per alert (Alertmanager's spelling).
GROUP_BY_ALL = "..."


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME_RE.match(value):
        raise ValueError(f"{value!r} is not an environment variable name (give the variable's name, not its value)")
    return value


class SlackWebhookReceiver(_Strict):
    """A Slack incoming webhook; its URL (a secret) is read from `url_env` at send time."""

    url_env: str

    @field_validator("url_env")
    @classmethod
    def _env(cls, value: str) -> str | None:
        return _env_name(value)


class SlackBotReceiver(_Strict):
    """A Slack app's bot token posting with chat.postMessage to `channel` (name, ID or `@user`)."""

    token_env: str
    channel: str
    base_url: str = Field(default="https://slack.com/api/",
                          description="Slack Web API base URL (tests point it at a stand-in)")

    @field_validator("token_env")
    @classmethod
    def _env(cls, value: str) -> str | None:
        return _env_name(value)

    @field_validator("base_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base_url {value!r} must be an http(s) URL")
        return value if value.endswith("/") else value + "/"


class EmailReceiver(_Strict):
    """SMTP email. Host, port, recipients and credentials come from environment variables."""

    smtp_host_env: str
    smtp_port_env: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535, description="used when smtp_port_env is not given or unset")
    to: list[str] = Field(default_factory=list)
    to_env: str | None = Field(default=None, description="variable holding comma-separated addresses")
    from_: str = Field(default="dq-monitor@localhost", alias="from")
    username_env: str | None = None
    password_env: str | None = None
    starttls: bool | Literal["auto"] = Field(default="auto", description="auto: use STARTTLS when the server offers it")
    ssl: bool = Field(default=False, description="implicit TLS (SMTPS, usually port 465)")

    @field_validator("smtp_host_env", "smtp_port_env", "to_env", "username_env", "password_env")
    @classmethod
    def _envs(cls, value: str | None) -> str | None:
        return _env_name(value)

    @field_validator("to", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _recipients(self) -> "EmailReceiver":
        if not self.to and not self.to_env:
            raise ValueError("give the recipients as 'to' (a list) or 'to_env' (an environment variable name)")
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("give both 'username_env' and 'password_env' or neither")
        return self


class ReceiverConfig(_Strict):
    """A named receiver: one or more integrations, each delivered (and recorded) separately."""

    slack_webhook: SlackWebhookReceiver | None = None
    slack_bot: SlackBotReceiver | None = None
    email: EmailReceiver | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> "ReceiverConfig":
        if not self.integrations():
            raise ValueError("a receiver needs at least one of 'slack_webhook', 'slack_bot', 'email'")
        return self

    def integrations(self) -> dict[str, SlackWebhookReceiver | SlackBotReceiver | EmailReceiver]:
        return {k: v for k, v in (("slack_webhook", self.slack_webhook), ("slack_bot", self.slack_bot),
                                  ("email", self.email)) if v is not None}


def _durations(value: Any) -> Any:
    return None if value is None else parse_duration(value)


class RouteConfig(_Strict):
    """A node of the routing tree. Unset fields inherit from the parent route."""

    matchers: list[str] = Field(default_factory=list, description='e.g. ["severity=ERROR", "dataset=~pay.*"]')
    match: dict[str, str | list[str]] = Field(default_factory=dict, description="exact values (a list means any of)")
    match_re: dict[str, str] = Field(default_factory=dict, description="anchored regexes")
    receiver: str | None = None
    continue_: bool = Field(default=False, alias="continue")
    group_by: list[str] | None = None
    group_wait: timedelta | None = None
    group_interval: timedelta | None = None
    repeat_interval: timedelta | None = None
    routes: list["RouteConfig"] = Field(default_factory=list)

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


class InhibitRule(_Strict):
    """A firing source alert mutes target alerts that share the `equal` labels."""

    source_matchers: list[str] = Field(default_factory=list)
    target_matchers: list[str] = Field(default_factory=list)
    equal: list[str] = Field(default_factory=list)

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


class OwnersRoute(_Strict):
    """Send each alert to the owners of its dataset as well.

    Owners that look like email addresses are mailed through the SMTP settings of
    `email_via`; owners that look like Slack handles or channel/user IDs (`@alice`,
    `#team`, `U024BE7LH`) get a message through the bot token of `slack_via`. Unset
    `*_via` defaults to the first receiver with such an integration.
    """

    enabled: bool = True
    email_via: str | None = None
    slack_via: str | None = None


class DeliveryPolicy(_Strict):
    """How hard to try within one pass (tick) and across passes."""

    timeout: timedelta = Field(default=timedelta(seconds=10), description="per request")
    in_tick_attempts: int = Field(default=2, ge=1, le=10)
    in_tick_max_wait: timedelta = Field(default=timedelta(seconds=2), description="longest sleep between in-tick tries")
    backoff_initial: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = timedelta(minutes=30)
    give_up_after: timedelta = Field(default=timedelta(days=1), description="then the delivery is recorded as failed")
    claim_lease: timedelta = Field(default=timedelta(minutes=10), description="a crashed sender's claim expires after")
    concurrency: int = Field(default=4, ge=1, le=64, description="messages sent in parallel within a pass")
    batch_size: int = Field(default=100, ge=1, le=10000, description="deliveries claimed and recorded per transaction")

    @field_validator("timeout", "in_tick_max_wait", "backoff_initial", "backoff_max", "give_up_after",
                     "claim_lease", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return parse_duration(value)


class AlertsConfig(_Strict):
    base_url: str = Field(default="http://localhost:3000", description="Dagster UI base URL used in message links")
    send_resolved: bool = True
    min_severity: Literal["INFO", "WARN", "ERROR"] = "WARN"
    receivers: dict[str, ReceiverConfig] = Field(default_factory=dict)
    route: RouteConfig = Field(default_factory=RouteConfig)
    inhibit_rules: list[InhibitRule] = Field(default_factory=lambda: list(DEFAULT_INHIBIT_RULES))
    owners_route: OwnersRoute = Field(default_factory=OwnersRoute)
    delivery: DeliveryPolicy = Field(default_factory=DeliveryPolicy)

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

    def owners_email_via(self) -> str | None:
        if not self.owners_route.enabled:
            return None
        return self.owners_route.email_via or next((n for n, r in self.receivers.items() if r.email), None)

    def owners_slack_via(self) -> str | None:
        if not self.owners_route.enabled:
            return None
        return self.owners_route.slack_via or next((n for n, r in self.receivers.items() if r.slack_bot), None)
