"""`dagster dev` / the code server print no PreviewWarning for dq_monitor's partitioned check specs."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

from dq_monitor_tests.support.helpers import orders_csv, orders_dataset

LOAD_LOCATION = "import dq_monitor.definitions as d; print(len(d.defs.resolve_asset_graph().asset_check_keys))"
# The same build without the code location's filter: shows the test would see the warnings.
BUILD_UNFILTERED = ("import os; from dq_monitor.config import load_config; "
                    "from dq_monitor.defs.builder import build_definitions; "
                    "build_definitions(load_config(os.environ['DQ_MONITOR_CONFIG'])); print('built')")


def _load(code: str, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DQ_MONITOR_CONFIG": str(config), "DAGSTER_TELEMETRY_DISABLED": "1"}
    # -W always: every warning is printed, however often it repeats (a filter of ours must win).
    return subprocess.run([sys.executable, "-W", "always", "-c", code], env=env, capture_output=True, text=True,
                          timeout=240, cwd=config.parent)


def test_loading_the_code_location_prints_no_preview_warning_for_partitioned_checks(tmp_path: Path) -> None:
    (tmp_path / "data/orders").mkdir(parents=True)
    (tmp_path / "data/orders/orders_2026-01-01.csv").write_text(orders_csv(1))
    config = tmp_path / "dq_monitor.yaml"
    config.write_text(yaml.safe_dump({"datasets": [orders_dataset()]}))
    unfiltered = _load(BUILD_UNFILTERED, config)
    assert unfiltered.returncode == 0, unfiltered.stderr
    assert "PreviewWarning: Specifying a partitions_def on an AssetCheckSpec" in unfiltered.stderr
    loaded = _load(LOAD_LOCATION, config)
    assert loaded.returncode == 0, loaded.stderr
    assert int(loaded.stdout.split()[-1]) > 1  # the partitioned checks were built
    assert "PreviewWarning" not in loaded.stderr and "BetaWarning" not in loaded.stderr, loaded.stderr
