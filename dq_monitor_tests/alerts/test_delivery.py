"""Delivery through real transports: a Slack stand-in (real HTTP server) and a real SMTP server on localhost.

Faults are played by the stand-ins (HTTP 500, 429 with Retry-After, a hang past
the client's timeout, an SMTP server that is down); passes are `run_once` calls
on a clock the test moves, like sensor ticks.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from dq_monitor.alerts import (
    AlertsConfig,
    SqlDeliveryLedger,
    build_notifiers,
    delivery_status,
    run_once,
)
from dq_monitor.store import make_engine
from dq_monitor.store.alert_records import SilenceNotFound
from dq_monitor_tests.support.alerts import Fault, SlackStandIn, SmtpStandIn, make_alert

T0 = datetime(2024, 1, 1, 6, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(minutes=5)
WEBHOOK_SECRET = "T0SECRET/B0SECRET/hunter2hunter2"


@pytest.fixture
def slack():
    with SlackStandIn(bot_token="xoxb-good-token") as stand_in:
        yield stand_in


@pytest.fixture
def smtp():
    stand_in = SmtpStandIn(reject=("nobody@example.com",)).start()
    yield stand_in
    stand_in.stop()


def make_config(slack: SlackStandIn | None = None, *, receivers: tuple[str, ...] = ("webhook",),
                route: dict | None = None,
                delivery: dict | None = None, **extra: Any) -> AlertsConfig:
    specs = {
        "webhook": {"slack_webhook": {"url_env": "DQ_TEST_WEBHOOK_URL"}},
        "bot": {"slack_bot": {"token_env": "DQ_TEST_BOT_TOKEN", "channel": "#data-quality",
                              "base_url": slack.api_url if slack else "http://127.0.0.1:9/api/"}},
        "mail": {"email": {"smtp_host_env": "DQ_TEST_SMTP_HOST", "smtp_port_env": "DQ_TEST_SMTP_PORT",
                           "to_env": "DQ_TEST_EMAIL_TO", "from": "dq-monitor@example.com", "starttls": "auto"}},
    }
    base_route = {"receiver": receivers[0], "group_wait": "0s", "group_interval": "1m", "repeat_interval": "4h"}
    if len(receivers) > 1:
        base_route["routes"] = [{"receiver": r, "continue": True} for r in receivers]
    policy = {"timeout": "2s", "in_tick_attempts": 1, "in_tick_max_wait": "1s", "backoff_initial": "30s",
              "backoff_max": "5m", **(delivery or {})}
    return AlertsConfig.model_validate({
        "base_url": "http://dagster.example:3000", "receivers": {r: specs[r] for r in receivers},
        "route": {**base_route, **(route or {})}, "delivery": policy, **extra,
    })


def make_env(slack: SlackStandIn | None = None, smtp: SmtpStandIn | None = None) -> dict[str, str]:
    env: dict[str, str] = {}
    if slack is not None:
        env.update(DQ_TEST_WEBHOOK_URL=slack.webhook_url(WEBHOOK_SECRET), DQ_TEST_BOT_TOKEN="xoxb-good-token")
    if smtp is not None:
        env.update(DQ_TEST_SMTP_HOST="127.0.0.1", DQ_TEST_SMTP_PORT=str(smtp.port),
                   DQ_TEST_EMAIL_TO="dq@example.com, oncall@example.com")
    return env


def groups(n: int) -> list:
    """`n` alert groups (one snapshot each) of two findings."""
    return [make_alert(f"{s}-{c}", snapshot=f"2024-01-0{s + 1}", check=check, check_type=check_type)
            for s in range(n) for c, (check, check_type) in enumerate(
                [("payments_volume_within_bounds", "volume"), ("payments_fresh", "freshness")])]


def test_an_alert_group_arrives_as_one_parsed_email_with_html_and_plain_text_parts(smtp, ledger):
    alerts = [make_alert("a", message="row count 12 is below min_rows 500", details={"observed": 12, "expected": 500},
                         links={"drift report": "/reports/payments/2024-01-01.html"}, run_id="run-123"),
              make_alert("b", check="payments_amount_not_null", check_type="expectations",
                         message="<b>amount</b> has 3 nulls", details={"unexpected_count": 3})]
    report = run_once(alerts, make_config(receivers=("mail",)), ledger, now=NOW, env=make_env(smtp=smtp))
    assert report.summary().startswith("1 sent")
    [msg] = smtp.received()
    assert msg["Subject"] == "[ERROR] payments: 2 failing checks on snapshot 2024-01-01"
    assert msg["To"] == "dq@example.com, oncall@example.com"
    assert smtp.envelopes == [("dq-monitor@example.com", ["dq@example.com", "oncall@example.com"])]
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "observed: 12" in plain and "expected: 500" in plain
    assert "drift report: http://dagster.example:3000/reports/payments/2024-01-01.html" in plain
    assert 'href="http://dagster.example:3000/runs/run-123"' in html
    assert 'href="http://dagster.example:3000/assets/payments"' in html
    assert "&lt;b&gt;amount&lt;/b&gt; has 3 nulls" in html and "<b>amount</b>" not in html
    assert report.alert_states == {"a": "sent", "b": "sent"}


def test_slack_webhook_and_bot_receive_block_kit_with_a_text_fallback(slack, ledger):
    cfg = make_config(slack, receivers=("webhook", "bot"))
    run_once([make_alert("a", details={"observed": 12, "expected": ">= 500"})], cfg, ledger, now=NOW,
             env=make_env(slack))
    [hook] = slack.delivered("webhook")
    [api] = slack.delivered("api")
    assert hook.path == f"/services/{WEBHOOK_SECRET}"
    assert api.token == "xoxb-good-token" and api.payload["channel"] == "#data-quality"
    for request in (hook, api):
        blocks = request.payload["blocks"]
        assert blocks[0] == {"type": "header", "text": {
            "type": "plain_text", "text": "[ERROR] payments: 1 failing check on snapshot 2024-01-01", "emoji": False}}
        fields = [f["text"] for b in blocks for f in b.get("fields", [])]
        assert "observed: 12" in fields and "expected: &gt;= 500" in fields
        assert request.payload["text"].startswith("[ERROR] payments: 1 failing check")


def test_slack_500_then_200_is_delivered_exactly_once_on_a_later_pass(slack, ledger):
    cfg, env = make_config(slack), make_env(slack)
    slack.fail_next(Fault(500))
    first = run_once(groups(1), cfg, ledger, now=NOW, env=env)
    assert [o.status for o in first.outcomes] == ["retrying"]
    assert first.outcomes[0].next_attempt_at == NOW + timedelta(seconds=30)
    assert "HTTP 500" in first.outcomes[0].error
    assert run_once(groups(1), cfg, ledger, now=NOW + timedelta(seconds=10), env=env).outcomes == []
    second = run_once(groups(1), cfg, ledger, now=NOW + timedelta(seconds=30), env=env)
    assert [o.status for o in second.outcomes] == ["sent"]
    assert [r.status for r in slack.requests] == [500, 200]
    assert len(slack.delivered()) == 1
    [record] = ledger.deliveries()
    assert (record.status, record.attempts, record.last_error) == ("sent", 2, None)


def test_an_in_tick_retry_gets_past_a_single_500_within_the_same_pass(slack, ledger):
    cfg = make_config(slack, delivery={"in_tick_attempts": 3})
    slack.fail_next(Fault(502, "bad gateway"))
    report = run_once(groups(1), cfg, ledger, now=NOW, env=make_env(slack))
    assert [(o.status, o.tries) for o in report.outcomes] == [("sent", 2)]
    assert len(slack.delivered()) == 1


def test_slack_429_retry_after_is_honoured_across_passes(slack, ledger):
    cfg, env = make_config(slack, receivers=("bot",)), make_env(slack)
    slack.fail_next(Fault.rate_limited(120))
    first = run_once(groups(1), cfg, ledger, now=NOW, env=env)
    assert first.outcomes[0].status == "retrying"
    assert first.outcomes[0].next_attempt_at == NOW + timedelta(seconds=120)  # not our 30 s backoff
    assert run_once(groups(1), cfg, ledger, now=NOW + timedelta(seconds=119), env=env).outcomes == []
    assert len(slack.requests) == 1
    assert [o.status for o in run_once(groups(1), cfg, ledger, now=NOW + timedelta(seconds=120), env=env).outcomes] == [
        "sent"]
    assert len(slack.delivered("api")) == 1


def test_a_short_retry_after_is_waited_out_within_the_pass(slack, ledger):
    cfg = make_config(slack, delivery={"in_tick_attempts": 2, "in_tick_max_wait": "2s"})
    slack.fail_next(Fault.rate_limited(1))
    report = run_once(groups(1), cfg, ledger, now=NOW, env=make_env(slack))
    assert report.outcomes[0].status == "sent"
    first, second = slack.requests
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95


def test_a_slack_timeout_is_retried_on_a_later_pass_and_delivered_once(slack, ledger):
    cfg, env = make_config(slack, delivery={"timeout": "0.5s"}), make_env(slack)
    slack.fail_next(Fault.timeout(1.5))
    started = time.monotonic()
    first = run_once(groups(1), cfg, ledger, now=NOW, env=env)
    assert time.monotonic() - started < 1.4  # the client gave up at its timeout
    assert first.outcomes[0].status == "retrying" and "timed out" in first.outcomes[0].error
    second = run_once(groups(1), cfg, ledger, now=NOW + timedelta(minutes=1), env=env)
    assert second.outcomes[0].status == "sent"
    time.sleep(1.2)  # let the hung request finish so it is recorded too
    assert len(slack.delivered()) == 1


def test_smtp_down_for_several_passes_then_up_delivers_each_group_exactly_once(smtp, ledger):
    cfg = make_config(receivers=("mail",), delivery={"backoff_initial": "10s", "backoff_max": "1m"})
    env, alerts = make_env(smtp=smtp), groups(3)
    smtp.stop()
    clock = NOW
    for _ in range(4):
        report = run_once(alerts, cfg, ledger, now=clock, env=env)
        # One connection attempt per pass; the other groups wait for the receiver's next attempt time.
        assert sorted(o.status for o in report.outcomes) == ["deferred", "deferred", "retrying"]
        assert all("unreachable" in o.error for o in report.outcomes)
        clock += timedelta(minutes=2)
    assert smtp.received() == []
    smtp.start()
    report = run_once(alerts, cfg, ledger, now=clock, env=env)
    assert [o.status for o in report.outcomes] == ["sent", "sent", "sent"]
    for later in range(1, 6):
        assert run_once(alerts, cfg, ledger, now=clock + timedelta(minutes=later), env=env).outcomes == []
    subjects = sorted(m["Subject"] for m in smtp.received())
    assert subjects == [f"[ERROR] payments: 2 failing checks on snapshot 2024-01-0{i}" for i in (1, 2, 3)]
    assert len({m["Message-ID"] for m in smtp.received()}) == 3
    assert {a.fingerprint for a in alerts} == {fp for fp, state in report.alert_states.items() if state == "sent"}
    attempts = sorted(r.attempts for r in ledger.deliveries(status="sent"))
    assert attempts == [1, 1, 5]  # the probe group tried in each down pass, the others only once it was up


def test_permanent_errors_stop_retrying_and_record_the_reason(slack, smtp, ledger):
    cfg = make_config(slack, receivers=("bot", "mail"))
    env = {**make_env(slack, smtp), "DQ_TEST_BOT_TOKEN": "xoxb-revoked", "DQ_TEST_EMAIL_TO": "nobody@example.com"}
    report = run_once(groups(1), cfg, ledger, now=NOW, env=env)
    errors = {o.notification.receiver: (o.status, o.error) for o in report.outcomes}
    assert errors["bot/slack_bot"] == ("failed", "Slack API refused chat.postMessage to #data-quality: invalid_auth")
    assert errors["mail/email"][0] == "failed"
    assert "refused the recipients: nobody@example.com" in errors["mail/email"][1]
    assert report.alert_states == {"0-0": "failed", "0-1": "failed"}
    for minutes in (1, 10, 60):
        assert run_once(groups(1), cfg, ledger, now=NOW + timedelta(minutes=minutes), env=env).outcomes == []
    assert len(slack.requests) == 1 and smtp.received() == []
    assert all(r.permanent and r.status == "failed" for r in ledger.deliveries())
    status = delivery_status(ledger, ["0-0"])
    assert sorted((d["receiver"], d["status"], d["permanent"]) for d in status["0-0"]) == [
        ("bot/slack_bot", "failed", True), ("mail/email", "failed", True)]
    assert any("invalid_auth" in d["error"] for d in status["0-0"])


def test_a_webhook_4xx_is_permanent(slack, ledger):
    cfg, env = make_config(slack), make_env(slack)
    slack.fail_next(Fault(404, "no_service"))
    assert run_once(groups(1), cfg, ledger, now=NOW, env=env).outcomes[0].error == (
        "Slack webhook rejected the message (HTTP 404): no_service")


def test_a_delivery_that_keeps_failing_is_given_up_after_give_up_after(slack, ledger):
    env = make_env(slack)
    cfg = make_config(slack, route={"group_by": ["..."]}, delivery={"give_up_after": "10m", "backoff_max": "2m"})
    slack.fail_next(*[Fault(503, "down")] * 20)
    clock, statuses = NOW, []
    while clock < NOW + timedelta(minutes=15):
        statuses += [o.status for o in run_once([make_alert("x")], cfg, ledger, now=clock, env=env).outcomes]
        clock += timedelta(minutes=2)
    assert statuses[-1] == "failed" and set(statuses[:-1]) == {"retrying"}
    [record] = ledger.deliveries()
    assert record.last_error.startswith(f"gave up after {len(statuses)} attempts") and record.permanent


def test_an_unset_receiver_env_var_skips_the_receiver_with_one_log_line(slack, caplog, monkeypatch, ledger):
    from dq_monitor.alerts import engine

    monkeypatch.setattr(engine, "_ANNOUNCED", set())  # "once per process": start this test's process afresh
    cfg = make_config(slack, receivers=("webhook", "bot"))
    env = {"DQ_TEST_BOT_TOKEN": "xoxb-good-token"}  # no webhook URL
    caplog.set_level(logging.INFO, logger="dq_monitor.alerts")
    for minutes in (0, 1, 2):
        report = run_once(groups(1), cfg, ledger, now=NOW + timedelta(minutes=minutes), env=env)
        assert report.skipped_receivers == {
            "webhook/slack_webhook": "environment variable DQ_TEST_WEBHOOK_URL is not set"}
    skips = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert [r.getMessage() for r in skips] == [
        "alerts: receiver webhook/slack_webhook skipped: environment variable DQ_TEST_WEBHOOK_URL is not set"]
    assert [r.kind for r in slack.delivered()] == ["api"]
    _, skipped = build_notifiers(make_config(receivers=("mail",)), {"DQ_TEST_SMTP_HOST": "h", "DQ_TEST_SMTP_PORT": "x"})
    assert skipped == {("mail", "email"): "environment variable DQ_TEST_SMTP_PORT is not a port number: 'x'"}


def test_secrets_never_appear_in_errors_logs_reprs_or_reports(slack, caplog, ledger):
    caplog.set_level(logging.DEBUG)
    env = make_env(slack)
    cfg = make_config(slack, receivers=("webhook", "bot"))
    # A server that echoes the secret URL path back in its error body.
    slack.fail_next(Fault(400, f"invalid_payload for /services/{WEBHOOK_SECRET}"),
                    Fault(500, "token xoxb-good-token is broken"))
    report = run_once(groups(1), cfg, ledger, now=NOW, env=env)
    notifiers, _ = build_notifiers(cfg, env)
    texts = [repr(n) for n in notifiers.values()] + [str(report.as_metadata()), caplog.text]
    texts += [str(r) for r in ledger.deliveries()]
    assert sorted(o.status for o in report.outcomes) == ["failed", "retrying"]
    for text in texts:
        assert WEBHOOK_SECRET not in text and "xoxb-good-token" not in text
    assert "****" in str(report.as_metadata())
    assert "Secret(DQ_TEST_WEBHOOK_URL=****)" in repr(notifiers[("webhook", "slack_webhook")])


def test_the_sql_ledger_survives_restarts_and_concurrent_passes_without_duplicates(migrated_url, slack, smtp):
    cfg = make_config(slack, receivers=("webhook", "mail"))
    env = make_env(slack, smtp)
    slack.fail_next(Fault(500))
    alerts = groups(3)

    def one_pass(now: datetime) -> None:
        engine = make_engine(migrated_url)  # a fresh process each time
        try:
            run_once(alerts, cfg, SqlDeliveryLedger(engine), now=now, env=env)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=one_pass, args=(NOW,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for minutes in (1, 2, 10):
        one_pass(NOW + timedelta(minutes=minutes))
    hooks = sorted(r.payload["blocks"][0]["text"]["text"] for r in slack.delivered())
    assert hooks == [f"[ERROR] payments: 2 failing checks on snapshot 2024-01-0{i}" for i in (1, 2, 3)]
    assert sorted(m["Subject"] for m in smtp.received()) == sorted(
        f"[ERROR] payments: 2 failing checks on snapshot 2024-01-0{i}" for i in (1, 2, 3))
    engine = make_engine(migrated_url)
    assert sorted(r.status for r in SqlDeliveryLedger(engine).deliveries()) == ["sent"] * 6
    engine.dispose()


def test_silences_are_added_listed_and_expired(ledger):
    s = ledger.add_silence(["dataset=payments", "check_type=~drift|volume"], NOW + timedelta(hours=2),
                           starts_at=NOW, created_by="alice", comment="backfill running")
    other = ledger.add_silence(["dataset=orders"], NOW + timedelta(hours=1), starts_at=NOW)
    assert [x.id for x in ledger.silences(NOW)] == sorted([s.id, other.id], key=lambda i: (NOW, i))
    [found] = [x for x in ledger.silences(NOW) if x.id == s.id]
    assert (found.matchers, found.created_by, found.comment) == (
        ("dataset=payments", "check_type=~drift|volume"), "alice", "backfill running")
    expired = ledger.expire_silence(s.id, NOW + timedelta(minutes=30))
    assert expired.ends_at == NOW + timedelta(minutes=30)
    assert [x.id for x in ledger.silences(NOW + timedelta(minutes=31))] == [other.id]
    assert len(ledger.silences(NOW + timedelta(minutes=31), include_expired=True)) == 2
    with pytest.raises(SilenceNotFound, match="no silence with id 'nope'"):
        ledger.expire_silence("nope", NOW)
    with pytest.raises(ValueError, match="unknown label"):
        ledger.add_silence(["team=payments"], NOW + timedelta(hours=1))


def test_a_silence_in_the_sql_ledger_mutes_alerts_in_run_once(ledger, slack):
    ledger.add_silence(["snapshot=2024-01-01"], NOW + timedelta(hours=1), starts_at=NOW - timedelta(minutes=1))
    report = run_once(groups(2), make_config(slack), ledger, now=NOW, env=make_env(slack))
    assert [o.notification.group_labels["snapshot"] for o in report.outcomes] == ["2024-01-02"]
    assert report.held == {"0-0": f"silenced by {ledger.silences(NOW)[0].id}",
                           "0-1": f"silenced by {ledger.silences(NOW)[0].id}"}


def test_dataset_owners_get_the_alert_by_email_and_slack_direct_message(slack, smtp, ledger):
    cfg = make_config(slack, receivers=("webhook", "bot", "mail"), route={"routes": []})
    alert = make_alert("a", owners=("lead@payments.example.com", "U024BE7LH", "payments team"))
    report = run_once([alert], cfg, ledger, now=NOW, env=make_env(slack, smtp))
    assert sorted(o.notification.receiver for o in report.outcomes if o.status == "sent") == [
        "owner:U024BE7LH/slack_bot", "owner:lead@payments.example.com/email", "webhook/slack_webhook"]
    [dm] = slack.delivered("api")
    assert dm.payload["channel"] == "U024BE7LH"
    assert len(slack.delivered("webhook")) == 1
    [mail] = smtp.received()
    assert mail["To"] == "lead@payments.example.com"
    assert smtp.envelopes == [("dq-monitor@example.com", ["lead@payments.example.com"])]


def test_a_temporary_smtp_refusal_is_retried_and_one_pass_reuses_one_connection(smtp, ledger):
    cfg = make_config(receivers=("mail",), delivery={"concurrency": 1})
    env = {**make_env(smtp=smtp), "DQ_TEST_EMAIL_TO": "busy@example.com"}
    smtp.reject.add("busy@example.com")
    smtp.reject_code = "451 4.3.0 try again later"
    report = run_once(groups(3), cfg, ledger, now=NOW, env=env)
    assert sorted(o.status for o in report.outcomes) == ["deferred", "deferred", "retrying"]
    assert "temporarily refused" in next(o.error for o in report.outcomes if o.status == "retrying")
    smtp.reject.clear()
    report = run_once(groups(3), cfg, ledger, now=NOW + timedelta(minutes=1), env=env)
    assert [o.status for o in report.outcomes] == ["sent", "sent", "sent"]
    assert len(smtp.received()) == 3 and smtp.sessions == 2  # one refused probe, then one connection for all


def test_a_retry_cancelled_by_a_silence_is_sent_once_the_silence_ends_on_sql_ledgers(ledger, slack):
    cfg, env, alerts = make_config(slack), make_env(slack), groups(1)
    slack.fail_next(Fault(503, "down"))
    assert [o.status for o in run_once(alerts, cfg, ledger, now=NOW, env=env).outcomes] == ["retrying"]
    silence = ledger.add_silence(["dataset=payments"], NOW + timedelta(hours=1), starts_at=NOW)
    assert [o.status for o in run_once(alerts, cfg, ledger, now=NOW + timedelta(minutes=5), env=env).outcomes] == [
        "cancelled"]
    ledger.expire_silence(silence.id, NOW + timedelta(minutes=10))
    report = run_once(alerts, cfg, ledger, now=NOW + timedelta(minutes=11), env=env)
    assert [o.status for o in report.outcomes] == ["sent"]
    assert [r.status for r in slack.requests] == [503, 200]
    assert [r.status for r in ledger.deliveries()] == ["sent"]
