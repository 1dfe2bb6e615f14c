"""The receivers of the `alerts:` section: Slack webhook, Slack bot and SMTP email integrations.

Secrets are named by environment variable (`*_env`) and read only at send time.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from dq_monitor.core.models import AliasedStrictModel

_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME_RE.match(value):
        raise ValueError(f"{value!r} is not an environment variable name (give the variable's name, not its value)")
    return value


class SlackWebhookReceiver(AliasedStrictModel):
    """A Slack incoming webhook; its URL (a secret) is read from `url_env` at send time."""

    url_env: str = Field(description="name of the environment variable holding the webhook URL")

    @field_validator("url_env")
    @classmethod
    def _env(cls, value: str) -> str | None:
        return _env_name(value)


class SlackBotReceiver(AliasedStrictModel):
    """A Slack app's bot token posting with chat.postMessage to `channel` (name, ID or `@user`)."""

    token_env: str = Field(description="name of the environment variable holding the bot token (xoxb-...)")
    channel: str = Field(description="channel name, channel ID or @user the bot posts to")
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


class EmailReceiver(AliasedStrictModel):
    """SMTP email. Host, port, recipients and credentials come from environment variables."""

    smtp_host_env: str = Field(description="variable holding the SMTP host")
    smtp_port_env: str | None = Field(default=None, description="variable holding the SMTP port")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="used when smtp_port_env is not given or unset")
    to: list[str] = Field(default_factory=list, description="recipient addresses (a list or a comma-separated string)")
    to_env: str | None = Field(default=None, description="variable holding comma-separated addresses")
    from_: str = Field(default="dq-monitor@localhost", alias="from", description="sender address")
    username_env: str | None = Field(default=None, description="variable holding the SMTP user name")
    password_env: str | None = Field(default=None, description="variable holding the SMTP password")
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


class ReceiverConfig(AliasedStrictModel):
    """A named receiver: one or more integrations, each delivered (and recorded) separately."""

    slack_webhook: SlackWebhookReceiver | None = Field(default=None, description="a Slack incoming webhook")
    slack_bot: SlackBotReceiver | None = Field(default=None, description="a Slack bot token and channel")
    email: EmailReceiver | None = Field(default=None, description="SMTP email")

    @model_validator(mode="after")
    def _at_least_one(self) -> "ReceiverConfig":
        if not self.integrations():
            raise ValueError("a receiver needs at least one of 'slack_webhook', 'slack_bot', 'email'")
        return self

    def integrations(self) -> dict[str, SlackWebhookReceiver | SlackBotReceiver | EmailReceiver]:
        return {k: v for k, v in (("slack_webhook", self.slack_webhook), ("slack_bot", self.slack_bot),
                                  ("email", self.email)) if v is not None}
