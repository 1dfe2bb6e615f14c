"""One routing-and-delivery pass over the findings store: the alert sensor and `dq-monitor alerts flush`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import dagster as dg

from dq_monitor.config import ProjectConfig, validate_section
from dq_monitor.store import Store

#: Resolved findings older than this are no longer offered to the planner.
RESOLVED_LOOKBACK = timedelta(days=7)
_ASSET_SUFFIX = {"drift": "_drift_report", "anomaly": "_anomalies"}


def alerts_config(project: ProjectConfig):
    from dq_monitor.alerts import AlertsConfig

    return validate_section(project, None, "alerts", AlertsConfig, project.alerts or {})


def secret_env_names(config: Any) -> list[str]:
    """Every environment variable the receivers read (`*_env` keys)."""
    names: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key.endswith("_env") and isinstance(item, str):
                    names.add(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(config.model_dump(mode="json").get("receivers", {}))
    return sorted(names)


def secret_env(config: Any) -> dict[str, str]:
    """Receiver secrets, read through dg.EnvVar at send time (unset ones are left out: receiver skipped)."""
    values = {name: dg.EnvVar(name).get_value() for name in secret_env_names(config)}
    return {k: v for k, v in values.items() if v}


def _asset_of(project: ProjectConfig, finding: dict[str, Any]) -> str:
    if finding["source"] != "dq_monitor":
        return finding["dataset"]  # a user's own check: the dataset is its asset key
    return finding["dataset"] + _ASSET_SUFFIX.get(finding["check_type"], "_snapshot")


def run_alert_pass(project: ProjectConfig, store: Store, *, now: datetime | None = None):
    from dq_monitor.alerts import AlertInput, SqlDeliveryLedger, run_once

    config = alerts_config(project)
    now = now or datetime.now(timezone.utc)
    owners = {ds.name: tuple(ds.owners) for ds in project.datasets}
    alerts = []
    for f in store.alertable_findings(now - RESOLVED_LOOKBACK):
        links = {"run": f"/runs/{f['run_id']}"} if f.get("run_id") else {}
        alerts.append(AlertInput.from_finding(f, owners=owners.get(f["dataset"], ()), links=links,
                                              asset=_asset_of(project, f)))
    report = run_once(alerts, config, SqlDeliveryLedger(store.engine), now=now, env=secret_env(config))
    store.set_alert_states(report.alert_states)
    return report
