"""The `alerts:` section: what validates, what is refused, and with which message."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from pydantic import ValidationError

from dq_monitor.alerts import AlertsConfig, parse_duration
from dq_monitor.alerts.routing import build_route_tree

DEMO_YAML = """
base_url: http://localhost:3000/
send_resolved: true
receivers:
  team:
    slack_webhook: {url_env: DQ_MONITOR_SLACK_WEBHOOK_URL}
    email:
      smtp_host_env: DQ_MONITOR_SMTP_HOST
      smtp_port_env: DQ_MONITOR_SMTP_PORT
      to_env: DQ_MONITOR_ALERT_EMAIL_TO
      from: dq-monitor@localhost
      starttls: false
  oncall:
    slack_bot: {token_env: DQ_MONITOR_SLACK_BOT_TOKEN, channel: "#data-oncall"}
route:
  receiver: team
  group_by: [dataset, snapshot]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ["severity=ERROR"]
      match_re: {dataset: "payments|orders"}
      receiver: oncall
      continue: true
      repeat_interval: 1h
owners_route: {email_via: team}
delivery: {timeout: 5s, backoff_initial: 1m, give_up_after: 2d}
"""


def test_the_documented_example_validates_and_children_inherit_settings():
    cfg = AlertsConfig.model_validate(yaml.safe_load(DEMO_YAML))
    assert cfg.base_url == "http://localhost:3000"
    assert cfg.receivers["team"].email.from_ == "dq-monitor@localhost"
    assert cfg.receivers["team"].email.starttls is False
    tree = build_route_tree(cfg)
    [child] = tree.children
    assert (child.receiver, child.continue_, child.group_by, child.group_wait, child.repeat_interval) == (
        "oncall", True, ("dataset", "snapshot"), timedelta(seconds=30), timedelta(hours=1))
    assert cfg.delivery.give_up_after == timedelta(days=2)
    assert [r.equal for r in cfg.inhibit_rules] == [["dataset", "snapshot"]]  # the default schema rule
    assert cfg.owners_email_via() == "team" and cfg.owners_slack_via() == "oncall"


@pytest.mark.parametrize("patch,message", [
    ({"route": {"receiver": "nobody"}}, "route: receiver 'nobody' is not defined under alerts.receivers"),
    ({"route": {"receiver": "team", "routes": [{"receiver": "ghost"}]}}, "route.routes[0]: receiver 'ghost'"),
    ({"route": {"group_by": ["colour"]}}, "group_by label 'colour' is unknown"),
    ({"route": {"matchers": ["dataset=~("]}}, "invalid regex '(' for label 'dataset'"),
    ({"route": {"group_wait": "soon"}}, "invalid duration 'soon'"),
    ({"route": {"repeat_interval": "0s"}}, "repeat_interval must be positive"),
    ({"route": {"recevier": "team"}}, "Extra inputs are not permitted"),
    ({"receivers": {"x": {}}}, "a receiver needs at least one of"),
    ({"receivers": {"x": {"slack_webhook": {"url_env": "https://hooks.slack.com/services/T/B/X"}}}},
     "is not an environment variable name"),
    ({"receivers": {"x": {"email": {"smtp_host_env": "H"}}}}, "give the recipients as 'to'"),
    ({"receivers": {"x": {"email": {"smtp_host_env": "H", "to": "a@b.c", "username_env": "U"}}}},
     "give both 'username_env' and 'password_env'"),
    ({"owners_route": {"slack_via": "team"}}, "owners_route.slack_via: receiver 'team' has no 'slack_bot'"),
    ({"inhibit_rules": [{"source_matchers": ["check_type=schema"], "equal": ["snapshotz"]}]},
     "equal label 'snapshotz' is unknown"),
    ({"base_url": "localhost:3000"}, "must be an http(s) URL"),
])
def test_invalid_sections_are_refused_with_a_message_naming_the_problem(patch, message):
    raw = yaml.safe_load(DEMO_YAML)
    raw.update(patch)
    with pytest.raises(ValidationError) as exc:
        AlertsConfig.model_validate(raw)
    assert message in str(exc.value)


def test_an_empty_section_means_no_receivers_default_timings_and_the_schema_inhibit_rule():
    cfg = AlertsConfig.model_validate({})
    tree = build_route_tree(cfg)
    assert cfg.receivers == {} and tree.receiver is None
    assert (tree.group_wait, tree.group_interval, tree.repeat_interval) == (
        timedelta(seconds=30), timedelta(minutes=5), timedelta(hours=4))
    assert AlertsConfig.model_validate({"inhibit_rules": []}).inhibit_rules == []


@pytest.mark.parametrize("raw,seconds", [("30s", 30), ("5m", 300), ("4h", 14400), ("2d", 172800), ("1w", 604800),
                                         ("500ms", 0.5), (90, 90), ("1.5h", 5400)])
def test_durations(raw, seconds):
    assert parse_duration(raw) == timedelta(seconds=seconds)


DEMO_ALERTS_SECTION = """
base_url: http://localhost:3000
receivers:
  demo:
    slack_webhook: {url_env: DQ_MONITOR_SLACK_WEBHOOK_URL}
    email:
      smtp_host_env: DQ_MONITOR_SMTP_HOST
      smtp_port_env: DQ_MONITOR_SMTP_PORT
      to_env: DQ_MONITOR_ALERT_EMAIL_TO
      from: dq-monitor@localhost
route: {receiver: demo, group_wait: 10s, group_interval: 1m, repeat_interval: 4h}
"""


def test_the_demo_section_takes_its_receivers_from_the_environment_and_skips_unset_ones():
    from dq_monitor.alerts import build_notifiers

    cfg = AlertsConfig.model_validate(yaml.safe_load(DEMO_ALERTS_SECTION))
    notifiers, skipped = build_notifiers(cfg, {"DQ_MONITOR_SLACK_WEBHOOK_URL": "http://127.0.0.1:9/hook/SECRETSECRET"})
    assert list(notifiers) == [("demo", "slack_webhook")]
    assert skipped == {("demo", "email"): "environment variable DQ_MONITOR_SMTP_HOST is not set"}
    notifiers, skipped = build_notifiers(cfg, {"DQ_MONITOR_SMTP_HOST": "127.0.0.1", "DQ_MONITOR_SMTP_PORT": "2525",
                                               "DQ_MONITOR_ALERT_EMAIL_TO": "a@example.com,b@example.com"})
    assert list(notifiers) == [("demo", "email")]
    assert (notifiers[("demo", "email")].port, notifiers[("demo", "email")].to) == (2525, ["a@example.com",
                                                                                           "b@example.com"])
    assert build_notifiers(cfg, {}) == ({}, {("demo", "slack_webhook"): "environment variable "
                                             "DQ_MONITOR_SLACK_WEBHOOK_URL is not set",
                                             ("demo", "email"): "environment variable DQ_MONITOR_SMTP_HOST is not set"})
