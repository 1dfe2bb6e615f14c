"""The overview: datasets x snapshots health matrix, open findings by dataset and snapshot, counts by check type."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from html import escape

from dq_monitor.report.data import DATASET_LEVEL, EPOCH, NOT_EVALUATED, ReportData
from dq_monitor.report.dataset import anchor

#: Where a dataset's name links to: its section of the one-page report, or its page in `dq-monitor serve`.
Href = Callable[[str], str]


def section_href(name: str) -> str:
    return "#" + anchor(name)


def _css_class(state: str) -> str:
    return "s-none" if state == NOT_EVALUATED else f"s-{state}"


def matrix_html(data: ReportData, link: Href = section_href) -> str:
    """One row per dataset, one cell per snapshot (in snapshot-time order), linking to the dataset's section."""
    rows = []
    for d in data.datasets:
        href = escape(link(d.name))
        cells = "".join(
            f'<a class="cell {_css_class(state)}" href="{href}" data-snapshot="{escape(snap)}" '
            f'data-state="{escape(state)}" title="{escape(snap)}: {escape(state)}"></a>'
            for snap in d.order for state in (d.cell(snap),))
        rows.append(f'<tr data-dataset="{escape(d.name)}"><th><a href="{href}">{escape(d.name)}</a></th>'
                    f'<td class="cells">{cells}</td></tr>')
    legend = "".join(f'<span class="cell {_css_class(s)}"></span> {escape(s)} '
                     for s in ("pass", "INFO", "WARN", "ERROR", NOT_EVALUATED))
    return f'<p class="legend">{legend}</p><table class="matrix">{"".join(rows)}</table>'


def open_findings_html(data: ReportData, link: Href = section_href) -> str:
    """Open findings grouped by dataset and snapshot, newest snapshot first (as alerts group them)."""
    parts = []
    for d in data.datasets:
        by_snapshot: dict[str, list] = {}
        for f in d.findings:
            by_snapshot.setdefault(f.snapshot, []).append(f)
        # dataset-level findings (source unavailable) first, then the newest snapshot first
        for snap in sorted(by_snapshot, key=lambda s: (s == DATASET_LEVEL, d.times.get(s, EPOCH)), reverse=True):
            items = "".join(f'<li><span class="badge s-{escape(f.severity)}">{escape(f.severity)}</span> '
                            f"<b>{escape(f.check)}</b> {escape(f.message[:300])}</li>" for f in by_snapshot[snap])
            parts.append(f'<div class="group"><h4><a href="{escape(link(d.name))}">{escape(d.name)}</a> · '
                         f"{escape(snap)} ({len(by_snapshot[snap])})</h4><ul>{items}</ul></div>")
    return "".join(parts) or "<p>No open findings.</p>"


def check_type_counts_html(data: ReportData) -> str:
    counts = Counter((f.check_type or "other", f.severity) for f in data.open_findings())
    types = sorted({t for t, _ in counts})
    rows = "".join(f"<tr><th>{escape(t)}</th>" + "".join(f"<td>{counts.get((t, s), 0)}</td>"
                                                         for s in ("ERROR", "WARN", "INFO")) + "</tr>"
                   for t in types)
    return (f'<table class="counts"><tr><th>check type</th><th>ERROR</th><th>WARN</th><th>INFO</th></tr>'
            f"{rows}</table>")
