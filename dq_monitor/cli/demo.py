"""`dq-monitor demo`: write demo datasets with injected faults, optionally check and serve them."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from dq_monitor.cli.check import cmd_check
from dq_monitor.cli.common import EXIT_OK, UsageError, progress
from dq_monitor.cli.dev import dagster_home, serve


def cmd_demo(args: argparse.Namespace) -> int:
    from dq_monitor.demo import write_demo
    from dq_monitor.demo.generate import MIN_DAYS

    if args.days < MIN_DAYS:
        raise UsageError(f"--days {args.days}: the demo needs at least {MIN_DAYS} days to hold every injected fault")
    out = Path(args.dir)
    paths = write_demo(out, days=args.days, seed=args.seed)
    print(f"demo data written to {out}\n  config: {paths.config}\n  ground truth: {paths.ground_truth}")
    if args.check or args.serve:
        os.environ.setdefault("DAGSTER_HOME", str(dagster_home(Path(".dagster_home"))))
        code = cmd_check(argparse.Namespace(config=str(paths.config), dataset=None, snapshot=None, all=True,
                                            format="table"))
        progress(f"demo check finished (exit {code}: failures are the injected faults)")
    if args.serve:
        return serve(Path(paths.config), args.host, args.port)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="write demo datasets with injected faults and ground truth")
    p.add_argument("--dir", default="demo_data")
    p.add_argument("--days", type=int, default=16)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--check", action="store_true", help="then check every snapshot into $DAGSTER_HOME")
    p.add_argument("--serve", action="store_true", help="then check everything and start dagster dev")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_demo)
