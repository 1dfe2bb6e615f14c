"""Slack through `slack_sdk`: an incoming webhook or a bot token (chat.postMessage).

The SDK's own retry handlers are turned off: whether and when to retry is decided
by `deliver` from the result returned here (429 honours Retry-After).
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import urllib.error
from datetime import timedelta

from dq_monitor.alerts.notifiers.base import (
    NotifyResult,
    Permanent,
    Retryable,
    Sent,
    digest,
    parse_retry_after,
)
from dq_monitor.alerts.records import Notification
from dq_monitor.alerts.render import render_slack
from dq_monitor.alerts.secrets import Secret, install_log_masking

TRANSPORT_LOGGER = "dq_monitor.alerts.transport"
#: Web API errors worth retrying; every other error code is permanent (invalid_auth, channel_not_found, ...).
RETRYABLE_API_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
_NETWORK_ERRORS = (TimeoutError, socket.timeout, urllib.error.URLError, ConnectionError, http.client.HTTPException)


def _transport_logger() -> logging.Logger:
    logger = logging.getLogger(TRANSPORT_LOGGER)
    install_log_masking(TRANSPORT_LOGGER)
    if logger.level == logging.NOTSET:
        # slack_sdk logs request URLs (the webhook secret) at DEBUG when its logger's level allows it.
        logger.setLevel(logging.INFO)
    return logger


def _network_error(exc: Exception, payload_digest: str) -> Retryable:
    """Retryable; a timeout or a dropped connection after sending may mean Slack took the message."""
    reason = getattr(exc, "reason", None)
    unanswered = (TimeoutError, socket.timeout, http.client.RemoteDisconnected)
    maybe = isinstance(exc, unanswered) or isinstance(reason, unanswered)
    return Retryable(f"Slack {'did not answer' if maybe else 'unreachable'}: {type(exc).__name__}: {reason or exc}",
                     payload_digest=payload_digest, maybe_delivered=maybe)


def _payload(n: Notification, base_url: str) -> tuple[dict, str]:
    body = render_slack(n, base_url)
    return body, digest(json.dumps(body, sort_keys=True))


class SlackWebhookNotifier:
    """Posts Block Kit messages to an incoming webhook URL (a secret)."""

    def __init__(self, url: Secret, *, base_url: str, timeout: timedelta = timedelta(seconds=10)) -> None:
        self.url = url
        self.base_url = base_url
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SlackWebhookNotifier(url={self.url!r})"

    def notify(self, notification: Notification) -> NotifyResult:
        # slack_sdk is imported on first send: loading definitions need not pay for it.
        from slack_sdk import WebhookClient
        from slack_sdk.errors import SlackRequestError

        body, payload_digest = _payload(notification, self.base_url)
        client = WebhookClient(self.url.reveal(), timeout=self.timeout.total_seconds(),  # type: ignore[arg-type]
                               retry_handlers=[], logger=_transport_logger())
        try:
            resp = client.send(text=body["text"], blocks=body["blocks"], unfurl_links=False, unfurl_media=False)
        except SlackRequestError as exc:
            return Permanent(f"invalid Slack webhook URL: {exc}", payload_digest)
        except _NETWORK_ERRORS as exc:
            return _network_error(exc, payload_digest)
        status, text = resp.status_code, (resp.body or "")[:300]
        if 200 <= status < 300:
            return Sent(payload_digest)
        if status == 429:
            headers = {k.lower(): v for k, v in (resp.headers or {}).items()}
            return Retryable(f"Slack webhook rate limited (HTTP 429): {text}",
                             parse_retry_after(headers.get("retry-after")), payload_digest)
        if status >= 500 or status == 408:
            return Retryable(f"Slack webhook HTTP {status}: {text}", payload_digest=payload_digest)
        return Permanent(f"Slack webhook rejected the message (HTTP {status}): {text}", payload_digest)


class SlackBotNotifier:
    """Posts with chat.postMessage using a bot token (a secret) to a channel, or to an owner's handle/ID."""

    def __init__(self, token: Secret, channel: str, *, base_url: str, api_url: str = "https://slack.com/api/",
                 timeout: timedelta = timedelta(seconds=10)) -> None:
        self.token = token
        self.channel = channel
        self.base_url = base_url
        self.api_url = api_url
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SlackBotNotifier(channel={self.channel!r}, token={self.token!r}, api_url={self.api_url!r})"

    def notify(self, notification: Notification) -> NotifyResult:
        from slack_sdk import WebClient
        from slack_sdk.errors import SlackApiError, SlackRequestError

        body, payload_digest = _payload(notification, self.base_url)
        channel = notification.channel.target or self.channel
        client = WebClient(token=self.token.reveal(), base_url=self.api_url,
                           timeout=int(max(self.timeout.total_seconds(), 1)),
                           retry_handlers=[], logger=_transport_logger())
        try:
            client.chat_postMessage(channel=channel, text=body["text"], blocks=body["blocks"],
                                    unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            resp = exc.response
            status = resp.status_code
            error = str(resp.get("error", "")) if isinstance(resp.data, dict) else ""
            if status == 429 or error == "ratelimited":
                headers = {k.lower(): v for k, v in (resp.headers or {}).items()}
                retry_after = headers.get("retry-after")
                if isinstance(retry_after, list):
                    retry_after = retry_after[0] if retry_after else None
                return Retryable(f"Slack API rate limited chat.postMessage to {channel}",
                                 parse_retry_after(retry_after), payload_digest)
            if status >= 500 or error in RETRYABLE_API_ERRORS:
                return Retryable(f"Slack API HTTP {status} {error}".strip(), payload_digest=payload_digest)
            return Permanent(f"Slack API refused chat.postMessage to {channel}: {error or f'HTTP {status}'}",
                             payload_digest)
        except SlackRequestError as exc:
            return Permanent(f"invalid Slack API request: {exc}", payload_digest)
        except _NETWORK_ERRORS as exc:
            return _network_error(exc, payload_digest)
        return Sent(payload_digest)
