"""What every `dq-monitor` sub-command shares: exit codes, usage errors, config and store lookup."""

from __future__ import annotations

import argparse
import os
import sys

from dq_monitor.config import ProjectConfig, load_config

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
CONFIG_ENV = "DQ_MONITOR_CONFIG"


class UsageError(Exception):
    """A bad command line; printed as `dq-monitor: error: ...` with exit code 2."""


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def add_store_arguments(p: argparse.ArgumentParser) -> None:
    """`--config` and `--database-url`, taken by every command that opens the findings store."""
    p.add_argument("--config")
    p.add_argument("--database-url")


def load_project(args: argparse.Namespace, required: bool = True) -> ProjectConfig | None:
    path = getattr(args, "config", None) or os.environ.get(CONFIG_ENV)
    if path is None:
        if required:
            raise UsageError(f"--config PATH is required (or set {CONFIG_ENV})")
        return None
    return load_config(path)


def database_url(args: argparse.Namespace, project: ProjectConfig | None = None) -> str:
    """The store the command uses: --database-url, $DQ_MONITOR_DATABASE_URL, storage.database_url, SQLite under home."""
    from dq_monitor.store import StoreUnavailable, resolve_database_url

    if project is None:
        project = load_project(args, required=False)
    try:
        return resolve_database_url(getattr(args, "database_url", None), project)
    except StoreUnavailable as exc:
        raise UsageError(str(exc)) from None


def open_store(args: argparse.Namespace, project: ProjectConfig | None = None):
    """The store for a command that writes: migrated to the newest schema first."""
    from dq_monitor.store import Store

    store = Store(database_url(args, project))
    store.upgrade()
    return store


def read_store(args: argparse.Namespace, project: ProjectConfig | None = None):
    """The store for a command that only reads, or None when it is empty; never creates or migrates.

    Says on stderr which store it read (password masked), so a wrong --config or folder shows.
    """
    from dq_monitor.store import Store, mask_url
    from dq_monitor.store.engine import sqlite_file

    url = database_url(args, project)
    progress(f"findings store: {mask_url(url)}")
    file = sqlite_file(url)
    if file is not None and not file.exists():
        progress(f"the findings store is empty: {file} does not exist (nothing checked yet, or another store: "
                 f"pass --config PATH, set {CONFIG_ENV} or --database-url)")
        return None
    store = Store(url)
    if store.revision() is None:
        progress("the findings store is empty: no tables yet (run `dq-monitor db upgrade` or `dq-monitor check`)")
        return None
    return store
