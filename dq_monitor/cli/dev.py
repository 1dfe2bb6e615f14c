"""`dq-monitor dev`: start `dagster dev` on a config."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dq_monitor.cli.common import CONFIG_ENV, EXIT_OK, progress
from dq_monitor.config import load_config


def dagster_home(home: Path) -> Path:
    """An instance folder with the project's dagster.yaml (SQLite storage, telemetry off)."""
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists():
        source = Path("dagster.yaml")
        target.write_text(source.read_text() if source.exists() else "telemetry:\n  enabled: false\n")
    return home


def serve(config: Path, host: str, port: int) -> int:
    env = {**os.environ, CONFIG_ENV: str(config.resolve())}
    env.setdefault("DAGSTER_HOME", str(dagster_home(Path(".dagster_home"))))
    cmd = [sys.executable, "-m", "dagster", "dev", "-m", "dq_monitor.definitions", "-h", host, "-p", str(port)]
    progress(f"starting: {' '.join(cmd)} (DAGSTER_HOME={env['DAGSTER_HOME']})")
    os.execvpe(cmd[0], cmd, env)
    return EXIT_OK  # pragma: no cover


def cmd_dev(args: argparse.Namespace) -> int:
    project_path = Path(args.config or os.environ.get(CONFIG_ENV, "demo_data/dq_monitor.yaml"))
    load_config(project_path)  # fail here with a readable error, not inside dagster
    return serve(project_path, args.host, args.port)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dev", help="start dagster dev on a config (DAGSTER_HOME defaults to .dagster_home)")
    p.add_argument("--config")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_dev)
