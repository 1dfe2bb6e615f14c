"""`dq-monitor` command line: one module per sub-command, each with `register(subparsers)`.

Exit codes: 0 no ERROR finding, 1 an ERROR finding (or a failed run), 2 usage or config error.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from dq_monitor.cli import (
    alerts,
    check,
    db,
    demo,
    dev,
    findings,
    mark_expected,
    report,
    serve,
    suggest_expectations,
)
from dq_monitor.cli.common import EXIT_USAGE, UsageError
from dq_monitor.config import ConfigError
from dq_monitor.store.urls import StoreUnavailable

COMMANDS = (check, findings, db, demo, dev, alerts, mark_expected, suggest_expectations, report, serve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dq-monitor", description="Data-quality monitoring on Dagster.")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Dagster marks partitioned asset checks as preview; the CLI's user cannot act on that warning.
    warnings.filterwarnings("ignore", message=".*is currently in preview.*")
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) and EXIT_USAGE
    try:
        return int(args.func(args))
    except (ConfigError, UsageError, StoreUnavailable) as exc:
        print(f"dq-monitor: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
