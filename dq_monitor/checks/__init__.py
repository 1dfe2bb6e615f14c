"""Pure snapshot checks: each takes plain values and returns a `CheckOutcome`.

Check names read as assertions about a dataset: `<dataset>_schema_matches_contract`,
`<dataset>_schema_unchanged`, `<dataset>_row_count_in_bounds`,
`<dataset>_row_count_change_is_normal`, `<dataset>_is_fresh`,
`<dataset>_snapshot_is_readable`.
"""

from dq_monitor.checks.freshness import check_freshness
from dq_monitor.checks.readability import check_readable
from dq_monitor.checks.schema import (
    check_schema_contract,
    check_schema_unchanged,
    describe_columns,
    logical_type,
)
from dq_monitor.checks.volume import check_row_count_bounds, check_row_count_change

__all__ = [
    "check_freshness",
    "check_readable",
    "check_row_count_bounds",
    "check_row_count_change",
    "check_schema_contract",
    "check_schema_unchanged",
    "describe_columns",
    "logical_type",
]
