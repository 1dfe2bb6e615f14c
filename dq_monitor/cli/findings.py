"""`dq-monitor findings`: list findings (with alert and delivery state) from the store."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone

from dq_monitor.cli.common import (
    EXIT_OK,
    UsageError,
    read_store,
)


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since {value!r} is not an ISO date or datetime (e.g. 2026-03-01 or 2026-03-01T06:00)")
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def cmd_findings(args: argparse.Namespace) -> int:
    from dq_monitor.core.markdown import markdown_table

    since = _parse_since(args.since)
    store = read_store(args)
    if store is None:
        print("no findings")
        return EXIT_OK
    status = None if args.status == "all" else args.status
    items = [f.to_dict() for f in store.findings(dataset=args.dataset, since=since, status=status,
                                                 severities=args.severity or None)]
    from dq_monitor.alerts import SqlDeliveryLedger, delivery_status

    deliveries = delivery_status(SqlDeliveryLedger(store.engine), [f["fingerprint"] for f in items])
    for f in items:
        f["deliveries"] = deliveries.get(f["fingerprint"], [])
        failed = [d for d in f["deliveries"] if d["status"] == "failed"]
        if failed:  # permanent delivery failures are shown where people look for findings
            f["alert_state"] = "failed: " + "; ".join(f"{d['receiver']}: {d['error']}" for d in failed)
    if args.format == "json":
        print(json.dumps(items, indent=2, default=str))
        return EXIT_OK
    rows = [{k: (str(v)[:100] if k == "message" else v) for k, v in f.items()
             if k in ("dataset", "snapshot", "check", "severity", "status", "message", "created_at", "alert_state")}
            for f in items]
    print(markdown_table(rows, ["created_at", "dataset", "snapshot", "check", "severity", "status", "alert_state",
                                "message"])
          if rows else "no findings")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("findings", help="list findings from the store")
    p.add_argument("--config")
    p.add_argument("--database-url")
    p.add_argument("--dataset")
    p.add_argument("--since", help="ISO date/datetime (UTC when no offset)")
    p.add_argument("--status", choices=["open", "resolved", "all"], default="all")
    p.add_argument("--severity", action="append", choices=["INFO", "WARN", "ERROR"])
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_findings)
