"""The findings store: snapshots, check evaluations, findings, metric history, alert ledger.

Postgres in production, a SQLite file by default (see `store.engine` for how the URL is
chosen). Split by role: `engine` (engine, sessions, migrations, URL resolution), `snapshots`
(+ the clean-snapshot policy of `clean`), `findings` (+ evaluations, expected marks), `metrics`,
`alert_ledger`; every table is a typed model in `tables`. Every write is idempotent: re-running
a snapshot's checks updates the rows it wrote before and never duplicates them. Nothing here
imports dagster or any feature package.
"""

from __future__ import annotations

from dq_monitor.store import clean
from dq_monitor.store.engine import (
    DATABASE_URL_ENV,
    StoreUnavailable,
    default_database_url,
    make_engine,
    mask_url,
    resolve_database_url,
    utcnow,
)
from dq_monitor.store.findings import FindingsMixin
from dq_monitor.store.metrics import MetricsMixin
from dq_monitor.store.records import (
    EvaluationRecord,
    ExpectedMarkRecord,
    FindingRecord,
    SnapshotRecord,
)
from dq_monitor.store.snapshots import SnapshotsMixin

#: Check types whose open findings stop a snapshot from serving as the "previous" baseline.
BASELINE_BLOCKING_TYPES = tuple(d.check_type for d in clean.BASELINE)


class Store(SnapshotsMixin, FindingsMixin, MetricsMixin):
    """Typed access to the findings store. Create one per process and reuse it.

    Opening never migrates: call `upgrade()` where writing starts (code-location load,
    `dq-monitor db upgrade`, the write commands).
    """


__all__ = [
    "BASELINE_BLOCKING_TYPES", "DATABASE_URL_ENV", "EvaluationRecord", "ExpectedMarkRecord", "FindingRecord",
    "SnapshotRecord", "Store", "StoreUnavailable", "clean", "default_database_url", "make_engine", "mask_url",
    "resolve_database_url", "utcnow",
]
