"""Routing, grouping, timing, inhibition, silences and dedup: the pure planning stage, table-driven.

Deliveries go through the real `deliver` into the real SQL ledger (SQLite and Postgres, migrated);
the only stand-in is a notifier that records what it was asked to send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from dq_monitor.alerts import (
    AlertInput,
    AlertsConfig,
    Notification,
    Sent,
    deliver,
    make_plan,
    plan,
)
from dq_monitor.core.matchers import parse_matcher
from dq_monitor.store.alert_ledger import SqlDeliveryLedger
from dq_monitor.store.alert_records import Silence
from dq_monitor_tests.support.alerts import make_alert

T0 = datetime(2024, 1, 1, 6, 0, tzinfo=timezone.utc)


def config(route: dict[str, Any] | None = None, **extra: Any) -> AlertsConfig:
    receivers = {
        name: {"slack_webhook": {"url_env": f"URL_{name.upper()}"}}
        for name in ("team", "oncall", "payments", "drift", "fallback")
    }
    receivers["mail"] = {"email": {"smtp_host_env": "SMTP_HOST", "to": ["dq@example.com"]}}
    receivers["bot"] = {"slack_bot": {"token_env": "BOT_TOKEN", "channel": "#dq"}}
    base_route = {"receiver": "team", "group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}
    return AlertsConfig.model_validate({"receivers": receivers, "route": {**base_route, **(route or {})}, **extra})


@dataclass
class RecordingNotifier:
    """Implements the notifier interface; remembers every notification it was asked to send."""

    sent: list[Notification] = field(default_factory=list)

    def notify(self, notification: Notification) -> Sent:
        self.sent.append(notification)
        return Sent("digest")


class Harness:
    """Plan + deliver on a clock the test moves, like successive sensor ticks."""

    def __init__(self, cfg: AlertsConfig, ledger: SqlDeliveryLedger) -> None:
        self.cfg = cfg
        self.ledger = ledger
        self.recorders: dict[tuple[str, str], RecordingNotifier] = {}
        for name, receiver in cfg.receivers.items():
            for integration in receiver.integrations():
                self.recorders[(name, integration)] = RecordingNotifier()

    def tick(self, alerts: list, now: datetime, silences: list[Silence] = ()) -> list[Notification]:
        notifications = plan(alerts, now, self.ledger, self.cfg, silences)
        deliver(notifications, self.recorders, self.ledger, now, policy=self.cfg.delivery, sleep=lambda s: None)
        return [n for n in notifications if n.action == "send"]

    def messages(self) -> list[Notification]:
        return [n for r in self.recorders.values() for n in r.sent]


ROUTING_CASES = [
    ("the root receiver takes alerts no child route matches",
     {"routes": [{"matchers": ["dataset=orders"], "receiver": "oncall"}]},
     {"dataset": "payments"}, ["team/slack_webhook"]),
    ("the first matching child wins and stops the search",
     {"routes": [{"matchers": ["severity=ERROR"], "receiver": "oncall"},
                 {"matchers": ["dataset=payments"], "receiver": "payments"}]},
     {"severity": "ERROR"}, ["oncall/slack_webhook"]),
    ("continue: true lets later siblings match as well",
     {"routes": [{"matchers": ["severity=ERROR"], "receiver": "oncall", "continue": True},
                 {"matchers": ["dataset=payments"], "receiver": "payments"}]},
     {"severity": "ERROR"}, ["oncall/slack_webhook", "payments/slack_webhook"]),
    ("regex matchers are anchored: pay.* matches payments but not repayments",
     {"routes": [{"match_re": {"dataset": "pay.*"}, "receiver": "payments"}]},
     {"dataset": "repayments"}, ["team/slack_webhook"]),
    ("a regex matcher on dataset routes matching datasets",
     {"routes": [{"match_re": {"dataset": "pay.*"}, "receiver": "payments"}]},
     {"dataset": "payments_eu"}, ["payments/slack_webhook"]),
    ("match with a list of severities means any of them",
     {"routes": [{"match": {"severity": ["WARN", "ERROR"]}, "receiver": "oncall"}]},
     {"severity": "WARN"}, ["oncall/slack_webhook"]),
    ("check_type routes drift alerts to the drift receiver",
     {"routes": [{"matchers": ['check_type="drift"'], "receiver": "drift"}]},
     {"check_type": "drift"}, ["drift/slack_webhook"]),
    ("owner matchers hold when any owner matches",
     {"routes": [{"matchers": ["owner=~.*@payments\\.example\\.com"], "receiver": "payments"}]},
     {"owners": ("@alice", "lead@payments.example.com")}, ["payments/slack_webhook"]),
    ("negative matchers hold only when no value matches",
     {"routes": [{"matchers": ["owner!=@alice"], "receiver": "payments"}]},
     {"owners": ("@alice", "@bob")}, ["team/slack_webhook"]),
    ("nested routes descend to the deepest match",
     {"routes": [{"matchers": ["dataset=payments"], "receiver": "payments",
                  "routes": [{"matchers": ["check_type=drift"], "receiver": "drift"}]}]},
     {"check_type": "drift"}, ["drift/slack_webhook"]),
    ("a receiver with two integrations gets one message per integration",
     {"routes": [{"matchers": ["severity=ERROR"], "receiver": "mail", "continue": True},
                 {"matchers": ["severity=ERROR"], "receiver": "bot"}]},
     {}, ["bot/slack_bot", "mail/email"]),
]


@pytest.mark.parametrize("description,route,alert_fields,expected", ROUTING_CASES, ids=[c[0] for c in ROUTING_CASES])
def test_routing_sends_each_alert_to_the_receivers_its_route_names(description, route, alert_fields, expected,
                                                                   empty_ledger):
    cfg = config(route, owners_route={"enabled": False})
    alert = make_alert(**alert_fields)
    notifications = plan([alert], T0 + timedelta(minutes=1), empty_ledger, cfg)
    assert sorted(n.receiver for n in notifications) == expected


def test_child_routes_inherit_grouping_and_timings_from_their_parent(empty_ledger):
    cfg = config({"group_wait": "2m", "routes": [{"matchers": ["severity=ERROR"], "receiver": "oncall"}]})
    alert = make_alert(created_at=T0)
    assert plan([alert], T0 + timedelta(minutes=1), empty_ledger, cfg) == []
    assert [n.receiver for n in plan([alert], T0 + timedelta(minutes=2), empty_ledger, cfg)] == [
        "oncall/slack_webhook"]


GROUPING_CASES = [
    ("group_by dataset and snapshot folds checks of one snapshot into one message",
     ["dataset", "snapshot"], [("a", "payments", "s1"), ("b", "payments", "s1"), ("c", "payments", "s2")],
     [["a", "b"], ["c"]]),
    ("group_by dataset folds snapshots together",
     ["dataset"], [("a", "payments", "s1"), ("b", "payments", "s2"), ("c", "orders", "s1")], [["a", "b"], ["c"]]),
    ("group_by ... makes one group per alert",
     ["..."], [("a", "payments", "s1"), ("b", "payments", "s1")], [["a"], ["b"]]),
    ("an empty group_by sends everything in one message",
     [], [("a", "payments", "s1"), ("b", "orders", "s9")], [["a", "b"]]),
]


@pytest.mark.parametrize("description,group_by,alerts,expected", GROUPING_CASES, ids=[c[0] for c in GROUPING_CASES])
def test_grouping_puts_alerts_with_equal_group_labels_in_one_notification(description, group_by, alerts, expected,
                                                                          empty_ledger):
    cfg = config({"group_by": group_by})
    found = [make_alert(fp, dataset=ds, snapshot=snap) for fp, ds, snap in alerts]
    notifications = plan(found, T0 + timedelta(hours=1), empty_ledger, cfg)
    assert sorted(sorted(a.fingerprint for a in n.firing) for n in notifications) == expected


def test_group_wait_holds_a_new_group_until_it_has_passed_then_sends_it_once(ledger):
    h = Harness(config(), ledger)
    alerts = [make_alert("a", created_at=T0), make_alert("b", created_at=T0 + timedelta(seconds=20))]
    assert h.tick(alerts, T0 + timedelta(seconds=10)) == []
    sent = h.tick(alerts, T0 + timedelta(seconds=31))
    assert [n.firing_fingerprints for n in sent] == [("a", "b")]
    assert h.tick(alerts, T0 + timedelta(seconds=45)) == []


def test_group_interval_batches_alerts_that_join_a_notified_group(ledger):
    h = Harness(config(), ledger)
    first = make_alert("a", created_at=T0)
    h.tick([first], T0 + timedelta(minutes=1))
    late = make_alert("b", created_at=T0 + timedelta(minutes=2))
    assert h.tick([first, late], T0 + timedelta(minutes=3)) == []  # within group_interval of the last send
    sent = h.tick([first, late], T0 + timedelta(minutes=6))
    assert [n.firing_fingerprints for n in sent] == [("a", "b")]
    assert sent[0].reason == "new firing alerts"


def test_an_unchanged_group_is_repeated_only_after_repeat_interval(ledger):
    h = Harness(config(), ledger)
    alert = make_alert("a", created_at=T0)
    ticks = [T0 + timedelta(minutes=1) + timedelta(minutes=5 * i) for i in range(0, 60)]  # five hours
    sent_at = [t for t in ticks if h.tick([alert], t)]
    assert sent_at == [ticks[0], ticks[0] + timedelta(hours=4)]
    assert len(h.messages()) == 2


def test_resolved_alerts_are_announced_once_when_send_resolved_is_on(ledger):
    h = Harness(config(), ledger)
    a, b = make_alert("a"), make_alert("b")
    h.tick([a, b], T0 + timedelta(minutes=1))
    b_ok = make_alert("b", status="resolved")
    sent = h.tick([a, b_ok], T0 + timedelta(minutes=7))
    assert [(n.firing_fingerprints, n.resolved_fingerprints) for n in sent] == [(("a",), ("b",))]
    a_ok = make_alert("a", status="resolved")
    sent = h.tick([a_ok, b_ok], T0 + timedelta(minutes=13))
    assert [(n.firing_fingerprints, n.resolved_fingerprints) for n in sent] == [((), ("a",))]
    assert h.tick([a_ok, b_ok], T0 + timedelta(hours=6)) == []


def test_with_send_resolved_off_a_resolution_is_recorded_but_not_sent_and_a_new_failure_is(ledger):
    h = Harness(config(send_resolved=False), ledger)
    a = make_alert("a")
    h.tick([a], T0 + timedelta(minutes=1))
    assert h.tick([make_alert("a", status="resolved")], T0 + timedelta(minutes=7)) == []
    assert [r.status for r in h.ledger.deliveries()] == ["sent", "cleared"]
    again = make_alert("a2", created_at=T0 + timedelta(minutes=8))
    sent = h.tick([again], T0 + timedelta(minutes=13))
    assert [n.firing_fingerprints for n in sent] == [("a2",)]


def test_resolved_alerts_that_were_never_announced_send_nothing(ledger):
    h = Harness(config(), ledger)
    assert h.tick([make_alert("a", status="resolved")], T0 + timedelta(hours=1)) == []
    assert h.ledger.deliveries() == []


INHIBITION_CASES = [
    ("a schema failure mutes volume, drift, anomaly and metric alerts on the same snapshot",
     [("schema", "payments", "s1"), ("volume", "payments", "s1"), ("drift", "payments", "s1"),
      ("anomaly", "payments", "s1"), ("metric", "payments", "s1"), ("freshness", "payments", "s1"),
      ("expectations", "payments", "s1")],
     {"schema-payments-s1", "freshness-payments-s1", "expectations-payments-s1"}),
    ("an unreadable snapshot file mutes them too",
     [("readability", "payments", "s1"), ("volume", "payments", "s1")], {"readability-payments-s1"}),
    ("it does not mute another snapshot or dataset",
     [("schema", "payments", "s1"), ("volume", "payments", "s2"), ("volume", "orders", "s1")],
     {"schema-payments-s1", "volume-payments-s2", "volume-orders-s1"}),
    ("without a schema failure nothing is muted",
     [("volume", "payments", "s1"), ("drift", "payments", "s1")],
     {"volume-payments-s1", "drift-payments-s1"}),
]


@pytest.mark.parametrize("description,alerts,expected", INHIBITION_CASES, ids=[c[0] for c in INHIBITION_CASES])
def test_default_inhibit_rule(description, alerts, expected, empty_ledger):
    found = [make_alert(f"{ct}-{ds}-{snap}", check_type=ct, dataset=ds, snapshot=snap, check=f"{ds}_{ct}")
             for ct, ds, snap in alerts]
    result = make_plan(found, T0 + timedelta(hours=1), empty_ledger, config())
    sent = {a.fingerprint for n in result.notifications for a in n.firing}
    assert sent == expected
    assert all(result.held[fp].startswith("inhibited") for fp in {a.fingerprint for a in found} - expected)


def test_a_schema_warning_does_not_inhibit(empty_ledger):
    found = [make_alert("schema", check_type="schema", severity="WARN"), make_alert("vol", check_type="volume")]
    sent = {a.fingerprint for n in plan(found, T0 + timedelta(hours=1), empty_ledger, config()) for a in n.firing}
    assert sent == {"schema", "vol"}


def test_a_resolved_schema_failure_no_longer_inhibits(empty_ledger):
    found = [make_alert("schema", check_type="schema", status="resolved"), make_alert("vol", check_type="volume")]
    sent = {a.fingerprint for n in plan(found, T0 + timedelta(hours=1), empty_ledger, config()) for a in n.firing}
    assert sent == {"vol"}


def test_custom_inhibit_rules_replace_the_default_and_an_alert_never_inhibits_itself(empty_ledger):
    cfg = config(inhibit_rules=[{"source_matchers": ["severity=ERROR"], "target_matchers": ["severity=~WARN|ERROR"],
                                 "equal": ["dataset"]}])
    found = [make_alert("err", severity="ERROR"), make_alert("warn", severity="WARN", check_type="freshness"),
             make_alert("schema-other", severity="WARN", check_type="schema", dataset="orders")]
    sent = {a.fingerprint for n in plan(found, T0 + timedelta(hours=1), empty_ledger, cfg) for a in n.firing}
    assert sent == {"err", "schema-other"}


def test_a_silenced_alert_is_held_until_the_silence_ends_then_sent(ledger):
    h = Harness(config(), ledger)
    silence = Silence("s1", ("dataset=payments", "check_type=~volume|drift"), T0, T0 + timedelta(hours=2))
    muted, other = make_alert("vol"), make_alert("fresh", check_type="freshness")
    sent = h.tick([muted, other], T0 + timedelta(minutes=1), [silence])
    assert [n.firing_fingerprints for n in sent] == [("fresh",)]
    assert h.tick([muted, other], T0 + timedelta(hours=1), [silence]) == []
    sent = h.tick([muted, other], T0 + timedelta(hours=2), [silence])
    assert [n.firing_fingerprints for n in sent] == [("fresh", "vol")]


def test_alerts_below_min_severity_are_recorded_as_held_not_sent(empty_ledger):
    result = make_plan([make_alert("info", severity="INFO")], T0 + timedelta(hours=1), empty_ledger, config())
    assert result.notifications == []
    assert "below min_severity" in result.held["info"]


def test_a_restarted_process_with_the_same_ledger_does_not_send_again(ledger):
    alerts = [make_alert("a"), make_alert("b", snapshot="s2")]
    first = Harness(config(), ledger)
    assert len(first.tick(alerts, T0 + timedelta(minutes=1))) == 2
    restarted = Harness(config(), SqlDeliveryLedger(ledger.engine))  # a new process, the same database
    for minutes in (1, 2, 6, 30, 120):
        assert restarted.tick(alerts, T0 + timedelta(minutes=minutes)) == []
    assert restarted.messages() == []


def test_two_passes_planning_the_same_notification_send_it_once(ledger):
    cfg = config()
    now = T0 + timedelta(minutes=1)
    plan_a = plan([make_alert("a")], now, ledger, cfg)
    plan_b = plan([make_alert("a")], now, ledger, cfg)
    assert [n.key for n in plan_a] == [n.key for n in plan_b]
    recorder = RecordingNotifier()
    out_a = deliver(plan_a, {("team", "slack_webhook"): recorder}, ledger, now)
    out_b = deliver(plan_b, {("team", "slack_webhook"): recorder}, ledger, now)
    assert [o.status for o in out_a + out_b] == ["sent", "claimed_elsewhere"]
    assert len(recorder.sent) == 1


OWNER_CASES = [
    ("an email owner gets mail through the email receiver's SMTP settings",
     ("lead@payments.example.com",), ["owner:lead@payments.example.com/email"]),
    ("a Slack handle or user ID gets a bot message", ("@alice", "U024BE7LH"),
     ["owner:@alice/slack_bot", "owner:U024BE7LH/slack_bot"]),
    ("an owner that is neither is ignored", ("payments team",), []),
]


@pytest.mark.parametrize("description,owners,expected", OWNER_CASES, ids=[c[0] for c in OWNER_CASES])
def test_dataset_owners_are_routed_to_by_default(description, owners, expected, empty_ledger):
    notifications = plan([make_alert(owners=owners)], T0 + timedelta(hours=1), empty_ledger, config())
    receivers = sorted(n.receiver for n in notifications if n.channel.target)
    assert receivers == expected
    assert {n.channel.receiver for n in notifications if n.channel.target} <= {"mail", "bot"}


def test_owners_hear_only_about_errors_by_default_and_about_warns_when_asked(empty_ledger):
    warn = make_alert("w", severity="WARN", owners=("lead@payments.example.com",))
    now = T0 + timedelta(hours=1)
    assert [n.receiver for n in plan([warn], now, empty_ledger, config())] == ["team/slack_webhook"]
    assert sorted(n.receiver for n in plan([warn], now, empty_ledger, config(owners_route={"min_severity": "WARN"}))) \
        == ["owner:lead@payments.example.com/email", "team/slack_webhook"]


def test_owners_routing_can_be_turned_off_and_unavailable_receivers_are_not_planned(empty_ledger):
    alert = make_alert(owners=("lead@payments.example.com",))
    assert [n.receiver for n in plan([alert], T0 + timedelta(hours=1), empty_ledger,
                                     config(owners_route={"enabled": False}))] == ["team/slack_webhook"]
    result = make_plan([alert], T0 + timedelta(hours=1), empty_ledger, config(), available={("mail", "email")})
    assert [n.receiver for n in result.notifications] == ["owner:lead@payments.example.com/email"]
    result = make_plan([make_alert("x")], T0 + timedelta(hours=1), empty_ledger, config(), available=set())
    assert result.notifications == [] and result.held["x"] == "no route with an available receiver"


def test_matchers_parse_alertmanager_syntax_and_reject_unknown_labels_and_bad_regexes():
    assert str(parse_matcher('dataset =~ "pay.*"')) == "dataset=~pay.*"
    assert parse_matcher("severity!=INFO").matches({"severity": "WARN"})
    with pytest.raises(ValueError, match="unknown label 'colour'"):
        parse_matcher("colour=red")
    with pytest.raises(ValueError, match="invalid regex"):
        parse_matcher("dataset=~(")


class FlakyNotifier:
    """Implements the notifier interface; fails in a retryable way while `down` is set."""

    def __init__(self) -> None:
        self.down = True
        self.sent: list[Notification] = []

    def notify(self, notification: Notification):
        from dq_monitor.alerts import Retryable

        if self.down:
            return Retryable("connection refused")
        self.sent.append(notification)
        return Sent("digest")


def test_an_alert_joining_a_group_under_retry_replaces_the_pending_message_instead_of_adding_one(ledger):
    cfg = config(delivery={"backoff_initial": "1m", "in_tick_attempts": 1})
    flaky = FlakyNotifier()
    notifiers = {("team", "slack_webhook"): flaky}
    a, b = make_alert("a"), make_alert("b", created_at=T0 + timedelta(minutes=2))
    deliver(plan([a], T0 + timedelta(minutes=1), ledger, cfg), notifiers, ledger, T0 + timedelta(minutes=1),
            policy=cfg.delivery)
    assert plan([a, b], T0 + timedelta(minutes=1, seconds=30), ledger, cfg) == []  # backing off
    flaky.down = False
    now = T0 + timedelta(minutes=2, seconds=30)
    notifications = plan([a, b], now, ledger, cfg)
    assert [(n.firing_fingerprints, n.attempts, len(n.supersedes)) for n in notifications] == [(("a", "b"), 1, 1)]
    deliver(notifications, notifiers, ledger, now, policy=cfg.delivery)
    assert [n.firing_fingerprints for n in flaky.sent] == [("a", "b")]
    assert [r.status for r in ledger.deliveries()] == ["superseded", "sent"]
    assert plan([a, b], now + timedelta(minutes=10), ledger, cfg) == []


def test_a_retry_whose_alerts_were_silenced_meanwhile_is_cancelled_not_sent(ledger):
    cfg = config(delivery={"backoff_initial": "1m", "in_tick_attempts": 1})
    flaky = FlakyNotifier()
    notifiers = {("team", "slack_webhook"): flaky}
    a = make_alert("a")
    deliver(plan([a], T0 + timedelta(minutes=1), ledger, cfg), notifiers, ledger, T0 + timedelta(minutes=1),
            policy=cfg.delivery)
    flaky.down = False
    silence = Silence("mute", ("dataset=payments",), T0, T0 + timedelta(days=1))
    now = T0 + timedelta(minutes=5)
    notifications = plan([a], now, ledger, cfg, [silence])
    assert [n.action for n in notifications] == ["cancel"]
    deliver(notifications, notifiers, ledger, now)
    assert flaky.sent == [] and [r.status for r in ledger.deliveries()] == ["superseded"]


def test_a_claim_left_by_a_crashed_sender_is_retried_after_its_lease_so_nothing_is_lost(ledger):
    cfg = config()
    now = T0 + timedelta(minutes=1)
    [n] = plan([make_alert("a")], now, ledger, cfg)
    assert ledger.claim(n, now, cfg.delivery.claim_lease)  # ... and the process dies before sending
    assert plan([make_alert("a")], now + timedelta(minutes=5), ledger, cfg) == []  # the claim still holds
    later = now + cfg.delivery.claim_lease
    [retry] = plan([make_alert("a")], later, ledger, cfg)
    assert retry.key == n.key
    recorder = RecordingNotifier()
    assert [o.status for o in deliver([retry], {("team", "slack_webhook"): recorder}, ledger, later)] == ["sent"]
    assert len(recorder.sent) == 1


def test_an_alert_is_built_from_a_findings_store_row():
    row = {"id": 7, "fingerprint": "abc", "dataset": "payments", "snapshot": "2024-01-01", "check": "payments_volume",
           "check_type": "volume", "key": "", "severity": "WARN", "status": "resolved", "message": "ok again",
           "details": {"observed": 510}, "source": "dq_monitor", "run_id": "r1", "alert_state": "pending",
           "created_at": "2024-01-01T06:00:00+00:00", "updated_at": "2024-01-01T07:00:00",
           "resolved_at": "2024-01-01T07:00:00+00:00"}
    alert = AlertInput.from_finding(row, owners=["@alice"], asset="payments_snapshot")
    assert (alert.fingerprint, alert.severity, alert.status, alert.firing, alert.owners, alert.asset_key) == (
        "abc", "WARN", "resolved", False, ("@alice",), "payments_snapshot")
    assert alert.created_at == T0 and alert.updated_at == T0 + timedelta(hours=1)
    assert alert.labels()["owner"] == ("@alice",)
    with pytest.raises(ValueError, match="unknown severity 'FATAL'"):
        AlertInput.from_finding({**row, "severity": "FATAL"})


def test_retryable_failures_back_off_exponentially_across_passes_up_to_backoff_max(ledger):
    cfg = config(delivery={"backoff_initial": "30s", "backoff_max": "5m", "in_tick_attempts": 1})
    flaky = FlakyNotifier()
    now, delays = T0 + timedelta(minutes=1), []
    for _ in range(7):
        notifications = plan([make_alert("a")], now, ledger, cfg)
        [outcome] = deliver(notifications, {("team", "slack_webhook"): flaky}, ledger, now, policy=cfg.delivery)
        assert outcome.status == "retrying"
        delays.append((outcome.next_attempt_at - now).total_seconds())
        assert plan([make_alert("a")], outcome.next_attempt_at - timedelta(seconds=1), ledger, cfg) == []
        now = outcome.next_attempt_at
    assert delays == [30, 60, 120, 240, 300, 300, 300]
    [record] = ledger.deliveries()
    assert (record.attempts, record.last_error) == (7, "connection refused")


def test_an_alert_whose_retry_was_cancelled_is_sent_when_it_fires_again_after_the_silence(ledger):
    cfg = config(delivery={"backoff_initial": "1m", "in_tick_attempts": 1})
    flaky = FlakyNotifier()
    notifiers = {("team", "slack_webhook"): flaky}
    a = make_alert("a")
    silence = Silence("mute", ("dataset=payments",), T0 + timedelta(minutes=2), T0 + timedelta(hours=1))
    for minutes in (1, 5, 61):
        now = T0 + timedelta(minutes=minutes)
        flaky.down = minutes == 1
        deliver(plan([a], now, ledger, cfg, [silence]), notifiers, ledger, now, policy=cfg.delivery)
    assert [n.firing_fingerprints for n in flaky.sent] == [("a",)]
    assert [r.status for r in ledger.deliveries()] == ["sent"]
    assert plan([a], T0 + timedelta(minutes=70), ledger, cfg, [silence]) == []
