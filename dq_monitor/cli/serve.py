"""`dq-monitor serve`: the report's pages served live from the findings store (read-only, GET only)."""

from __future__ import annotations

import argparse

from dq_monitor.cli.common import (
    EXIT_OK,
    add_store_arguments,
    load_project,
    progress,
    read_store,
)

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from dq_monitor.report.serve import create_app

    project = load_project(args, required=False)  # --database-url alone is enough to read a store
    store = read_store(args, project)  # says which store, and fails early on a bad URL

    def open_store():
        return store if store is not None else read_store(args, project)

    app = create_app(open_store, title=args.title)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        progress(f"serving on {args.host}: anyone who can reach it reads every finding (there is no login)")
    progress(f"serving the report on http://{args.host}:{args.port}/ (read-only; Ctrl-C stops)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False,
                server_header=False, proxy_headers=False)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the report live from the findings store (read-only)")
    add_store_arguments(p)
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--title", default="dq_monitor report")
    p.set_defaults(func=cmd_serve)
