"""`dq-monitor check` against a user's own $DAGSTER_HOME: runs land there and telemetry stays off."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dq_monitor.demo import write_demo


@pytest.mark.slow
def test_check_with_a_users_own_dagster_home_prints_no_telemetry_banner(tmp_path):
    config = write_demo(tmp_path / "demo", days=15, seed=3).config
    home = tmp_path / "users_home"
    home.mkdir()  # a user's instance without any telemetry setting
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAGSTER_TELEMETRY")}
    env["DAGSTER_HOME"] = str(home)
    result = subprocess.run([sys.executable, "-m", "dq_monitor.cli", "check", "--config", str(config),
                             "--dataset", "web_traffic"], env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert "check result(s)" in result.stdout, output[-3000:]
    assert "usage statistics" not in output and "telemetry" not in output.lower(), output[-3000:]
    assert not (home / ".telemetry").exists()
    assert (home / "history").exists() or any(home.iterdir())  # the run was recorded in the user's instance
