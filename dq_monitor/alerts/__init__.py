"""Alerting: route findings to Slack and email, grouped, deduplicated, never lost.

Stages (after Prometheus Alertmanager): `plan` decides what to send (routing,
grouping, group_wait/group_interval/repeat_interval, inhibition, silences,
resolved notices) without side effects; `deliver` sends through one-method
notifiers and records every outcome in a `DeliveryLedger` (the store's
`SqlDeliveryLedger`); `run_once` is one
pass of both, used by the alert sensor and `dq-monitor alerts flush`.
Nothing here imports dagster.

Wiring (the sensor and the CLI do the same)::

    config = AlertsConfig.model_validate(raw_yaml["alerts"])
    ledger = SqlDeliveryLedger(store.engine)          # the store's ledger; Store.upgrade() creates its tables
    alerts = [AlertInput.from_finding(f, owners=owners_of[f.dataset], asset=asset_of[f.dataset])
              for f in store.alertable_findings(resolved_since)]
    report = run_once(alerts, config, ledger, env={name: EnvVar(name).get_value() ...})
    context.log.info(report.summary()); metadata = report.as_metadata()

Silences for `dq-monitor silence add|list|expire`: `ledger.add_silence(["dataset=payments"], ends_at, ...)`,
`ledger.silences(now)`, `ledger.expire_silence(id, now)`. Delivery state per finding for
`dq-monitor findings`: `delivery_status(ledger, fingerprints)`.
"""

from dq_monitor.alerts.config import AlertsConfig, DeliveryPolicy, parse_duration
from dq_monitor.alerts.delivery import DeliveryOutcome, deliver
from dq_monitor.alerts.engine import (
    RunReport,
    build_notifiers,
    delivery_status,
    run_once,
)
from dq_monitor.alerts.ledger import DeliveryLedger
from dq_monitor.alerts.notifiers import (
    EmailNotifier,
    Notifier,
    NotifyResult,
    Permanent,
    Retryable,
    Sent,
    SlackBotNotifier,
    SlackWebhookNotifier,
)
from dq_monitor.alerts.planner import Plan, make_plan, plan
from dq_monitor.alerts.records import AlertInput, Channel, Notification
from dq_monitor.alerts.render import render_email, render_slack
from dq_monitor.alerts.secrets import Secret, mask
from dq_monitor.alerts.targets import owner_kind
from dq_monitor.core.matchers import LABELS, Matcher, parse_matcher
from dq_monitor.store.alert_ledger import SqlDeliveryLedger
from dq_monitor.store.alert_records import (
    DeliveryRecord,
    GroupState,
    Silence,
    SilenceNotFound,
)

__all__ = [
    "AlertInput", "AlertsConfig", "Channel", "DeliveryLedger", "DeliveryOutcome",
    "DeliveryPolicy", "DeliveryRecord", "EmailNotifier", "GroupState", "LABELS", "Matcher",
    "Notification", "Notifier", "NotifyResult", "Permanent", "Plan", "Retryable", "RunReport", "Secret", "Sent",
    "Silence", "SilenceNotFound", "SlackBotNotifier", "SlackWebhookNotifier", "SqlDeliveryLedger",
    "build_notifiers", "deliver", "delivery_status", "make_plan", "mask", "owner_kind",
    "parse_duration", "parse_matcher", "plan", "render_email", "render_slack", "run_once",
]
