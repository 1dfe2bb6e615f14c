"""Pure snapshot checks: each takes plain values and returns a `CheckOutcome`.

Check names read as assertions about a dataset: `<dataset>_schema_matches_contract`,
`<dataset>_schema_unchanged`, `<dataset>_row_count_in_bounds`,
`<dataset>_row_count_change_is_normal`, `<dataset>_is_fresh`,
`<dataset>_snapshot_is_readable`.
"""

from dq_monitor.core.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "dq_monitor.checks.freshness": ("check_freshness",),
    "dq_monitor.checks.readability": ("check_readable",),
    "dq_monitor.checks.schema": ("check_schema_contract", "check_schema_unchanged", "describe_columns", "logical_type"),
    "dq_monitor.checks.volume": ("check_row_count_bounds", "check_row_count_change"),
})
