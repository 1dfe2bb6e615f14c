"""`dq-monitor mark-expected`: tell the metric-history detectors that a snapshot's behaviour was expected."""

from __future__ import annotations

import argparse
import getpass

from dq_monitor.cli.common import (
    EXIT_OK,
    UsageError,
    add_store_arguments,
    load_project,
    open_store,
)


def run(args: argparse.Namespace) -> int:
    project = load_project(args)
    assert project is not None
    project.dataset(args.dataset)  # unknown dataset -> readable error
    store = open_store(args)
    if store.get_snapshot(args.dataset, args.snapshot) is None:
        known = [s.snapshot for s in store.snapshots(args.dataset)][-5:]
        raise UsageError(f"dataset {args.dataset!r} has no recorded snapshot {args.snapshot!r} "
                         f"(latest: {', '.join(known) or 'none'})")
    store.mark_expected(args.dataset, args.snapshot, check=args.check or "", reason=args.reason or "",
                        marked_by=args.by or getpass.getuser())
    scope = f"check {args.check}" if args.check else "every check"
    print(f"{args.dataset}/{args.snapshot} marked expected for {scope}; detectors will not learn from it "
          "and its findings are not alerted")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mark-expected", help="record that a snapshot's behaviour was expected (e.g. a holiday)")
    add_store_arguments(p)
    p.add_argument("--dataset", required=True)
    p.add_argument("--snapshot", required=True)
    p.add_argument("--check", help="one check name (default: every check of the snapshot)")
    p.add_argument("--reason", default="")
    p.add_argument("--by", help="who (default: the current user)")
    p.set_defaults(func=run)
