"""Alert wiring: users' own failed checks become findings; flush and silences through the CLI."""

import json
from pathlib import Path

import dagster as dg
import yaml

from dq_monitor.cli import main
from dq_monitor.config import load_config
from dq_monitor.defs.builder import build_definitions
from dq_monitor.store import Store
from dq_monitor_tests.support.alerting_config import alerts_section
from dq_monitor_tests.support.alerts import SlackStandIn, SmtpStandIn
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset


def write_project(tmp_path: Path, *, days=(1,), small_day: int | None = None, interval: int = 30) -> Path:
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True, exist_ok=True)
    for day in days:
        (folder / f"orders_2026-01-{day:02d}.csv").write_text(orders_csv(day, rows=10 if day == small_day else 100))
    config = tmp_path / "dq_monitor.yaml"
    config.write_text(yaml.safe_dump({"datasets": [orders_dataset()], "alerts": alerts_section(),
                                      "automation": {"sensor_interval_seconds": interval}}))
    return config


def test_a_users_own_failed_check_becomes_a_finding_and_resolves_when_it_passes(tmp_path: Path) -> None:
    project = load_config(write_project(tmp_path))
    ours = build_definitions(project)
    sensor = ours.resolve_sensor_def("dq_monitor_check_evaluation_sensor")
    state = {"ok": False}

    @dg.asset
    def revenue() -> int:
        return 1

    @dg.asset_check(asset=revenue)
    def revenue_is_positive() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=state["ok"], severity=dg.AssetCheckSeverity.ERROR,
                                   description="revenue must be positive", metadata={"observed": -5})

    store = Store(f"sqlite:///{tmp_path / '.dq_monitor/findings.db'}")
    consolidated = {"event_log_storage": {"module": "dagster._core.storage.event_log",
                                          "class": "ConsolidatedSqliteEventLogStorage",
                                          "config": {"base_dir": str(tmp_path / "events")}}}
    with dg.instance_for_test(overrides=consolidated) as instance:
        dg.materialize([revenue, revenue_is_positive], instance=instance)
        ctx = dg.build_sensor_context(instance=instance, definitions=ours)
        first = sensor(ctx, dq_store=ours.resources["dq_store"])
        found = store.findings(dataset="revenue")
        assert [(f.check, f.severity, f.source, f.status) for f in found] == [
            ("revenue_is_positive", "ERROR", "dagster", "open")]
        assert "revenue must be positive" in found[0].message
        # The cursor moved: a second tick records nothing new.
        cursor = first.cursor
        ctx2 = dg.build_sensor_context(instance=instance, definitions=ours, cursor=cursor)
        assert "read 0 check evaluation" in sensor(ctx2, dq_store=ours.resources["dq_store"]).skip_reason.skip_message
        state["ok"] = True
        dg.materialize([revenue, revenue_is_positive], instance=instance)
        sensor(dg.build_sensor_context(instance=instance, definitions=ours, cursor=cursor),
               dq_store=ours.resources["dq_store"])
    assert store.findings(dataset="revenue")[0].status == "resolved"


def test_flush_delivers_once_and_a_silence_mutes(tmp_path: Path, monkeypatch, capsys) -> None:
    config = str(write_project(tmp_path, days=(1, 2), small_day=2))
    assert main(["check", "--config", config, "--all"]) == 1
    with SlackStandIn() as slack, SmtpStandIn() as smtp:
        monkeypatch.setenv("DQ_MONITOR_SLACK_WEBHOOK_URL", slack.webhook_url())
        monkeypatch.setenv("DQ_MONITOR_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("DQ_MONITOR_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("DQ_MONITOR_ALERT_EMAIL_TO", "oncall@example.com")
        assert main(["alerts", "flush", "--config", config]) == 0
        assert main(["alerts", "flush", "--config", config]) == 0  # nothing new: nothing re-sent
        # Slack once; email once to on-call (ERROR route) and once to the dataset's owner (owners route,
        # ERROR findings only by default: the WARN row-count-change finding is not in the owner's mail).
        assert len(slack.delivered()) == 1 and smtp.count() == 2
        by_recipient = {m["To"]: m["Subject"] for m in smtp.received()}
        assert by_recipient == {"oncall@example.com": "[ERROR] orders: 1 failing check on snapshot orders_2026-01-02",
                                "orders-team@example.com": "[ERROR] orders: 1 failing check on snapshot "
                                                           "orders_2026-01-02"}
        payload = slack.delivered()[0].payload
        assert "orders" in str(payload) and "10 rows is below the minimum of 50" in str(payload)
        assert slack.webhook_url().split("/")[-1] not in capsys.readouterr().out  # the secret never printed
        store = Store(f"sqlite:///{tmp_path / '.dq_monitor/findings.db'}")
        states = {f.check: f.alert_state for f in store.findings(status="open")}
        assert set(states.values()) <= {"sent", "delivered"} and states
        capsys.readouterr()
        assert main(["findings", "--config", config, "--format", "json", "--status", "open"]) == 0
        listed = json.loads(capsys.readouterr().out)
        bounds = next(f for f in listed if f["check"] == "orders_row_count_in_bounds")
        assert {d["receiver"] for d in bounds["deliveries"]} >= {"slack/slack_webhook", "email/email"}
        assert all(d["status"] == "sent" for d in bounds["deliveries"])

        # A new faulty snapshot while a silence on the dataset is active: nothing is sent.
        assert main(["silence", "add", "--config", config, "-m", "dataset=orders", "--duration", "1h",
                     "--comment", "maintenance"]) == 0
        (tmp_path / "data/orders/orders_2026-01-03.csv").write_text(orders_csv(3, rows=5))
        main(["check", "--config", config, "--snapshot", "orders_2026-01-03"])
        assert main(["alerts", "flush", "--config", config]) == 0
        assert len(slack.delivered()) == 1 and smtp.count() == 2
        capsys.readouterr()
        assert main(["silence", "list", "--config", config]) == 0
        listed = capsys.readouterr().out
        assert "dataset=orders" in listed and "maintenance" in listed
        silence_id = listed.split()[0]
        assert main(["silence", "expire", "--config", config, silence_id]) == 0
        assert main(["alerts", "flush", "--config", config]) == 0
        assert len(slack.delivered()) == 2 and smtp.count() == 4
