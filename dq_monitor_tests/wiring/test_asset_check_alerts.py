"""Findings of `build_dq_checks` are alerted like dataset findings: routed, grouped, inhibited, to their owners."""

from pathlib import Path

import dagster as dg
import pandas as pd

from dq_monitor import build_dq_checks, dq_resources
from dq_monitor.config import parse_config
from dq_monitor.defs.alerts import build_check_evaluation_sensor, run_alert_pass
from dq_monitor.store import Store
from dq_monitor_tests.support.alerting_config import alerts_section
from dq_monitor_tests.support.alerts import SlackStandIn, SmtpStandIn

DAILY = dg.DailyPartitionsDefinition("2026-01-01")
FINE, SMALL, BROKEN = "2026-01-01", "2026-01-02", "2026-01-03"
SPEC = {"schema": {"columns": {"shipment_id": "int", "weight": "float"}}, "volume": {"min_rows": 50},
        "owners": "shipping@example.com"}


@dg.asset(key=["logistics", "shipments"], partitions_def=DAILY)
def shipments(context: dg.AssetExecutionContext) -> pd.DataFrame:
    day = context.partition_key
    rows = 100 if day == FINE else 10
    frame = pd.DataFrame({"shipment_id": range(rows), "weight": [1.5] * rows})
    return frame.drop(columns="weight") if day == BROKEN else frame


def test_asset_findings_route_group_and_inhibit_like_dataset_findings_and_reach_their_owners(
        tmp_path: Path, monkeypatch) -> None:
    checks = build_dq_checks(shipments, SPEC)
    resources = dq_resources(home=tmp_path / "dq")
    project = parse_config({"datasets": [], "alerts": alerts_section()})
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        for day in (FINE, SMALL, BROKEN):
            dg.materialize([shipments, *checks], partition_key=day, instance=instance, resources=resources,
                           raise_on_error=False)
        sensor = build_check_evaluation_sensor(project)
        sensor(dg.build_sensor_context(instance=instance), dq_store=resources["dq_store"])
    store = Store(f"sqlite:///{tmp_path / 'dq' / 'findings.db'}")
    # The check-evaluation sensor recognised them as ours: nothing recorded a second time under the asset key.
    assert {f.source for f in store.findings()} == {"dq_monitor"}
    assert {f.dataset for f in store.findings()} == {"logistics_shipments"}

    with SlackStandIn() as slack, SmtpStandIn() as smtp:
        monkeypatch.setenv("DQ_MONITOR_SLACK_WEBHOOK_URL", slack.webhook_url())
        monkeypatch.setenv("DQ_MONITOR_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("DQ_MONITOR_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("DQ_MONITOR_ALERT_EMAIL_TO", "oncall@example.com")
        run_alert_pass(project, store)
        run_alert_pass(project, store)  # nothing new: nothing re-sent
        # One Slack message per (dataset, partition) group; ERRORs also to on-call and to the spec's owner.
        payloads = [str(r.payload) for r in slack.delivered()]
        mails = [(m["To"], m["Subject"]) for m in smtp.received()]
    assert len(payloads) == 2
    broken = next(p for p in payloads if BROKEN in p)
    small = next(p for p in payloads if SMALL in p)
    assert "logistics_shipments_row_count_in_bounds" in small
    # The broken schema inhibits the volume finding of the same partition, exactly as for a dataset.
    assert "logistics_shipments_schema_matches_contract" in broken
    assert "logistics_shipments_row_count_in_bounds" not in broken
    assert "/assets/logistics/shipments" in broken  # the link names the user's asset by its key
    assert sorted(mails) == sorted(
        (to, f"[ERROR] logistics_shipments: 1 failing check on snapshot {day}")
        for to in ("oncall@example.com", "shipping@example.com") for day in (SMALL, BROKEN))
    inhibited = {f.check: f.alert_state for f in store.findings(status="open", snapshot=BROKEN)}
    assert inhibited["logistics_shipments_row_count_in_bounds"] not in {"sent", "delivered"}
