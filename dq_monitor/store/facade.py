"""`Store`: the findings store's typed access, assembled from its role mixins."""

from __future__ import annotations

from dq_monitor.store import clean
from dq_monitor.store.findings import FindingsMixin
from dq_monitor.store.metrics import MetricsMixin
from dq_monitor.store.snapshots import SnapshotsMixin

#: Check types whose open findings stop a snapshot from serving as the "previous" baseline.
BASELINE_BLOCKING_TYPES = tuple(d.check_type for d in clean.BASELINE)


class Store(SnapshotsMixin, FindingsMixin, MetricsMixin):
    """Typed access to the findings store. Create one per process and reuse it.

    Opening never migrates: call `upgrade()` where writing starts (code-location load,
    `dq-monitor db upgrade`, the write commands).
    """
