"""Project-wide sensors: every failed asset check becomes a finding; findings become alerts.

Open-source Dagster does not alert on failed asset checks (they do not fail runs, so run-failure
sensors never see them). The check-evaluation sensor reads every asset-check evaluation from the
instance's event log with a durable cursor -- any code location, any asset -- and records the
failures of checks dq_monitor did not write itself as findings (source `dagster`); a later pass
resolves them. The alert sensor then routes, groups and delivers findings from the store (the
outbox) and records every attempt, so a restart never loses or repeats an alert.
"""


from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import dagster as dg

from dq_monitor.config import ProjectConfig, parse_config
from dq_monitor.core.names import (
    ALERT_SENSOR,
    ASSET_TARGET_DETAIL,
    CHECK_EVALUATION_SENSOR,
    CheckType,
    asset_for_check_type,
    own_asset_names,
)
from dq_monitor.core.outcome import CheckOutcome, Finding, Severity
from dq_monitor.defs.asset_checks import OWN_CHECK_METADATA
from dq_monitor.defs.context import DatasetContext, FeatureDefs
from dq_monitor.defs.resources import FindingsStoreResource
from dq_monitor.store import FindingRecord

if TYPE_CHECKING:
    from dq_monitor.store import Store

#: Resolved findings older than this are no longer offered to the planner.
RESOLVED_LOOKBACK = timedelta(days=7)


def alerts_config(project: ProjectConfig):
    from dq_monitor.alerts import AlertsConfig

    return project.alerts or AlertsConfig()


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


def _asset_of(project: ProjectConfig, finding: FindingRecord) -> str:
    if finding.source != "dq_monitor" or all(ds.name != finding.dataset for ds in project.datasets):
        # a user's own check, or build_dq_checks on a user's asset: it names the asset (by its key)
        return str(_target_of(finding).get("asset") or finding.dataset)
    return asset_for_check_type(finding.dataset, finding.check_type)


def _target_of(finding: FindingRecord) -> dict[str, Any]:
    about = (finding.details or {}).get(ASSET_TARGET_DETAIL)
    return about if isinstance(about, dict) else {}


def _owners_of(owners: dict[str, tuple[str, ...]], finding: FindingRecord) -> tuple[str, ...]:
    """A configured dataset's owners; for a `build_dq_checks` finding, the owners its spec names."""
    if finding.dataset in owners:
        return owners[finding.dataset]
    return tuple(str(o) for o in _target_of(finding).get("owners") or ())


def run_alert_pass(project: ProjectConfig, store: "Store", *, now: datetime | None = None):
    from dq_monitor.alerts import AlertInput, SqlDeliveryLedger, run_once
    from dq_monitor.alerts.secrets import register_secret

    config = alerts_config(project)
    register_secret(store.engine.url.password)  # a receiver echoing it is masked like its own secrets
    now = now or datetime.now(timezone.utc)
    owners = {ds.name: tuple(ds.owners) for ds in project.datasets}
    alerts = []
    for f in store.alertable_findings(now - RESOLVED_LOOKBACK):
        links = {"run": f"/runs/{f.run_id}"} if f.run_id else {}
        alerts.append(AlertInput.from_finding(f, owners=_owners_of(owners, f), links=links,
                                              asset=_asset_of(project, f)))
    report = run_once(alerts, config, SqlDeliveryLedger(store.engine), now=now, env=secret_env(config))
    store.set_alert_states(report.alert_states)
    return report


BATCH = 500


def external_outcome(evaluation: Any, dataset: str, snapshot: str) -> CheckOutcome:
    """A finding for a user's own failed check (passes resolve it)."""
    severity = Severity.ERROR if str(getattr(evaluation.severity, "value", evaluation.severity)) == "ERROR" \
        else Severity.WARN
    text = evaluation.description or f"asset check {evaluation.check_name} on {dataset} failed"
    meta = {k: getattr(v, "value", str(v)) for k, v in (evaluation.metadata or {}).items()}
    meta = {k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v) for k, v in meta.items()}
    findings = () if evaluation.passed else (
        Finding(dataset, snapshot, evaluation.check_name, severity, f"{dataset}: {text}",
                {"asset": dataset, "metadata": meta, "partition": evaluation.partition}, key="check"),)
    return CheckOutcome(evaluation.check_name, bool(evaluation.passed), severity, text, metadata=meta,
                        findings=findings)


