"""The report's pages: the header, the overview and each dataset's section, as self-contained HTML."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from dq_monitor.report.data import ReportData, load
from dq_monitor.report.dataset import dataset_html
from dq_monitor.report.overview import (
    Href,
    check_type_counts_html,
    matrix_html,
    open_findings_html,
    section_href,
)
from dq_monitor.report.style import CSS


def render_page(data: ReportData, title: str, body: str, nav: str = "") -> str:
    """A full HTML page: the header (title, generation time, counts), `nav`, then `body`."""
    since = f" · snapshots since {data.since:%Y-%m-%d %H:%M}" if data.since else ""
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{escape(title)}</h1>{nav}<p>generated {data.generated_at:%Y-%m-%d %H:%M} UTC{since} · "
            f"{len(data.datasets)} datasets · {len(data.open_findings())} open findings</p></header>"
            f"{body}</body></html>")


def _overview(data: ReportData, link: Href) -> str:
    return (f'<section id="overview"><h2>Health by snapshot</h2>{matrix_html(data, link)}'
            f"<h2>Open findings by check type</h2>{check_type_counts_html(data)}"
            f'<h2>Open findings</h2><div class="open">{open_findings_html(data, link)}</div></section>')


def render(data: ReportData, title: str = "dq_monitor report") -> str:
    """The one-page report: the overview, then every dataset's section."""
    return render_page(data, title, _overview(data, section_href) + "".join(dataset_html(d) for d in data.datasets))


def render_overview(data: ReportData, link: Href, title: str = "dq_monitor report", nav: str = "") -> str:
    """The overview alone; dataset names link to `link(name)`."""
    return render_page(data, title, _overview(data, link), nav)


def render_dataset(data: ReportData, title: str = "dq_monitor report", nav: str = "") -> str:
    """The sections of the datasets in `data` (one, when loaded with `dataset=`)."""
    body = "".join(dataset_html(d) for d in data.datasets) or "<p>No evaluations for this dataset.</p>"
    return render_page(data, title, body, nav)


def build_report(store: Any, *, since: datetime | None = None, title: str = "dq_monitor report") -> str:
    """The report of everything in `store` (snapshots at or after `since`), as one HTML string."""
    return render(load(store, since=since), title)
