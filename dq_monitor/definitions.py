"""The default code location: `dagster dev -m dq_monitor.definitions`.

Loads the config named by `DQ_MONITOR_CONFIG` (default: `demo_data/dq_monitor.yaml`,
written by `dq-monitor demo --dir demo_data`).
"""

from __future__ import annotations

import os
import warnings

import dagster as dg

from dq_monitor.core.lazy import freeze_imported_objects

# Dagster's objects live as long as the code server: later full collections need not scan them (issue 16).
freeze_imported_objects()

from dq_monitor.config import load_config  # noqa: E402
from dq_monitor.defs.builder import build_definitions  # noqa: E402

CONFIG_ENV = "DQ_MONITOR_CONFIG"
DEFAULT_CONFIG = "demo_data/dq_monitor.yaml"
#: Dagster marks partitioned asset checks (one check result per snapshot partition) as preview and
#: warns once per check spec: a dozen lines at every start that the user cannot act on. Only these
#: warnings, and only while our definitions are built, are silenced.
PARTITIONED_CHECK_WARNING = r"Specifying a partitions_def on an AssetCheckSpec"


def load_defs() -> dg.Definitions:
    with warnings.catch_warnings():
        for category in (dg.PreviewWarning, dg.BetaWarning):
            warnings.filterwarnings("ignore", message=PARTITIONED_CHECK_WARNING, category=category)
        return build_definitions(load_config(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG)))


defs = load_defs()
