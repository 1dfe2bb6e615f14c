"""`dq-monitor db upgrade|current|check`: findings-store maintenance."""

from __future__ import annotations

import argparse

from dq_monitor.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    open_store,
)


def cmd_db(args: argparse.Namespace) -> int:
    from dq_monitor.store import migrate

    store = open_store(args)  # Store() upgrades to head on open
    if args.action == "upgrade":
        print(f"database at revision {migrate.current_revision(store.engine)} (head {migrate.head_revision()})")
    elif args.action == "current":
        print(migrate.current_revision(store.engine) or "empty")
    elif args.action == "check":
        diff = migrate.pending_model_changes(store.engine)
        if diff:
            print("models and migrations disagree:\n" + "\n".join(f"  {d}" for d in diff))
            return EXIT_FINDINGS
        print("models and migrations agree")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="findings store maintenance")
    p.add_argument("action", choices=["upgrade", "current", "check"])
    p.add_argument("--config")
    p.add_argument("--database-url")
    p.set_defaults(func=cmd_db)