def build_check_evaluation_sensor(project: ProjectConfig) -> dg.SensorDefinition:
    own = {name for ds in project.datasets for name in own_asset_names(ds.name)}
    running = project.automation.sensors_running

    @dg.sensor(name=CHECK_EVALUATION_SENSOR,
               minimum_interval_seconds=project.automation.sensor_interval_seconds,
               default_status=dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED,
               description="Turns failed asset checks of any asset in this Dagster deployment into dq_monitor "
               "findings (and passes into resolutions), so they are alerted like dq_monitor's own.")
    def _sensor(context: dg.SensorEvaluationContext, dq_store: FindingsStoreResource) -> dg.SensorResult:
        store = dq_store.get_store()
        cursor = int(context.cursor) if context.cursor else None
        try:
            records = context.instance.get_event_records(
                dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, after_cursor=cursor),
                limit=BATCH, ascending=True)
        except Exception as exc:  # a run-sharded SQLite event log cannot be read with one cursor
            if "run-sharded" not in str(exc):
                raise
            message = ("this instance's event log is run-sharded SQLite: use dq_monitor's dagster.yaml "
                       "(ConsolidatedSqliteEventLogStorage) or Postgres storage to alert on other asset checks")
            context.log.error(message)
            return dg.SensorResult(skip_reason=message, cursor=context.cursor)
        recorded = 0
        for record in records:
            event = record.event_log_entry.dagster_event
            evaluation = event.event_specific_data if event else None
            if evaluation is None or evaluation.asset_key.path[-1] in own \
                    or OWN_CHECK_METADATA in (evaluation.metadata or {}):  # written by build_dq_checks
                continue
            dataset = evaluation.asset_key.to_user_string()
            snapshot = evaluation.partition or "-"
            store.record_outcome(dataset, snapshot, external_outcome(evaluation, dataset, snapshot),
                                 check_type=CheckType.DAGSTER.value, asset_key=dataset, run_id=record.event_log_entry.run_id,
                                 source="dagster")
            recorded += 1
        return dg.SensorResult(
            skip_reason=f"read {len(records)} check evaluation(s); recorded {recorded} from other checks",
            cursor=str(records[-1].storage_id) if records else context.cursor)

    return _sensor


def build_alert_sensor(project: ProjectConfig) -> dg.SensorDefinition:
    running = project.automation.sensors_running

    @dg.sensor(name=ALERT_SENSOR, minimum_interval_seconds=project.automation.sensor_interval_seconds,
               default_status=dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED,
               description="Routes, groups and delivers findings to Slack and email (Alertmanager-style), "
               "recording every attempt; retries back off across ticks.")
    def _sensor(context: dg.SensorEvaluationContext, dq_store: FindingsStoreResource) -> dg.SkipReason:
        report = run_alert_pass(project, dq_store.get_store())
        summary = report.summary()
        for line in report.details():  # failures and waiting receivers are warnings; held alerts are routine
            (context.log.info if line.startswith("held:") else context.log.warning)(f"alert delivery {line}")
        context.log.info(summary)
        return dg.SkipReason(summary)

    return _sensor


def build_project_defs(project: ProjectConfig) -> dg.Definitions | None:
    sensors = [build_check_evaluation_sensor(project)]
    if project.alerts is not None:
        sensors.append(build_alert_sensor(project))
    return dg.Definitions(sensors=sensors)


def build_dq_alerts(alerts: Mapping[str, Any], *, automation: Mapping[str, Any] | None = None,
                    other_checks: bool = True, source: str = "build_dq_alerts") -> list[dg.SensorDefinition]:
    """Alerts for `build_dq_checks` users without a dq_monitor config: `alerts` is the config file's
    `alerts:` section (the same model, validated the same way), `automation` its `automation:` section.

    Returns the alert sensor over the `dq_store` resource's findings and, with `other_checks`, the
    check-evaluation sensor that turns the deployment's other failed asset checks into findings. Do not
    add them beside a `DqMonitorComponent` with `alerts:`, which has the same two sensors.
    """
    project = parse_config({"datasets": [], "alerts": dict(alerts), "automation": dict(automation or {})},
                           source=source)
    sensors = [build_check_evaluation_sensor(project)] if other_checks else []
    return [*sensors, build_alert_sensor(project)]


def build_dataset_defs(ctx: DatasetContext) -> FeatureDefs | None:
    return None
