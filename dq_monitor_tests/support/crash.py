"""Real `dq-monitor check` processes over a few days of the demo's payments data (kill and concurrency tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

PAYMENTS = "payments"


def payments_file(day: int) -> str:
    return f"payments_2026-03-{day:02d}.csv"


def payments_snapshot(day: int) -> str:
    return f"payments_2026-03-{day:02d}"


def demo_project(demo: Path, dest: Path, days: list[int]) -> Path:
    """A copy of the demo project (written by `dq-monitor demo`): its payments dataset only, holding only `days`."""
    shutil.copytree(demo, dest, ignore=shutil.ignore_patterns(".dq_monitor", ".dagster_home", "payments_*.csv"))
    config = dest / "dq_monitor.yaml"
    data = yaml.safe_load(config.read_text())
    data["datasets"] = [d for d in data["datasets"] if d["name"] == PAYMENTS]  # fewer definitions to build
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    for day in days:
        add_payments_day(demo, dest, day)
    return config


def add_payments_day(demo: Path, dest: Path, day: int) -> None:
    shutil.copy2(demo / "data" / PAYMENTS / payments_file(day), dest / "data" / PAYMENTS / payments_file(day))


def cli_env(database_url: str, dagster_home: Path | None = None) -> dict[str, str]:
    """The test's environment (PYTHONPATH included) with the store URL, and `DAGSTER_HOME` when given."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "DQ_MONITOR_CONFIG")}
    env["DQ_MONITOR_DATABASE_URL"] = database_url
    if dagster_home is not None:
        dagster_home.mkdir(parents=True, exist_ok=True)
        env["DAGSTER_HOME"] = str(dagster_home)
    return env


def check_command(config: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "dq_monitor.cli", "check", "--config", str(config), "--dataset", PAYMENTS, *extra]


def run_check(config: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess:
    done = subprocess.run(check_command(config, *extra), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done
