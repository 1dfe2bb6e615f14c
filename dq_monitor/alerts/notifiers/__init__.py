"""One module per channel; each notifier has a single `notify` method."""

from dq_monitor.alerts.notifiers.base import (
           Notifier,
           NotifyResult,
           Permanent,
           Retryable,
           Sent,
)
from dq_monitor.alerts.notifiers.email import EmailNotifier
from dq_monitor.alerts.notifiers.slack import SlackBotNotifier, SlackWebhookNotifier

__all__ = ["EmailNotifier", "Notifier", "NotifyResult", "Permanent", "Retryable", "Sent", "SlackBotNotifier",
           "SlackWebhookNotifier"]
