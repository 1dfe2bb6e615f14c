"""Demo data with labeled faults: three datasets, a ready config, GX suites and ground truth.

`write_demo(out_dir)` writes everything `dq-monitor demo --dir DIR` needs; the
ground truth lists, per injected fault, the asset checks that should catch it, so
every feature can measure itself against the same data.
"""

from dq_monitor.demo.generate import (
    DEFAULT_START,
    DemoPaths,
    generate_snapshot,
    ground_truth,
    iter_snapshots,
    load_ground_truth,
    read_snapshot,
    write_demo,
)
from dq_monitor.demo.common import DemoSnapshot
from dq_monitor.demo.plan import FAULTS, MIN_DAYS, Fault
from dq_monitor.demo.project import ALERTS, project_config

__all__ = [
    "ALERTS",
    "DEFAULT_START",
    "FAULTS",
    "MIN_DAYS",
    "DemoPaths",
    "DemoSnapshot",
    "Fault",
    "generate_snapshot",
    "ground_truth",
    "iter_snapshots",
    "load_ground_truth",
    "project_config",
    "read_snapshot",
    "write_demo",
]
