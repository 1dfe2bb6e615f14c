"""What every `dq-monitor` sub-command shares: exit codes, usage errors, config and store lookup."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dq_monitor.config import ProjectConfig, load_config

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
CONFIG_ENV = "DQ_MONITOR_CONFIG"


class UsageError(Exception):
    """A bad command line; printed as `dq-monitor: error: ...` with exit code 2."""


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_project(args: argparse.Namespace, required: bool = True) -> ProjectConfig | None:
    path = getattr(args, "config", None) or os.environ.get(CONFIG_ENV)
    if path is None:
        if required:
            raise UsageError(f"--config PATH is required (or set {CONFIG_ENV})")
        return None
    return load_config(path)


def open_store(args: argparse.Namespace):
    from dq_monitor.store import Store, default_database_url

    url = getattr(args, "database_url", None)
    if not url:
        project = load_project(args, required=False)
        home = project.home_dir if project else Path(".dq_monitor").resolve()
        url = default_database_url(home)
    return Store(url)
