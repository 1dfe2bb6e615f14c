"""`dq-monitor report`: one self-contained static HTML page built from the findings store (read-only)."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path

from dq_monitor.cli.common import (
    EXIT_OK,
    UsageError,
    add_store_arguments,
    load_project,
    progress,
    read_store,
)


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    """`--since`: see `dq_monitor.report.since`; a bad value is a usage error."""
    from dq_monitor.report.since import parse_since as parse

    try:
        return parse(text, now)
    except ValueError as exc:
        raise UsageError(f"--{exc}") from None


def cmd_report(args: argparse.Namespace) -> int:
    from dq_monitor.report import ReportData, build_report, render
    from dq_monitor.report.spec import DEFAULT_FILE

    since = parse_since(args.since)
    project = load_project(args, required=False)  # --database-url alone is enough to read a store
    store = read_store(args, project)
    if store is None:
        html = render(ReportData([], datetime.now(timezone.utc), since))
    else:
        try:
            html = build_report(store, since=since)
        finally:
            store.dispose()
    out = Path(args.out) if args.out else (project.report_path if project else Path(DEFAULT_FILE))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    progress(f"report written to {out} ({len(html.encode()) / 1e6:.1f} MB)")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a static HTML report of the findings store")
    add_store_arguments(p)
    p.add_argument("--out", help="default: report.path of the config, <home>/report.html, or ./report.html")
    p.add_argument("--since", help="only snapshots at or after: ISO date/datetime, or 30d / 12h back from now")
    p.set_defaults(func=cmd_report)
