"""`dq-monitor report`: one self-contained static HTML page built from the findings store (read-only)."""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta, timezone
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
    """`--since`: an ISO date or datetime (UTC when naive), or a duration back from now: 30d, 12h."""
    if not text:
        return None
    match = re.fullmatch(r"(\d+)([dh])", text.strip())
    if match:
        amount, unit = int(match[1]), match[2]
        delta = timedelta(days=amount) if unit == "d" else timedelta(hours=amount)
        return (now or datetime.now(timezone.utc)) - delta
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since {text!r}: expected an ISO date/datetime or a duration like 30d or 12h") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def cmd_report(args: argparse.Namespace) -> int:
    from dq_monitor.report import ReportData, build_report, render

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
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    progress(f"report written to {out} ({len(html.encode()) / 1e6:.1f} MB)")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a static HTML report of the findings store")
    add_store_arguments(p)
    p.add_argument("--out", default="report.html")
    p.add_argument("--since", help="only snapshots at or after: ISO date/datetime, or 30d / 12h back from now")
    p.set_defaults(func=cmd_report)
