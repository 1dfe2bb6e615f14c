"""Two `dq-monitor check` processes starting at once on one fresh DAGSTER_HOME (issue 18).

Both would create Dagster's SQLite tables; without the CLI's lock on the folder one of them failed
about 1 time in 6 with `table snapshots already exists`. Each round starts two real processes that
open the CLI's instance at the same moment on a new folder; every one of them must succeed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

OPEN = ("import sys, time; from dq_monitor.cli.instance import cli_instance; "
        "time.sleep(max(0.0, float(sys.argv[1]) - time.time())); i = cli_instance(); "
        "print('runs', len(i.get_runs(limit=5)))")


@pytest.mark.slow
def test_two_checks_open_one_fresh_dagster_home_at_once(tmp_path: Path) -> None:
    import time

    for round_ in range(6):
        home = tmp_path / f"home{round_}"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        env = {**os.environ, "DAGSTER_HOME": str(home), "DAGSTER_TELEMETRY_DISABLED": "1"}
        start = f"{time.time() + 6:.3f}"  # both import dagster first, then open the instance together
        procs = [subprocess.Popen([sys.executable, "-c", OPEN, start], env=env, cwd=tmp_path,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0 and "runs 0" in out, f"round {round_}: {err[-2000:]}"
        assert (home / ".dq_monitor_instance.lock").exists()
