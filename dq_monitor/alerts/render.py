"""Turn a notification into messages people can act on.

`summary.summarize` extracts what a reader needs as plain strings; `render_slack` and
`render_email` escape them for their medium. Every value from data goes through `escape`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dq_monitor.alerts.escape import (
    header_safe,
    html_escape,
    slack_escape,
    slack_link,
    truncate,
)
from dq_monitor.alerts.records import Notification
from dq_monitor.alerts.summary import AlertSummary, MessageContent, summarize

MAX_ALERTS_SLACK = 10
MAX_ALERTS_EMAIL = 50

# -- Slack -------------------------------------------------------------------------------------

_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
_SEVERITY_EMOJI = {"ERROR": ":red_circle:", "WARN": ":large_orange_circle:", "INFO": ":large_blue_circle:"}


def _plain(text: str, limit: int) -> dict[str, Any]:
    # plain_text is never parsed for mentions or formatting; escaping it as well is belt and braces.
    return {"type": "plain_text", "text": slack_escape(text, limit) or " ", "emoji": False}


def _slack_alert_blocks(s: AlertSummary, resolved: bool) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    mark = ":white_check_mark:" if resolved else _SEVERITY_EMOJI.get(s.alert.severity, "")
    blocks.append({"type": "section", "text": {
        "type": "mrkdwn", "text": f"{mark} *{slack_escape(s.headline, 400)}*\n{slack_escape(s.message, 2000)}"}})
    if s.facts and not resolved:
        blocks.append({"type": "section", "fields": [_plain(f"{k}: {v}", 1900) for k, v in s.facts[:10]]})
    if s.rows and not resolved:
        lines = [" | ".join(s.columns)] + [" | ".join(r) for r in s.rows]
        more = f"\n… and {s.more_rows} more rows" if s.more_rows else ""
        # A code block shows the table aligned and is not parsed for mentions or formatting.
        table = slack_escape("\n".join(lines), 2600).replace("```", "ˋˋˋ")
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": f"*{slack_escape(s.rows_title)}*\n```{table}```{slack_escape(more)}"}})
    if s.links:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": "  ·  ".join(slack_link(url, label) for label, url in s.links[:5])}]})
    return blocks


def render_slack(n: Notification, base_url: str) -> dict[str, Any]:
    """`{"text": fallback, "blocks": [...]}` for chat.postMessage or an incoming webhook."""
    c = summarize(n, base_url)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain(c.title, 150)}]
    context = [f"{k}: {v}" for k, v in c.group_labels.items()]
    elements = [_plain(truncate("  ·  ".join(context), 1900), 2000)] if context else []
    if c.owners:
        # Owners come from the config, not from data: Slack user IDs among them are mentioned on purpose.
        owners = [f"<@{o}>" if _SLACK_USER_ID.match(o) else slack_escape(o, 100) for o in c.owners[:20]]
        elements.append({"type": "mrkdwn", "text": "owners: " + ", ".join(owners)})
    if elements:
        blocks.append({"type": "context", "elements": elements})
    shown = 0
    for summary in c.firing[:MAX_ALERTS_SLACK]:
        blocks.extend(_slack_alert_blocks(summary, resolved=False))
        shown += 1
    for summary in c.resolved[: max(MAX_ALERTS_SLACK - shown, 0)]:
        blocks.extend(_slack_alert_blocks(summary, resolved=True))
        shown += 1
    hidden = len(c.firing) + len(c.resolved) - shown
    if hidden > 0:
        blocks.append({"type": "context", "elements": [_plain(f"… and {hidden} more alerts in this group", 200)]})
    blocks = blocks[:50]
    lines = [slack_escape(c.title, 300)]
    lines += [f"• {slack_escape(s.headline, 300)}: {slack_escape(s.message, 300)}" for s in c.firing[:MAX_ALERTS_SLACK]]
    lines += [f"• resolved: {slack_escape(s.headline, 300)}" for s in c.resolved[:MAX_ALERTS_SLACK]]
    if hidden > 0:
        lines.append(f"… and {hidden} more")
    text = "\n".join(lines)
    return {"text": truncate(text, 3900), "blocks": blocks}


# -- Email -------------------------------------------------------------------------------------




def _sections(firing: list[AlertSummary], resolved: list[AlertSummary]) -> Iterator[tuple[str, list[AlertSummary]]]:
    """("Failing", ...) then ("Resolved", ...), each only when it has alerts."""
    for label, items in (("Failing", firing), ("Resolved", resolved)):
        if items:
            yield label, items


def render_email(n: Notification, base_url: str) -> tuple[str, str, str]:
    """(subject, plain text body, HTML body)."""
    c = summarize(n, base_url)
    firing, resolved = c.firing[:MAX_ALERTS_EMAIL], c.resolved[:MAX_ALERTS_EMAIL]
    hidden = len(c.firing) + len(c.resolved) - len(firing) - len(resolved)
    return header_safe(c.title, 200), _email_text(c, firing, resolved, hidden), _email_html(c, firing, resolved, hidden)


def _email_text(c: MessageContent, firing: list[AlertSummary], resolved: list[AlertSummary], hidden: int) -> str:
    text: list[str] = [c.title, ""]
    for label, items in _sections(firing, resolved):
        text.append(f"{label}:")
        for s in items:
            text.append(f"- {s.headline}")
            text.append(f"  {s.message}")
            if label == "Failing":
                text.extend(f"    {k}: {v}" for k, v in s.facts)
                if s.rows:
                    text.append(f"    {s.rows_title}:")
                    text.append("      " + " | ".join(s.columns))
                    text.extend("      " + " | ".join(r) for r in s.rows)
                    if s.more_rows:
                        text.append(f"      … and {s.more_rows} more rows")
            text.extend(f"    {label_}: {url}" for label_, url in s.links)
        text.append("")
    if hidden:
        text.append(f"… and {hidden} more alerts in this group")
    if c.owners:
        text.append("Owners: " + ", ".join(c.owners))
    return "\n".join(text).rstrip() + "\n"


def _email_html(c: MessageContent, firing: list[AlertSummary], resolved: list[AlertSummary], hidden: int) -> str:
    color = {"ERROR": "#b00020", "WARN": "#b36b00"}.get(c.severity, "#1a73e8") if c.state == "firing" else "#1e7e34"
    h: list[str] = [
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">",
        f"<h2 style=\"color:{color}\">{html_escape(c.title)}</h2>",
    ]
    if c.group_labels:
        h.append("<p style=\"color:#555\">" + " &middot; ".join(
            f"{html_escape(k)}: <b>{html_escape(v)}</b>" for k, v in c.group_labels.items()) + "</p>")
    for label, items in _sections(firing, resolved):
        h.append(f"<h3>{label}</h3>")
        h.extend(_email_alert_html(s, failing=label == "Failing") for s in items)
    if hidden:
        h.append(f"<p>… and {hidden} more alerts in this group</p>")
    if c.owners:
        h.append("<p style=\"color:#555\">Owners: " + html_escape(", ".join(c.owners)) + "</p>")
    h.append("</body></html>")
    return "\n".join(h)


def _email_alert_html(s: AlertSummary, failing: bool) -> str:
    h = [f"<div style=\"margin-bottom:1em\"><b>{html_escape(s.headline)}</b><br>{html_escape(s.message)}"]
    if failing and s.facts:
        h.append("<table style=\"border-collapse:collapse\">" + "".join(
            f"<tr><td style=\"padding:2px 8px;color:#555\">{html_escape(k)}</td>"
            f"<td style=\"padding:2px 8px\">{html_escape(v)}</td></tr>" for k, v in s.facts) + "</table>")
    if failing and s.rows:
        head = "".join(f"<th style=\"border:1px solid #ccc;padding:2px 6px\">{html_escape(c_)}</th>"
                       for c_ in s.columns)
        body = "".join("<tr>" + "".join(
            f"<td style=\"border:1px solid #ccc;padding:2px 6px\">{html_escape(v)}</td>" for v in r) + "</tr>"
            for r in s.rows)
        more = f"<p>… and {s.more_rows} more rows</p>" if s.more_rows else ""
        h.append(f"<p><i>{html_escape(s.rows_title)}</i></p><table style=\"border-collapse:collapse\">"
                 f"<tr>{head}</tr>{body}</table>{more}")
    if s.links:
        h.append("<p>" + " &middot; ".join(
            f"<a href=\"{html_escape(url)}\">{html_escape(label_)}</a>" for label_, url in s.links) + "</p>")
    h.append("</div>")
    return "\n".join(h)
