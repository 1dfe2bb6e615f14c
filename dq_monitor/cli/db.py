"""`dq-monitor db upgrade|current|check`: findings-store maintenance (only `upgrade` changes the schema)."""

from __future__ import annotations

import argparse

from dq_monitor.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    database_url,
    open_store,
    progress,
)


def cmd_db(args: argparse.Namespace) -> int:
    from dq_monitor.store import Store, mask_url, migrate
    from dq_monitor.store.engine import sqlite_file

    if args.action == "upgrade":
        store = open_store(args)
        print(f"database at revision {store.revision()} (head {migrate.head_revision()})")
        return EXIT_OK
    url = database_url(args)
    progress(f"findings store: {mask_url(url)}")
    file = sqlite_file(url)
    if args.action == "current" and file is not None and not file.exists():
        print("empty")  # reading must not create the file
        return EXIT_OK
    store = Store(url)
    if args.action == "current":
        print(store.revision() or "empty")
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
