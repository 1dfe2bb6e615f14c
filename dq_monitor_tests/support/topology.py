"""Run docker/compose.yaml's services as local processes, for end-to-end tests without Docker.

Each service runs exactly the `command` compose declares, with the `environment` compose declares
(`${VAR}` interpolated from a given shell environment), after substituting what differs between
containers and one machine: ports, listen addresses, container paths and a few values by key
(hosts, database names), every one of which must be a variable compose declares. Files compose
bind-mounts from docker/ are copied to the substituted container path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dq_monitor_tests.support.paths import REPO_ROOT

DOCKER_DIR = REPO_ROOT / "docker"
COMPOSE_FILE = DOCKER_DIR / "compose.yaml"
from dq_monitor_tests.support.postgres import PG_ADMIN_URL, throwaway_database  # noqa: F401 (re-exported)

_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def compose_services(path: Path = COMPOSE_FILE) -> dict[str, dict]:
    return yaml.safe_load(path.read_text())["services"]


def interpolate(value: str, shell: Mapping[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` against `shell`."""

    def one(m: re.Match) -> str:
        name, op, arg = m.groups()
        if shell.get(name):
            return shell[name]
        if op == "?":
            raise KeyError(f"{name}: {arg}")
        return arg if op == "-" else ""

    return _VARIABLE.sub(one, value)


@dataclass
class Localization:
    """What changes between compose's containers and processes on this machine."""

    shell: dict[str, str]                                  # the deployer's shell environment
    paths: dict[str, Path]                                 # container path prefix -> local folder
    tokens: dict[str, str] = field(default_factory=dict)   # exact command token -> replacement
    env: dict[str, str] = field(default_factory=dict)      # value by key, for keys compose declares

    def path(self, value: str) -> str:
        for prefix, local in self.paths.items():
            if value == prefix or value.startswith(prefix + "/"):
                return str(local) + value[len(prefix):]
        return value

    def command(self, service: dict) -> list[str]:
        argv = [self.path(self.tokens.get(str(t), str(t))) for t in service["command"]]
        exe = shutil.which(argv[0], path=str(Path(sys.executable).parent))
        assert exe, f"{argv[0]} is not installed next to {sys.executable}"
        return [exe, *argv[1:]]

    def environment(self, service: dict) -> dict[str, str]:
        declared = service.get("environment") or {}
        env: dict[str, str] = {}
        for key, value in declared.items():
            if key in self.env:
                env[key] = self.env[key]
            elif value is None:  # passed through from the shell
                if key in self.shell:
                    env[key] = self.shell[key]
            else:
                env[key] = self.path(interpolate(str(value), self.shell))
        return env

    def undeclared(self, services: Mapping[str, dict]) -> set[str]:
        """Keys substituted by value that no service declares (must be empty)."""
        return set(self.env) - {k for svc in services.values() for k in (svc.get("environment") or {})}

    def mount(self, service: dict) -> None:
        for volume in service.get("volumes") or []:
            source, target = interpolate(volume, self.shell).split(":")[:2]
            local_source = (DOCKER_DIR / source) if source.startswith("./") else Path(source)
            local_target = Path(self.path(target))
            if local_target == local_source or not local_source.is_file():
                continue
            local_target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(local_source, local_target)


class ServiceProcess:
    """One compose service as a process in its own session (default signal handlers, like PID 1 in a
    container gets SIGTERM from `docker stop`)."""

    def __init__(self, name: str, local: Localization, log_dir: Path, services: dict[str, dict] | None = None):
        service = (services or compose_services())[name]
        local.mount(service)
        self.name, self.argv = name, local.command(service)
        self.env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
                    **local.environment(service)}
        self.log_dir = log_dir
        self.starts = 0
        self.proc: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self.log_dir / f"{self.name}-{self.starts}.log"

    def start(self) -> "ServiceProcess":
        self.starts += 1
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.log_dir,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        return self

    def check_alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()[-4000:]}")

    def stop(self, timeout: float = 60) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


def graphql(port: int, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql",
                                 data=json.dumps({"query": query, "variables": dict(variables or {})}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def wait_for_port(service: ServiceProcess, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        service.check_alive()
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"{service.name} did not listen on {port} in {timeout}s:\n{service.log.read_text()[-4000:]}")


