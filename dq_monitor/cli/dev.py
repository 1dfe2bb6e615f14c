"""`dq-monitor dev`: start `dagster dev` on a config, from any folder.

`dagster dev` runs as a child in its own process session with default signal handlers (a shell
starts background jobs with SIGINT ignored, and the webserver and daemon would inherit that), and
this process forwards SIGTERM/SIGINT to the whole session, so `kill <pid>` or Ctrl-C stops the
webserver, the daemon and the code servers cleanly. Whatever is still in that session once `dagster dev`
has exited (Dagster's code-server manager can restart a code server that exited during the shutdown) gets
SIGTERM, then SIGKILL: stopping the command leaves no process behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dq_monitor.cli.common import CONFIG_ENV, EXIT_OK, progress
from dq_monitor.config import load_config
from dq_monitor.instance import prepare_dagster_home

DEFAULT_DAGSTER_HOME = ".dagster_home"


def dagster_home(home: Path) -> Path:
    """An instance folder with the shipped dagster.yaml (SQLite storage, telemetry off)."""
    return prepare_dagster_home(home)


def _default_signals() -> None:  # runs in the child between fork and exec
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def serve(config: Path, host: str, port: int) -> int:
    home = Path(os.environ.get("DAGSTER_HOME") or dagster_home(Path(DEFAULT_DAGSTER_HOME)))
    dagster_home(home)  # a user's own empty DAGSTER_HOME still gets our settings (telemetry off, one event log)
    env = {**os.environ, CONFIG_ENV: str(config.resolve()), "DAGSTER_HOME": str(home.resolve())}
    cmd = [sys.executable, "-m", "dagster", "dev", "-m", "dq_monitor.definitions", "-h", host, "-p", str(port)]
    progress(f"starting: {' '.join(cmd)} (DAGSTER_HOME={env['DAGSTER_HOME']}); stop with Ctrl-C or kill {os.getpid()}")
    # cwd = DAGSTER_HOME: dagster dev warns about any dagster.yaml in the current folder that is not the instance's.
    child = subprocess.Popen(cmd, env=env, cwd=env["DAGSTER_HOME"], start_new_session=True,
                             preexec_fn=_default_signals)

    def forward(signum, _frame) -> None:
        try:
            os.killpg(child.pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, forward)
    code = child.wait()
    stop_leftovers(child.pid)
    return EXIT_OK if code in (0, -signal.SIGTERM, -signal.SIGINT) else code


def stop_leftovers(session: int, grace: float = 5.0) -> None:
    """Wait `grace` seconds for the processes left in process group `session` to exit, then SIGTERM them, wait
    again, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        deadline = time.monotonic() + grace
        while _group_alive(session) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not _group_alive(session):
            return
        try:
            os.killpg(session, sig)
        except ProcessLookupError:
            return


def _group_alive(group: int) -> bool:
    """Whether a process of `group` still runs (zombies awaiting their reaper do not count, where /proc says)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (name)": state ppid pgrp ...
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] not in ("Z", "X"):
            return True
    return False


def cmd_dev(args: argparse.Namespace) -> int:
    project_path = Path(args.config or os.environ.get(CONFIG_ENV, "demo_data/dq_monitor.yaml"))
    load_config(project_path)  # fail here with a readable error, not inside dagster
    return serve(project_path, args.host, args.port)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dev", help="start dagster dev on a config (DAGSTER_HOME defaults to ./.dagster_home)")
    p.add_argument("--config")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_dev)
