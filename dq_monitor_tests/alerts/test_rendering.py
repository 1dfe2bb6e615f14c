"""Messages: numbers people can act on, links, Block Kit limits, and no markup or mention injection."""

from __future__ import annotations

import json
import re

import pytest

from dq_monitor.alerts import (
    Channel,
    Notification,
    Secret,
    mask,
    render_email,
    render_slack,
)
from dq_monitor.alerts.escape import ZWSP, header_safe, safe_url, slack_escape
from dq_monitor_tests.support.alerts import make_alert

BASE = "http://dagster.example:3000"
EVIL = "<!channel> @here <@U024BE7LH> <!subteam^S123|@oncall> <http://evil.example|click> & *bold* <script>x</script>"


def notification(*alerts, resolved=()) -> Notification:
    return Notification(key="k", channel=Channel("team", "slack_webhook"), group_key="root{}",
                        group_labels={"dataset": "payments", "snapshot": "2024-01-01"},
                        firing=tuple(alerts), resolved=tuple(resolved))


def slack_strings(payload: dict) -> list[str]:
    out: list[str] = [payload["text"]]

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload["blocks"])
    return out


def test_slack_messages_cannot_carry_mentions_links_or_broadcasts_from_data():
    alert = make_alert(message=EVIL, check=EVIL, snapshot="@channel", owners=("@here",),
                       details={"observed": EVIL, "top_rows": [{"name": EVIL, "n": 1}]})
    payload = render_slack(notification(alert), BASE)
    for text in slack_strings(payload):
        # The only "<" left starts one of our own http(s) links.
        assert re.findall(r"<(?!http://dagster\.example:3000/)", text) == [], text
        assert "<!" not in text and "<@" not in text and "<http://evil" not in text
        assert re.search(r"@(here|channel|U024)", text) is None, text
    joined = json.dumps(payload, ensure_ascii=False)
    assert "&lt;!channel&gt;".replace("!", "!" + ZWSP) in joined
    assert "&amp;" in joined


def test_email_html_escapes_data_and_the_subject_cannot_inject_headers():
    alert = make_alert(dataset="payments", snapshot="2024\r\nBcc: victim@example.com", message=EVIL,
                       details={"observed": "<img src=x onerror=alert(1)>"})
    subject, text, html = render_email(notification(alert), BASE)
    assert "\r" not in subject and "\n" not in subject and subject.endswith("Bcc: victim@example.com")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert EVIL in text  # the plain-text part shows the data as it is


def test_only_http_links_survive_and_paths_join_the_dagster_base_url():
    alert = make_alert(asset="raw/payments snapshot", run_id="abc-123", links={
        "drift report": "/reports/payments/2024-01-01.html", "evil": "javascript:alert(1)",
        "sneaky": "http://x.example/a|b>c", "docs": "https://docs.example/runbook#volume"})
    payload = render_slack(notification(alert), BASE)
    links = [e["text"] for b in payload["blocks"] if b["type"] == "context" for e in b["elements"]
             if e["type"] == "mrkdwn"]
    assert links == [
        "<http://dagster.example:3000/assets/raw/payments%20snapshot|Asset in Dagster>  ·  "
        "<http://dagster.example:3000/runs/abc-123|Run>  ·  "
        "<http://dagster.example:3000/reports/payments/2024-01-01.html|drift report>  ·  "
        "<http://x.example/a%7Cb%3Ec|sneaky>  ·  <https://docs.example/runbook#volume|docs>"]
    assert safe_url("javascript:alert(1)", BASE) is None and safe_url("//evil.example/x", BASE) is None


def test_messages_show_observed_versus_expected_drift_share_and_truncated_top_rows():
    rows = [{"txn_id": i, "amount": 1e6 + i, "note": "x" * 100} for i in range(12)]
    alert = make_alert(check_type="anomaly", message="12 anomalous rows (rate 4.1%)", details={
        "zeta": 1, "expected": "<= 2.0%", "observed": 0.041234, "drift_share": 0.375, "top_rows": rows})
    _, text, html = render_email(notification(alert), BASE)
    lines = text.splitlines()
    facts = [ln.strip() for ln in lines if ln.startswith("    ") and ": " in ln and "http" not in ln]
    assert facts[:4] == ["observed: 0.04123", "expected: <= 2.0%", "drift_share: 0.375 (37.5%)", "zeta: 1"]
    assert "      txn_id | amount | note" in lines
    assert "      0 | 1e+06 | " + "x" * 39 + "…" in lines
    assert "      … and 7 more rows" in lines
    assert html.count("<tr><td style=\"border") == 5


