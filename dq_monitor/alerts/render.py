"""Turn a notification into messages people can act on.

`summarize` extracts what a reader needs (title, per-alert facts with numbers,
top anomalous rows, links) as plain, unescaped strings; `render_slack` and
`render_email` escape them for their medium. Every value from data goes through
`escape`; links are only http(s).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from dq_monitor.alerts.escape import (
    header_safe,
    html_escape,
    safe_url,
    slack_escape,
    slack_link,
    truncate,
)
from dq_monitor.alerts.records import AlertInput, Notification

#: Detail keys shown first, in this order, when present (the "observed vs expected" story).
PREFERRED_KEYS = (
    "observed", "expected", "observed_value", "expected_value", "actual", "threshold", "min", "max",
    "min_rows", "max_rows", "row_count", "previous_row_count", "change_pct", "max_change_pct",
    "drift_share", "share_of_drifted_columns", "number_of_drifted_columns", "drifted_columns",
    "stattest", "p_value", "score", "anomaly_score", "contamination", "n_anomalies", "age", "max_age",
    "missing_columns", "unexpected_columns", "type_mismatches", "column", "expectation", "unexpected_percent",
    "unexpected_count", "element_count",
)
#: Detail keys holding rows (lists of records) shown as a small table.
ROW_KEYS = ("top_rows", "top_anomalies", "anomalous_rows", "rows", "examples", "sample", "unexpected_rows")
_SKIP_KEYS = {"fingerprint", "links", "report_html"}

MAX_ALERTS_SLACK = 10
MAX_ALERTS_EMAIL = 50
MAX_FACTS = 12
MAX_ROWS = 5
MAX_ROW_COLUMNS = 8
MAX_CELL = 40
MAX_VALUE = 300


@dataclass(frozen=True)
class AlertSummary:
    alert: AlertInput
    headline: str
    message: str
    facts: list[tuple[str, str]]
    rows_title: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    more_rows: int = 0
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, safe absolute URL)


@dataclass(frozen=True)
class MessageContent:
    title: str
    state: str  # "firing" or "resolved"
    severity: str
    firing: list[AlertSummary]
    resolved: list[AlertSummary]
    group_labels: Mapping[str, str]
    owners: list[str]


def format_value(key: str, value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        text = f"{value:.4g}"
        if "share" in key and 0 <= value <= 1:
            text += f" ({value * 100:.1f}%)"
        return text
    if isinstance(value, (list, tuple)) and all(not isinstance(v, (dict, list)) for v in value):
        return truncate(", ".join(format_value(key, v) for v in value), MAX_VALUE)
    if isinstance(value, (dict, list, tuple)):
        return truncate(json.dumps(value, default=str, sort_keys=True), MAX_VALUE)
    return truncate(str(value), MAX_VALUE)


def _facts(details: Mapping[str, Any]) -> list[tuple[str, str]]:
    flat: dict[str, Any] = {}
    for key, value in details.items():
        if key in _SKIP_KEYS or key in ROW_KEYS:
            continue
        if isinstance(value, Mapping) and all(not isinstance(v, (Mapping, list)) for v in value.values()):
            for sub, v in value.items():
                flat[f"{key}.{sub}"] = v
        else:
            flat[str(key)] = value
    ordered = [k for k in PREFERRED_KEYS if k in flat] + sorted(k for k in flat if k not in PREFERRED_KEYS)
    return [(k, format_value(k, flat[k])) for k in ordered[:MAX_FACTS]]


def _rows(details: Mapping[str, Any]) -> tuple[str, list[str], list[list[str]], int]:
    for key in ROW_KEYS:
        value = details.get(key)
        if isinstance(value, list) and value and all(isinstance(r, Mapping) for r in value):
            columns: list[str] = []
            for row in value[:MAX_ROWS]:
                for col in row:
                    if col not in columns and len(columns) < MAX_ROW_COLUMNS:
                        columns.append(str(col))
            body = [[truncate(format_value(c, row.get(c, "")), MAX_CELL) for c in columns] for row in value[:MAX_ROWS]]
            return key.replace("_", " "), columns, body, max(len(value) - MAX_ROWS, 0)
    return "", [], [], 0


def _links(alert: AlertInput, base_url: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    asset_path = "/".join(quote(part, safe="") for part in alert.asset_key.split("/") if part)
    candidates = [("Asset in Dagster", f"/assets/{asset_path}")]
    if alert.run_id:
        candidates.append(("Run", f"/runs/{quote(alert.run_id, safe='')}"))
    candidates.extend((str(label), str(url)) for label, url in alert.links.items())
    for label, url in candidates:
        safe = safe_url(url, base_url)
        if safe and all(safe != u for _, u in out):
            out.append((label, safe))
    return out


def summarize_alert(alert: AlertInput, base_url: str) -> AlertSummary:
    check_type = f" ({alert.check_type})" if alert.check_type else ""
    rows_title, columns, rows, more = _rows(alert.details)
    return AlertSummary(
        alert=alert,
        headline=f"{alert.severity} {alert.dataset} · {alert.check}{check_type} · snapshot {alert.snapshot}",
        message=alert.message,
        facts=_facts(alert.details),
        rows_title=rows_title,
        columns=columns,
        rows=rows,
        more_rows=more,
        links=_links(alert, base_url),
    )


def summarize(n: Notification, base_url: str) -> MessageContent:
    firing = [summarize_alert(a, base_url) for a in n.firing]
    resolved = [summarize_alert(a, base_url) for a in n.resolved]
    alerts = list(n.firing) or list(n.resolved)
    datasets = sorted({a.dataset for a in alerts})
    snapshots = sorted({a.snapshot for a in alerts})
    where = ", ".join(datasets[:3]) + (f" and {len(datasets) - 3} more" if len(datasets) > 3 else "")
    if len(snapshots) == 1:
        on = f" on snapshot {snapshots[0]}"
    else:
        on = f" on {len(snapshots)} snapshots" if snapshots else ""
    if n.firing:
        count = len(n.firing)
        title = f"[{n.worst_severity}] {where}: {count} failing check{'s' if count != 1 else ''}{on}"
        if n.resolved:
            title += f", {len(n.resolved)} resolved"
        state = "firing"
    else:
        count = len(n.resolved)
        title = f"[RESOLVED] {where}: {count} check{'s' if count != 1 else ''} passing again{on}"
        state = "resolved"
    owners = sorted({o for a in alerts for o in a.owners})
    return MessageContent(title, state, n.worst_severity, firing, resolved, dict(n.group_labels), owners)


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


def render_email(n: Notification, base_url: str) -> tuple[str, str, str]:
    """(subject, plain text body, HTML body)."""
    c = summarize(n, base_url)
    subject = header_safe(c.title, 200)
    firing, resolved = c.firing[:MAX_ALERTS_EMAIL], c.resolved[:MAX_ALERTS_EMAIL]
    hidden = len(c.firing) + len(c.resolved) - len(firing) - len(resolved)

    text: list[str] = [c.title, ""]
    for label, items in (("Failing", firing), ("Resolved", resolved)):
        if not items:
            continue
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

    color = {"ERROR": "#b00020", "WARN": "#b36b00"}.get(c.severity, "#1a73e8") if c.state == "firing" else "#1e7e34"
    h: list[str] = [
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">",
        f"<h2 style=\"color:{color}\">{html_escape(c.title)}</h2>",
    ]
    if c.group_labels:
        h.append("<p style=\"color:#555\">" + " &middot; ".join(
            f"{html_escape(k)}: <b>{html_escape(v)}</b>" for k, v in c.group_labels.items()) + "</p>")
    for label, items in (("Failing", firing), ("Resolved", resolved)):
        if not items:
            continue
        h.append(f"<h3>{label}</h3>")
        for s in items:
            h.append(f"<div style=\"margin-bottom:1em\"><b>{html_escape(s.headline)}</b><br>{html_escape(s.message)}")
            if label == "Failing" and s.facts:
                h.append("<table style=\"border-collapse:collapse\">" + "".join(
                    f"<tr><td style=\"padding:2px 8px;color:#555\">{html_escape(k)}</td>"
                    f"<td style=\"padding:2px 8px\">{html_escape(v)}</td></tr>" for k, v in s.facts) + "</table>")
            if label == "Failing" and s.rows:
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
    if hidden:
        h.append(f"<p>… and {hidden} more alerts in this group</p>")
    if c.owners:
        h.append("<p style=\"color:#555\">Owners: " + html_escape(", ".join(c.owners)) + "</p>")
    h.append("</body></html>")
    return subject, "\n".join(text).rstrip() + "\n", "\n".join(h)

