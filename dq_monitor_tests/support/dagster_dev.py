"""Run the real `dagster dev` (webserver + daemon) in its own process session for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DagsterDev:
    def __init__(self, config: Path, home: Path, log: Path, env: dict[str, str] | None = None) -> None:
        self.config, self.home, self.log = config, home, log
        self.port = free_port()
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> "DagsterDev":
        self.home.mkdir(parents=True, exist_ok=True)
        repo_yaml = Path(__file__).resolve().parents[2] / "dagster.yaml"
        (self.home / "dagster.yaml").write_text(repo_yaml.read_text())
        env = {**os.environ, "DAGSTER_HOME": str(self.home), "DQ_MONITOR_CONFIG": str(self.config),
               "DAGSTER_TELEMETRY_DISABLED": "1", **self.extra_env}
        cmd = [sys.executable, "-m", "dagster", "dev", "-m", "dq_monitor.definitions", "-h", "127.0.0.1",
               "-p", str(self.port)]
        # Own session + default signal handlers, or dagster dev ignores SIGTERM from a test runner.
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dagster dev exited early:\n{self.log.read_text()[-4000:]}")
            try:
                if self.graphql("{ version }").get("data"):
                    return self
            except OSError:
                pass
            time.sleep(1)
        raise TimeoutError(f"dagster dev did not answer in {timeout}s:\n{self.log.read_text()[-4000:]}")

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/graphql",
                                     data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def __enter__(self) -> "DagsterDev":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for(predicate, timeout: float, interval: float = 2.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
