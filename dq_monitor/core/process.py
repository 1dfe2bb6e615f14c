"""Which process ran something, and whether that process still exists (to find runs a kill left behind).

A process is named `host:pid:start`, where `start` is the process's start time in clock ticks since
boot (Linux `/proc/<pid>/stat`), so a later process that reuses the pid is not mistaken for it.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

#: The run tag `dq-monitor check` puts on every run it executes in-process.
PROCESS_TAG = "dq_monitor/process"


def _start_ticks(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # The command name (field 2) may hold spaces and parentheses; the fields after its last ")" are plain.
    return stat.rsplit(")", 1)[1].split()[19]


def this_process() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def process_gone(name: str) -> bool:
    """True only when `name` (from `this_process`) ran on this host and that process no longer exists."""
    try:
        host, pid_text, start = name.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return False  # another machine's process: this one cannot tell
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, owned by someone else
    return bool(start) and _start_ticks(pid) not in ("", start)
