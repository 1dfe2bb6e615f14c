"""The static HTML report of the findings store (`dq-monitor report`): no dagster, no network.

`data.load` reads the store in bulk, `overview` draws the health matrix and open findings,
`dataset` each dataset's metrics over snapshot time with their bands (`svg`), and `evidence`
each failed check's message and evidence. `build_report` returns one self-contained page.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from dq_monitor.report.data import ReportData, load
from dq_monitor.report.dataset import dataset_html
from dq_monitor.report.overview import (
    check_type_counts_html,
    matrix_html,
    open_findings_html,
)
from dq_monitor.report.style import CSS


def render(data: ReportData, title: str = "dq_monitor report") -> str:
    since = f" · snapshots since {data.since:%Y-%m-%d %H:%M}" if data.since else ""
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{escape(title)}</h1><p>generated {data.generated_at:%Y-%m-%d %H:%M} UTC{since} · "
            f"{len(data.datasets)} datasets · {len(data.open_findings())} open findings</p></header>"
            f'<section id="overview"><h2>Health by snapshot</h2>{matrix_html(data)}'
            f"<h2>Open findings by check type</h2>{check_type_counts_html(data)}"
            f'<h2>Open findings</h2><div class="open">{open_findings_html(data)}</div></section>'
            + "".join(dataset_html(d) for d in data.datasets)
            + "</body></html>")


def build_report(store: Any, *, since: datetime | None = None, title: str = "dq_monitor report") -> str:
    """The report of everything in `store` (snapshots at or after `since`), as one HTML string."""
    return render(load(store, since=since), title)


__all__ = ["ReportData", "build_report", "load", "render"]