def test_a_large_group_stays_within_block_kit_limits_and_says_how_many_are_not_shown():
    alerts = [make_alert(f"f{i}", check=f"check_{i}", message="m" * 5000) for i in range(200)]
    payload = render_slack(notification(*alerts), BASE)
    assert len(payload["blocks"]) <= 50
    assert len(payload["blocks"][0]["text"]["text"]) <= 150
    assert len(payload["text"]) <= 4000
    assert all(len(b["text"]["text"]) <= 3000 for b in payload["blocks"] if b["type"] == "section" and "text" in b)
    assert "… and 190 more alerts in this group" in json.dumps(payload, ensure_ascii=False)


def test_resolved_notifications_are_titled_as_resolved():
    payload = render_slack(notification(resolved=[make_alert("a", check="payments_volume_within_bounds"),
                                                  make_alert("b", check="payments_schema_matches_contract")]), BASE)
    assert payload["blocks"][0]["text"]["text"] == "[RESOLVED] payments: 2 checks passing again on snapshot 2024-01-01"
    subject, _, _ = render_email(notification(make_alert("c", severity="WARN"), resolved=[make_alert("a")]), BASE)
    assert subject == "[WARN] payments: 1 failing check on snapshot 2024-01-01, 1 resolved"


def test_the_title_counts_failing_checks_not_the_rows_an_anomaly_check_flagged():
    # One anomaly check flags 67 rows (one finding each); one volume check fails as well.
    rows = [make_alert(f"row{i}", check="payments_rows_are_not_anomalous", check_type="anomaly", severity="WARN",
                       message=f"row {i} is anomalous", details={"score": 0.9}) for i in range(67)]
    n = notification(make_alert("volume"), *rows)
    subject, text, html = render_email(n, BASE)
    assert subject == "[ERROR] payments: 2 failing checks on snapshot 2024-01-01"
    assert text.splitlines()[0] == subject and "2 failing checks" in html
    payload = render_slack(n, BASE)
    assert payload["blocks"][0]["text"]["text"] == subject
    assert "67 failing" not in json.dumps(payload) + text + html
    resolved = render_slack(notification(resolved=rows), BASE)
    assert resolved["blocks"][0]["text"]["text"] == "[RESOLVED] payments: 1 check passing again on snapshot 2024-01-01"


def test_secrets_are_masked_in_repr_str_and_any_text_that_quotes_them():
    url = Secret("https://hooks.slack.com/services/T000/B000/abcdefSECRET", "DQ_MONITOR_SLACK_WEBHOOK_URL")
    assert repr(url) == str(url) == f"{url}" == "Secret(DQ_MONITOR_SLACK_WEBHOOK_URL=****)"
    assert mask("POST https://hooks.slack.com/services/T000/B000/abcdefSECRET failed") == "POST **** failed"
    assert mask("404 for /services/T000/B000/abcdefSECRET") == "404 for /****"
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(url)


@pytest.mark.parametrize("raw,expected", [
    ("a & b < c > d", "a &amp; b &lt; c &gt; d"),
    ("@here and @channel", f"@{ZWSP}here and @{ZWSP}channel"),
    ("mail me: x@y.com", f"mail me: x@{ZWSP}y.com"),
    ("ctrl\x00\x07chars", "ctrlchars"),
])
def test_slack_escape_table(raw, expected):
    assert slack_escape(raw) == expected


def test_header_safe_keeps_one_line():
    assert header_safe("a\r\nb\tc", 200) == "a b c"


def test_owners_that_are_slack_user_ids_are_mentioned_and_other_owners_are_plain_text():
    alert = make_alert(owners=("U024BE7LH", "@alice", "lead@payments.example.com"))
    payload = render_slack(notification(alert), BASE)
    [owners] = [e["text"] for b in payload["blocks"] if b["type"] == "context" for e in b["elements"]
                if e["type"] == "mrkdwn" and e["text"].startswith("owners:")]
    assert owners == f"owners: @{ZWSP}alice, <@U024BE7LH>, lead@{ZWSP}payments.example.com"


def test_escaping_never_pushes_a_block_over_slacks_length_limits():
    alerts = [make_alert(f"f{i}", message="<&>" * 3000, check="&" * 500) for i in range(3)]
    payload = render_slack(notification(*alerts), BASE)
    for block in payload["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
    assert slack_escape("&" * 100, 50) == "&amp;" * 9 + "…"
