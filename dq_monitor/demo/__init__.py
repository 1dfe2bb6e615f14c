"""Demo data with labeled faults: three datasets, a ready config, GX suites and ground truth.

`write_demo(out_dir)` writes everything `dq-monitor demo --dir DIR` needs; the
ground truth lists, per injected fault, the asset checks that should catch it, so
every feature can measure itself against the same data.

Snapshot D (taken at midnight) holds the records of day D-1. With the defaults
(start 2026-03-01, 16 days, seed 7) the first six snapshots are clean and the
faults are (see `plan.FAULTS`)::

    2026-03-07  payments     schema_change       amount -> amount_usd, card_present dropped
    2026-03-08  sensors      volume_drop         15 of 20 sensors offline (~25% of the rows)
    2026-03-09  web_traffic  late_data           newest request ~30 h before the snapshot
    2026-03-10  payments     nulls               ~8% null email, ~3% null merchant
    2026-03-10  sensors      distribution_drift  temperature +6 C, humidity x0.7 ...
    2026-03-11  sensors      distribution_drift  ... and the day after
    2026-03-12  web_traffic  new_category        new user_agent and a burst of HTTP 503
    2026-03-13  payments     point_anomalies     15 amounts 20-80x their user's typical amount
    2026-03-14  sensors      point_anomalies     5 temperature and 5 pressure spikes

``ground_truth.json`` is a list of ``{"dataset", "snapshot", "fault", "check",
"description"}`` objects, one per (fault, full asset-check name that should catch it).
Point-anomaly rows add ``primary_key_columns`` and ``primary_keys`` (ints for
payments' ``txn_id``; ``{"sensor_id": ..., "ts": ISO-8601}`` dicts for sensors'
composite key). Some rows add a ``note``. The drift labels assume a reference that
is clean (the first snapshot, or the previous one with drifted snapshots skipped, as
dq_monitor's `previous` strategy does).
"""

from dq_monitor.demo.common import DemoSnapshot
from dq_monitor.demo.generate import (
    DEFAULT_START,
    DemoPaths,
    generate_snapshot,
    ground_truth,
    iter_snapshots,
    load_ground_truth,
    read_snapshot,
    write_demo,
    write_snapshot,
)
from dq_monitor.demo.plan import FAULTS, MIN_DAYS, PLANNED, SUPPORTED_FAULTS, Fault
from dq_monitor.demo.project import ALERTS, project_config

__all__ = [
    "ALERTS",
    "DEFAULT_START",
    "FAULTS",
    "MIN_DAYS",
    "PLANNED",
    "SUPPORTED_FAULTS",
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
    "write_snapshot",
]
