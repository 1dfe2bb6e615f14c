"""The findings store: snapshots, check evaluations, findings, metric history, alert ledger.

Postgres in production, a SQLite file by default (see `store.engine` for how the URL is
chosen). Split by role: `engine` (engine, sessions, migrations, URL resolution), `snapshots`
(+ the clean-snapshot policy of `clean`), `findings` (+ evaluations, expected marks), `metrics`,
`alert_ledger`; every table is a typed model in `tables`. Every write is idempotent: re-running
a snapshot's checks updates the rows it wrote before and never duplicates them. Nothing here
imports dagster or any feature package.

Every name is imported on first use (`core.lazy`): the record dataclasses and `clean` do not pay
for SQLAlchemy, and loading a code location does not import the store at all.
"""

from dq_monitor.core.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "dq_monitor.store.engine": ("make_engine", "mask_url", "resolve_database_url"),
    "dq_monitor.store.facade": ("BASELINE_BLOCKING_TYPES", "Store"),
    "dq_monitor.store.urls": ("DATABASE_URL_ENV", "StoreUnavailable", "default_database_url", "utcnow"),
    "dq_monitor.store.records": ("EvaluationRecord", "ExpectedMarkRecord", "FindingRecord", "SnapshotRecord"),
})
