"""Alerts under faults (issue 18): read timeouts on non-idempotent sends, recovery after an SMTP outage.

Real transports: the Slack stand-in (a real HTTP server) taking a message but answering after the
client gave up, and a real aiosmtpd server stopped and restarted. Passes are `run_once` calls on a
clock the test moves like sensor ticks; the CLI test runs `dq-monitor alerts flush` on a real project.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from dq_monitor.alerts import run_once
from dq_monitor.alerts.config import DeliveryPolicy
from dq_monitor.cli import main
from dq_monitor_tests.alerts.test_delivery import NOW, groups, make_config, make_env
from dq_monitor_tests.support.alerting_config import alerts_section
from dq_monitor_tests.support.alerts import Fault, SlackStandIn, SmtpStandIn
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset


@pytest.fixture
def slack():
    with SlackStandIn(bot_token="xoxb-good-token") as stand_in:
        yield stand_in


@pytest.mark.parametrize("receiver", ["webhook", "bot"])
def test_a_read_timeout_is_not_resent_within_the_pass_and_costs_at_most_one_duplicate(slack, ledger, receiver):
    # Three in-tick attempts allowed: without the rule a timeout would be re-sent twice more in this pass.
    cfg = make_config(slack, receivers=(receiver,), delivery={"timeout": "1s", "in_tick_attempts": 3,
                                                              "in_tick_max_wait": "0.1s"})
    env, alerts = make_env(slack), groups(3)
    slack.fail_next(Fault.slow(1.6))
    first = run_once(alerts, cfg, ledger, now=NOW, env=env)
    assert sorted(o.status for o in first.outcomes) == ["deferred", "deferred", "retrying"]
    timed_out = next(o for o in first.outcomes if o.status == "retrying")
    assert "did not answer" in timed_out.error and timed_out.tries == 1
    time.sleep(1.0)  # let the slow answer finish: the stand-in has taken that message
    assert len(slack.requests) == 1 and len(slack.delivered()) == 1
    second = run_once(alerts, cfg, ledger, now=NOW + timedelta(minutes=1), env=env)
    assert [o.status for o in second.outcomes] == ["sent", "sent", "sent"]
    for later in (2, 3, 10):
        assert run_once(alerts, cfg, ledger, now=NOW + timedelta(minutes=later), env=env).outcomes == []
    texts = [r.payload.get("text") for r in slack.delivered()]
    # Each group arrived, the timed-out one twice: one duplicate for one timeout (at-least-once).
    assert len(texts) == 4 and len(set(texts)) == 3 and texts.count(texts[0]) == 2


def test_the_default_backoff_cap_delivers_everything_once_within_a_minute_and_a_tick_after_an_outage(ledger):
    tick = timedelta(seconds=30)  # the sensor's default interval
    cfg = make_config(receivers=("mail",)).model_copy(update={"delivery": DeliveryPolicy(timeout="2s")})
    assert cfg.delivery.backoff_max == timedelta(minutes=1)
    smtp = SmtpStandIn()
    env, alerts = make_env(smtp=smtp), groups(5)
    clock, outage_ends = NOW, NOW + timedelta(minutes=20, seconds=10)
    while clock < outage_ends:  # twenty minutes down: every pass fails or waits, each wait at most the cap
        report = run_once(alerts, cfg, ledger, now=clock, env=env)
        assert all(o.status in ("retrying", "deferred") for o in report.outcomes)
        assert report.waiting and all(w.next_attempt_at - clock <= cfg.delivery.backoff_max for w in report.waiting)
        clock += tick
    smtp.start()
    try:
        delivered_at = None
        for _ in range(10):
            report = run_once(alerts, cfg, ledger, now=clock, env=env)
            if smtp.count() == 5:
                delivered_at = clock
                break
            clock += tick
        assert delivered_at is not None, report.summary()
        recovery = (delivered_at - outage_ends).total_seconds()
        print(f"recovery after the outage: {recovery:.0f} s (cap {cfg.delivery.backoff_max}, tick {tick})")
        assert recovery <= (cfg.delivery.backoff_max + tick).total_seconds()
        for _ in range(4):
            clock += tick
            assert run_once(alerts, cfg, ledger, now=clock, env=env).outcomes == []
        assert smtp.count() == 5 and len({m["Message-ID"] for m in smtp.received()}) == 5
    finally:
        smtp.stop()


def _project(tmp_path: Path) -> str:
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True)
    for day in (1, 2):
        (folder / f"orders_2026-01-{day:02d}.csv").write_text(orders_csv(day, rows=10 if day == 2 else 100))
    config = tmp_path / "dq_monitor.yaml"
    config.write_text(yaml.safe_dump({"datasets": [orders_dataset()], "alerts": alerts_section()}))
    return str(config)


def test_flush_says_what_waits_for_which_receiver_until_when_and_now_retries_it(tmp_path, monkeypatch, capsys):
    config = _project(tmp_path)
    assert main(["check", "--config", config, "--all"]) == 1
    smtp = SmtpStandIn()  # not started: the SMTP server is down
    with SlackStandIn() as slack:
        for var, value in {"DQ_MONITOR_SLACK_WEBHOOK_URL": slack.webhook_url(), "DQ_MONITOR_SMTP_HOST": "127.0.0.1",
                           "DQ_MONITOR_SMTP_PORT": str(smtp.port),
                           "DQ_MONITOR_ALERT_EMAIL_TO": "oncall@example.com"}.items():
            monkeypatch.setenv(var, value)
        capsys.readouterr()
        assert main(["alerts", "flush", "--config", config]) == 0
        assert main(["alerts", "flush", "--config", config]) == 0
        out = capsys.readouterr().out.splitlines()
        second = out[out.index(next(x for x in out[1:] if not x.startswith("  "))):]
        assert second[0].startswith("nothing to send;") and "email/email retries 1 deliveries at 20" in second[0]
        waits = [x for x in second if x.startswith("  waiting: ")]
        assert len(waits) == 2, second  # on-call and the dataset's owner, both over SMTP
        assert all("wait for a retry at 20" in w and "(in " in w and f"SMTP server 127.0.0.1:{smtp.port} unreachable"
                   in w for w in waits), waits
        assert any(x.startswith("  held: 2 alerts: ") for x in second), second
        assert "  (`dq-monitor alerts flush --now` retries them now)" in second
        assert main(["alerts", "flush", "--config", config, "--format", "json"]) == 0
        meta = json.loads(capsys.readouterr().out)
        assert {w["receiver"] for w in meta["waiting"]} == {"email/email", "owner:orders-team@example.com/email"}

        smtp.start()
        try:
            started = time.monotonic()
            assert main(["alerts", "flush", "--config", config, "--now"]) == 0
            recovery = time.monotonic() - started
            assert smtp.count() == 2, capsys.readouterr()
            with capsys.disabled():
                print(f"--now delivered the waiting mail {recovery:.2f} s after the server came back")
            assert main(["alerts", "flush", "--config", config, "--now"]) == 0
            assert smtp.count() == 2 and len(slack.delivered()) == 1  # exactly once each
            assert "wait for a retry" not in capsys.readouterr().out
        finally:
            smtp.stop()


def test_mask_scrubs_every_piece_of_a_secret_but_leaves_ordinary_words():
    from dq_monitor.alerts.secrets import Secret, mask, register_secret

    Secret("https://hooks.example.com/services/T0MASKTEAM/B0MASKBOT/xoxMASKtoken99")
    Secret("xoxb-918273645501-MaskBotPart77")
    register_secret("dbMaskPw9")  # the store's database password
    cases = {
        "invalid_token: xoxMASKtoken99 for team T0MASKTEAM": "invalid_token: **** for team ****",
        "invalid_token: xoxmasktoken... (truncated, lower-cased)": "invalid_token: ****... (truncated, lower-cased)",
        "POST /services/T0MASKTEAM/B0MASKBOT/xoxMASKtoken99 failed": "POST /**** failed",
        "bad bot 918273645501 / MaskBotPart77": "bad bot **** / ****",
        "auth failed for dbMaskPw9": "auth failed for ****",
        # Public parts of the URL and words that are merely in it stay readable.
        "the services endpoint on hooks.example.com answered 500": "the services endpoint on hooks.example.com "
                                                                    "answered 500",
        "payments_volume_within_bounds failed on snapshot 2024-01-01": "payments_volume_within_bounds failed on "
                                                                       "snapshot 2024-01-01",
    }
    for text, masked in cases.items():
        assert mask(text) == masked, text
