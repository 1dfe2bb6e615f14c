"""What a reader needs from a notification, as plain, unescaped strings.

`summarize` extracts the title, per-alert facts with numbers, top anomalous rows and
links; `render` escapes them for Slack and email. Links are only http(s).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from dq_monitor.alerts.escape import safe_url, truncate
from dq_monitor.alerts.records import AlertInput, Notification
from dq_monitor.core.names import ASSET_TARGET_DETAIL

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
_SKIP_KEYS = {"fingerprint", "links", "report_html", ASSET_TARGET_DETAIL}  # the last: routing, not evidence

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


def _checks(alerts) -> int:
    """How many checks the alerts come from: an anomaly check flags many rows, one finding each."""
    return len({(a.dataset, a.snapshot, a.check) for a in alerts})


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
        count = _checks(n.firing)
        title = f"[{n.worst_severity}] {where}: {count} failing check{'s' if count != 1 else ''}{on}"
        if n.resolved:
            title += f", {_checks(n.resolved)} resolved"
        state = "firing"
    else:
        count = _checks(n.resolved)
        title = f"[RESOLVED] {where}: {count} check{'s' if count != 1 else ''} passing again{on}"
        state = "resolved"
    owners = sorted({o for a in alerts for o in a.owners})
    return MessageContent(title, state, n.worst_severity, firing, resolved, dict(n.group_labels), owners)
