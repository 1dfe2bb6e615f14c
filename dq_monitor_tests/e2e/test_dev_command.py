"""`dq-monitor dev` from an arbitrary folder: the shipped instance settings, a clean stop on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from dq_monitor.demo import write_demo
from dq_monitor_tests.support.dagster_dev import free_port, wait_for

pytestmark = pytest.mark.slow


def _processes_with_home(home: Path) -> list[int]:
    """Pids whose environment names this test's DAGSTER_HOME (the command, dagster dev and its children)."""
    needle = f"DAGSTER_HOME={home}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if needle in (proc / "environ").read_bytes().split(b"\0"):
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def _answers(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as resp:
            return resp.status == 200
    except OSError:
        return False


def _start_in_background(tmp_path: Path, home: Path, port: int) -> subprocess.Popen:
    config = write_demo(tmp_path / "demo", days=15, seed=1).config
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    cmd = [sys.executable, "-m", "dq_monitor.cli", "dev", "--config", str(config), "--port", str(port)]
    # As a shell starts a background job: SIGINT ignored, inherited by everything it execs.
    return subprocess.Popen(cmd, cwd=elsewhere, env=env, stdout=(tmp_path / "dev.log").open("wb"),
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_dev_from_another_folder_uses_the_shipped_instance_and_stops_on_a_signal(tmp_path, stop_signal):
    home, port = tmp_path / "home", free_port()
    proc = _start_in_background(tmp_path, home, port)
    try:
        wait_for(lambda: _answers(port), timeout=120, what="dagster dev webserver")
        settings = yaml.safe_load((home / "dagster.yaml").read_text())
        assert settings["telemetry"] == {"enabled": False}
        assert settings["event_log_storage"]["class"] == "ConsolidatedSqliteEventLogStorage"
        assert settings["run_queue"]["max_concurrent_runs"] <= 3 and settings["run_monitoring"]["enabled"]
        assert len(_processes_with_home(home)) >= 3  # the command, dagster dev, webserver/daemon
        proc.send_signal(stop_signal)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _processes_with_home(home) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _processes_with_home(home) == [], (tmp_path / "dev.log").read_text()[-3000:]
        log = (tmp_path / "dev.log").read_text()
        assert "will not be used" not in log
    finally:
        for pid in _processes_with_home(home):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for init to reap it)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("ignores_sigterm", [False, True], ids=["exits-on-sigterm", "ignores-sigterm"])
def test_processes_left_in_the_dagster_dev_session_are_stopped(ignores_sigterm):
    """What stays in `dagster dev`'s session after it exited (a code server restarted during shutdown) is
    terminated, and killed if it ignores SIGTERM: `dq-monitor dev` leaves no process behind."""
    from dq_monitor.cli.dev import stop_leftovers

    body = "import signal, time\n" + ("signal.signal(signal.SIGTERM, signal.SIG_IGN)\n" if ignores_sigterm else "")
    # The session's leader (dagster dev) starts a process of its session, then exits.
    spawn = (f"import subprocess, sys\np = subprocess.Popen([sys.executable, '-c', {body + 'time.sleep(120)'!r}])\n"
             "print(p.pid, flush=True)")
    leader = subprocess.Popen([sys.executable, "-c", spawn], start_new_session=True, stdout=subprocess.PIPE, text=True)
    member = int(leader.stdout.readline())
    leader.wait()
    time.sleep(0.3)  # the member's signal handler is installed
    assert _alive(member)
    started = time.monotonic()
    stop_leftovers(leader.pid, grace=0.5)
    wait_for(lambda: not _alive(member), timeout=5, interval=0.05, what="the leftover process to stop")
    took = time.monotonic() - started
    assert (took >= 1.0) == ignores_sigterm and took < 3  # SIGTERM after one grace, SIGKILL after two
