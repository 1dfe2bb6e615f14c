"""End to end on the real `dagster dev`: a faulty snapshot arrives, exactly one Slack payload and one email
reach the local stand-ins, and restarting the daemon mid-way sends nothing twice."""

import time
from pathlib import Path

import pytest
import yaml

from dq_monitor.store import Store
from dq_monitor_tests.support.alerting_config import alerts_section
from dq_monitor_tests.support.alerts import SlackStandIn, SmtpStandIn
from dq_monitor_tests.support.dagster_dev import DagsterDev, wait_for
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset

pytestmark = pytest.mark.slow


def test_a_faulty_snapshot_alerts_exactly_once_across_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True)
    (folder / "orders_2026-01-01.csv").write_text(orders_csv(1))
    config = tmp_path / "dq_monitor.yaml"
    config.write_text(yaml.safe_dump({"datasets": [orders_dataset(owners=["@orders-oncall"])],
                                      # group_wait lets one run's checks land before the group is sent
                                      "alerts": alerts_section(group_wait="5s"),
                                      "automation": {"sensor_interval_seconds": 2}}))
    store_url = f"sqlite:///{tmp_path / '.dq_monitor/findings.db'}"
    with SlackStandIn() as slack, SmtpStandIn() as smtp:
        env = {"DQ_MONITOR_SLACK_WEBHOOK_URL": slack.webhook_url(), "DQ_MONITOR_SMTP_HOST": "127.0.0.1",
               "DQ_MONITOR_SMTP_PORT": str(smtp.port), "DQ_MONITOR_ALERT_EMAIL_TO": "oncall@example.com"}
        home = tmp_path / "dagster_home"
        with DagsterDev(config, home, tmp_path / "dev1.log", env=env):
            wait_for(lambda: Store(store_url).evaluations(snapshot="orders_2026-01-01"), 150, what="clean snapshot")
            (folder / "orders_2026-01-02.csv").write_text(orders_csv(2, rows=10))  # too few rows: ERROR
            wait_for(lambda: slack.delivered() and smtp.count(), 150, what="the first alert")
            # Stop between ticks, once the pass has recorded its deliveries (a kill in the middle of a
            # send is the at-least-once case: that one message may be repeated, by design).
            wait_for(lambda: all(f.alert_state == "sent" for f in Store(store_url).findings(status="open")),
                     60, what="the deliveries recorded")
        # The daemon is down; a second faulty snapshot arrives while it is; restart on the same instance.
        (folder / "orders_2026-01-03.csv").write_text(orders_csv(3, rows=5))
        with DagsterDev(config, home, tmp_path / "dev2.log", env=env):
            wait_for(lambda: len(slack.delivered()) >= 2 and smtp.count() >= 2, 150, what="the second alert")
            time.sleep(15)  # several more sensor ticks: nothing may be sent again
        texts = [str(r.payload) for r in slack.delivered()]
        assert len(texts) == 2 and smtp.count() == 2
        assert "orders_2026-01-02" in texts[0] and "orders_2026-01-03" in texts[1]
        assert [m["To"] for m in smtp.received()] == ["oncall@example.com", "oncall@example.com"]
        assert slack.webhook_url().split("/")[-1] not in (tmp_path / "dev1.log").read_text()
