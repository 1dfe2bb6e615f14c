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

Every name below is imported on first use (module `__getattr__`): loading the config needs only
`alerts.config`, not the delivery machinery, the store and SQLAlchemy.
"""

from dq_monitor.core.lazy import lazy_exports

_LAZY = {
    "dq_monitor.alerts.config": ("AlertsConfig", "DeliveryPolicy", "parse_duration"),
    "dq_monitor.alerts.delivery": ("DeliveryOutcome", "deliver"),
    "dq_monitor.alerts.engine": ("RunReport", "build_notifiers", "delivery_status", "run_once"),
    "dq_monitor.alerts.ledger": ("DeliveryLedger",),
    "dq_monitor.alerts.notifiers": ("EmailNotifier", "Notifier", "NotifyResult", "Permanent", "Retryable", "Sent",
                                    "SlackBotNotifier", "SlackWebhookNotifier"),
    "dq_monitor.alerts.planner": ("Plan", "make_plan", "plan"),
    "dq_monitor.alerts.records": ("AlertInput", "Channel", "Notification"),
    "dq_monitor.alerts.render": ("render_email", "render_slack"),
    "dq_monitor.alerts.secrets": ("Secret", "mask"),
    "dq_monitor.alerts.targets": ("owner_kind",),
    "dq_monitor.core.matchers": ("LABELS", "Matcher", "parse_matcher"),
    "dq_monitor.store.alert_ledger": ("SqlDeliveryLedger",),
    "dq_monitor.store.alert_records": ("DeliveryRecord", "GroupState", "Silence", "SilenceNotFound"),
}
__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY)
