"""`build_dq_alerts` / `DqChecksComponent(alerts:)`: alerts for checks on your own assets, without a dq-monitor config."""

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import yaml

from dq_monitor import build_dq_alerts, build_dq_checks, dq_resources
from dq_monitor.config import ConfigError, parse_config
from dq_monitor.core.names import ALERT_SENSOR, CHECK_EVALUATION_SENSOR
from dq_monitor_tests.support.alerting_config import alerts_section
from dq_monitor_tests.support.alerts import SlackStandIn, SmtpStandIn

DAILY = dg.DailyPartitionsDefinition("2026-01-01")
GOOD, BAD = "2026-01-01", "2026-01-02"
SPEC = {"schema": {"columns": {"parcel_id": "int", "weight": "float"}}, "volume": {"min_rows": 1}}


@dg.asset(key=["depot", "parcels"], partitions_def=DAILY)
def parcels(context: dg.AssetExecutionContext) -> pd.DataFrame:
    frame = pd.DataFrame({"parcel_id": range(20), "weight": [2.5] * 20})
    return frame.drop(columns="weight") if context.partition_key == BAD else frame


def _receivers(monkeypatch, slack: SlackStandIn, smtp: SmtpStandIn) -> None:
    monkeypatch.setenv("DQ_MONITOR_SLACK_WEBHOOK_URL", slack.webhook_url())
    monkeypatch.setenv("DQ_MONITOR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DQ_MONITOR_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("DQ_MONITOR_ALERT_EMAIL_TO", "oncall@example.com")


def test_build_dq_alerts_sends_one_message_per_bad_partition_and_nothing_twice(tmp_path: Path, monkeypatch) -> None:
    defs = dg.Definitions(assets=[parcels], asset_checks=build_dq_checks(parcels, SPEC),
                          sensors=build_dq_alerts(alerts_section()), resources=dq_resources(home=tmp_path / "dq"))
    assert {s.name for s in defs.sensors} == {ALERT_SENSOR, CHECK_EVALUATION_SENSOR}
    job = defs.resolve_implicit_global_asset_job_def()
    sensor = defs.resolve_sensor_def(ALERT_SENSOR)
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance, \
            SlackStandIn() as slack, SmtpStandIn() as smtp:
        _receivers(monkeypatch, slack, smtp)
        for day in (GOOD, BAD):
            job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False)
        ticks = []
        for _ in range(2):  # the real sensor evaluation, twice: the second tick has nothing new to send
            context = dg.build_sensor_context(instance=instance, resources=defs.resources)
            ticks.append(sensor.evaluate_tick(context))
            messages = [str(r.payload) for r in slack.delivered()], smtp.received()
            if len(ticks) == 1:
                first = messages
        payloads, mails = messages
        webhook = slack.webhook_url()
    assert len(payloads) == 1 and len(mails) == 1 and (payloads, mails) == first
    assert BAD in payloads[0] and "depot_parcels_schema_matches_contract" in payloads[0]
    assert "/assets/depot/parcels" in payloads[0]
    assert mails[0]["Subject"] == f"[ERROR] depot_parcels: 1 failing check on snapshot {BAD}"
    assert mails[0]["To"] == "oncall@example.com"
    assert [bool(t.skip_message) for t in ticks] == [True, True]
    assert all(webhook not in t.skip_message for t in ticks)  # the secret is in no tick's message


def test_build_dq_alerts_validates_the_section_like_the_config_file() -> None:
    bad = alerts_section(receiver="pager")
    with pytest.raises(ConfigError) as from_code:
        build_dq_alerts(bad)
    with pytest.raises(ConfigError) as from_config:
        parse_config({"datasets": [], "alerts": bad}, source="build_dq_alerts")
    assert str(from_code.value) == str(from_config.value)
    assert "field 'alerts" in str(from_code.value) and "pager" in str(from_code.value)
    with pytest.raises(ConfigError, match="field 'automation.sensor_interval_seconds'"):
        build_dq_alerts(alerts_section(), automation={"sensor_interval_seconds": 0})
    assert [s.name for s in build_dq_alerts(alerts_section(), other_checks=False)] == [ALERT_SENSOR]


PARCELS_PY = """
import dagster as dg
from dq_monitor_tests.wiring.test_asset_alerts import parcels
"""


def _component_defs(sandbox, tmp_path: Path, alerts: dict):
    (sandbox.defs_folder_path / "pipelines").mkdir(parents=True, exist_ok=True)
    (sandbox.defs_folder_path / "pipelines" / "parcels.py").write_text(PARCELS_PY)
    (sandbox.defs_folder_path / "quality").mkdir(exist_ok=True)
    (sandbox.defs_folder_path / "quality" / "defs.yaml").write_text(yaml.safe_dump({
        "type": "dq_monitor.DqChecksComponent",
        "attributes": {"storage": {"home": str(tmp_path / "dq")}, "alerts": alerts,
                       "targets": [{"asset": "depot/parcels", **SPEC}]}}))
    return sandbox.build_all_defs()


def test_the_component_alerts_section_builds_the_alert_sensor_and_sends(tmp_path: Path, monkeypatch) -> None:
    from dagster.components.testing import create_defs_folder_sandbox

    (tmp_path / "dagster").mkdir()
    with create_defs_folder_sandbox() as sandbox, _component_defs(sandbox, tmp_path, alerts_section()) as defs, \
            dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance, \
            SlackStandIn() as slack, SmtpStandIn() as smtp:
        _receivers(monkeypatch, slack, smtp)
        assert {s.name for s in defs.sensors} == {ALERT_SENSOR, CHECK_EVALUATION_SENSOR}
        defs.resolve_implicit_global_asset_job_def().execute_in_process(partition_key=BAD, instance=instance,
                                                                         raise_on_error=False)
        sensor = defs.resolve_sensor_def(ALERT_SENSOR)
        for _ in range(2):
            sensor.evaluate_tick(dg.build_sensor_context(instance=instance, resources=defs.resources))
        payloads = [str(r.payload) for r in slack.delivered()]
    assert len(payloads) == 1 and BAD in payloads[0] and "depot_parcels_schema_matches_contract" in payloads[0]


def test_a_bad_component_alerts_section_names_the_defs_yaml_and_field(tmp_path: Path) -> None:
    from dagster.components.testing import create_defs_folder_sandbox

    with create_defs_folder_sandbox() as sandbox, pytest.raises(Exception) as raised:
        with _component_defs(sandbox, tmp_path, alerts_section(receiver="pager")):
            pass
    cause = raised.value
    while not isinstance(cause, ConfigError) and cause.__cause__ is not None:
        cause = cause.__cause__
    assert isinstance(cause, ConfigError)
    assert "quality/defs.yaml: field 'alerts" in str(cause) and "pager" in str(cause)
