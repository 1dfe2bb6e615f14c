"""The default code location: `dagster dev -m dq_monitor.definitions`.

Loads the config named by `DQ_MONITOR_CONFIG` (default: `demo_data/dq_monitor.yaml`,
written by `dq-monitor demo --dir demo_data`).
"""

from __future__ import annotations

import os

from dq_monitor.config import load_config
from dq_monitor.defs.builder import build_definitions

CONFIG_ENV = "DQ_MONITOR_CONFIG"
DEFAULT_CONFIG = "demo_data/dq_monitor.yaml"


def load_defs():
    return build_definitions(load_config(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG)))


defs = load_defs()
