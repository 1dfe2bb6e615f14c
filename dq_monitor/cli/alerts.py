"""`dq-monitor alerts flush` and `dq-monitor silence add|list|expire`."""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import datetime, timezone

from dq_monitor.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    add_store_arguments,
    load_project,
    open_store,
    progress,
)


def _ledger(args: argparse.Namespace):
    from dq_monitor.alerts import SqlDeliveryLedger

    return SqlDeliveryLedger(open_store(args).engine)


def flush(args: argparse.Namespace) -> int:
    from dq_monitor.defs.alerts import run_alert_pass

    project = load_project(args)
    assert project is not None
    if project.alerts is None:
        raise UsageError(f"{project.source_file} has no alerts: section")
    store = open_store(args)
    if args.now:
        from dq_monitor.alerts import SqlDeliveryLedger

        due = SqlDeliveryLedger(store.engine).retry_now(datetime.now(timezone.utc))
        progress(f"--now: {due} deliveries waiting for a retry are due now")
    report = run_alert_pass(project, store)
    if args.format == "json":
        print(json.dumps(report.as_metadata(), indent=2, default=str))
    else:
        print(report.summary())
        for line in report.details():
            print(f"  {line}")
        if report.waiting and not args.now:
            print("  (`dq-monitor alerts flush --now` retries them now)")
    return EXIT_FINDINGS if report.count("failed") else EXIT_OK


def silence_add(args: argparse.Namespace) -> int:
    from dq_monitor.alerts import parse_duration, parse_matcher

    for m in args.matcher:
        try:
            parse_matcher(m)
        except ValueError as exc:
            raise UsageError(f"bad matcher {m!r}: {exc}") from None
    now = datetime.now(timezone.utc)
    try:
        ends = now + parse_duration(args.duration)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    silence = _ledger(args).add_silence(args.matcher, ends, starts_at=now, created_by=args.by or getpass.getuser(),
                                        comment=args.comment)
    print(f"silence {silence.id} until {silence.ends_at.isoformat()}: {', '.join(silence.matchers)}")
    return EXIT_OK


def silence_list(args: argparse.Namespace) -> int:
    silences = _ledger(args).silences(datetime.now(timezone.utc), include_expired=args.all)
    if args.format == "json":
        print(json.dumps([{"id": s.id, "matchers": list(s.matchers), "starts_at": s.starts_at.isoformat(),
                           "ends_at": s.ends_at.isoformat(), "created_by": s.created_by, "comment": s.comment}
                          for s in silences], indent=2))
    else:
        for s in silences:
            print(f"{s.id}  until {s.ends_at.isoformat()}  {', '.join(s.matchers)}  by {s.created_by}: {s.comment}")
        if not silences:
            print("no active silences")
    return EXIT_OK


def silence_expire(args: argparse.Namespace) -> int:
    from dq_monitor.alerts import SilenceNotFound

    try:
        silence = _ledger(args).expire_silence(args.id, datetime.now(timezone.utc))
    except SilenceNotFound:
        raise UsageError(f"no silence {args.id!r}") from None
    print(f"silence {silence.id} expired")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("alerts", help="alert delivery")
    alerts_sub = p.add_subparsers(dest="alerts_command", required=True)
    f = alerts_sub.add_parser("flush", help="one routing-and-delivery pass (same code path as the alert sensor)")
    add_store_arguments(f)
    f.add_argument("--format", choices=["table", "json"], default="table")
    f.add_argument("--now", action="store_true",
                   help="retry deliveries waiting for their backoff now (e.g. once an SMTP outage is over)")
    f.set_defaults(func=flush)

    p = sub.add_parser("silence", help="mute alerts matching labels until an end time")
    silence_sub = p.add_subparsers(dest="silence_command", required=True)
    a = silence_sub.add_parser("add")
    add_store_arguments(a)
    a.add_argument("--matcher", "-m", action="append", required=True, help="label=value, label=~regex, label!=value")
    a.add_argument("--duration", default="2h", help="e.g. 30m, 2h, 1d (default 2h)")
    a.add_argument("--comment", default="")
    a.add_argument("--by")
    a.set_defaults(func=silence_add)
    lst = silence_sub.add_parser("list")
    add_store_arguments(lst)
    lst.add_argument("--all", action="store_true", help="include expired silences")
    lst.add_argument("--format", choices=["table", "json"], default="table")
    lst.set_defaults(func=silence_list)
    e = silence_sub.add_parser("expire")
    add_store_arguments(e)
    e.add_argument("id")
    e.set_defaults(func=silence_expire)
