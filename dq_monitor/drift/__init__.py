"""Placeholder docstring (rewritten below)."""

from dq_monitor.drift.engine import ColumnDrift, DriftResult, compare
from dq_monitor.drift.spec import (
    ColumnOverride,
    DriftSpec,
    ReferenceSelection,
    ReferenceSpec,
    ReferenceUnavailable,
    build_reference_frame,
    parse_spec,
    select_reference,
)
