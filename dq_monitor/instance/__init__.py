"""The Dagster instance settings dq_monitor ships (`dagster.yaml`): SQLite storage under
$DAGSTER_HOME with one consolidated event log, a run queue limit, run monitoring, telemetry off.

`dq-monitor dev` / `demo --serve` copy it into a new $DAGSTER_HOME from any folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def default_dagster_yaml() -> str:
    return files(__package__).joinpath("dagster.yaml").read_text()


def prepare_dagster_home(home: Path) -> Path:
    """Create `home` with the shipped dagster.yaml unless it already has one; returns the absolute path."""
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists():
        target.write_text(default_dagster_yaml())
    return home
