"""A failed check's message and evidence, from the details its findings carry.

Generic on purpose: GX failing rows (`sample_failing_rows` with the primary key), drifted columns
with their scores, anomalous `top_rows` with reasons all arrive as lists of records and are drawn
as tables; paths to reports (the Evidently HTML) become links to the local file.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from dq_monitor.store import EvaluationRecord, FindingRecord

MAX_ROWS = 20
MAX_TEXT = 300


def _text(value: Any) -> str:
    s = value if isinstance(value, str) else json.dumps(value, default=str)
    return escape(s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + "…")


def _is_path(key: str, value: Any) -> bool:
    return isinstance(value, str) and (key.endswith(("_path", "_html", "_file")) or key in ("report", "path")) \
        and value.endswith((".html", ".json"))


def _link(value: str) -> str:
    href = Path(value).as_uri() if Path(value).is_absolute() else value
    return f'<a href="{escape(href)}">{escape(value)}</a>'


def _records_table(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows[:MAX_ROWS]:
        columns += [c for c in row if c not in columns]
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_text(row.get(c, ''))}</td>" for c in columns) + "</tr>"
                   for row in rows[:MAX_ROWS])
    more = f'<p class="more">{len(rows) - MAX_ROWS} more rows</p>' if len(rows) > MAX_ROWS else ""
    return f'<table class="evidence"><tr>{head}</tr>{body}</table>{more}'


def _mapping_of_records(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(isinstance(v, dict) for v in value.values())


def details_html(details: dict[str, Any]) -> str:
    """Scalars as a definition list, lists of records (and {name: record} maps) as tables."""
    items, tables = [], []
    for key, value in details.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.append(f"<h5>{escape(key)}</h5>{_records_table(value)}")
        elif _mapping_of_records(value):
            rows = [{"name": k, **v} for k, v in value.items()]
            tables.append(f"<h5>{escape(key)}</h5>{_records_table(rows)}")
        elif _is_path(key, value):
            items.append(f"<dt>{escape(key)}</dt><dd>{_link(value)}</dd>")
        elif value not in (None, "", [], {}):
            items.append(f"<dt>{escape(key)}</dt><dd>{_text(value)}</dd>")
    return (f'<dl class="details">{"".join(items)}</dl>' if items else "") + "".join(tables)


def failed_check_html(evaluation: EvaluationRecord, findings: list[FindingRecord]) -> str:
    """One failed check on one snapshot: its message, then each finding's message and evidence."""
    parts = [f'<div class="failed sev-{escape(evaluation.severity)}">'
             f'<h4><span class="badge s-{escape(evaluation.severity)}">{escape(evaluation.severity)}</span> '
             f"{escape(evaluation.check)} <small>{escape(evaluation.snapshot)}</small></h4>"
             f'<p class="message">{escape(evaluation.message)}</p>']
    for f in findings:
        parts.append(f'<details><summary>{escape(f.severity)} {escape(f.key or f.check)}: {_text(f.message)}'
                     f"</summary>{details_html(f.details)}</details>")
    parts.append("</div>")
    return "".join(parts)
