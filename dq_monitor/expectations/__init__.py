"""Great Expectations suites as a dataset check, with evidence, and suites learned from history.

Pure logic: nothing here imports dagster. The wiring layer turns the `CheckOutcome` of
`validate_frame` into the `<dataset>_passes_expectation_suite` asset check.
"""

from dq_monitor.expectations.context import gx_runtime
from dq_monitor.expectations.spec import (
    ExpectationsSpec,
    check_name,
    default_suite_path,
    parse_expectations_spec,
)
from dq_monitor.expectations.suggest import suggest_suite
from dq_monitor.expectations.suite import (
    GX_SEVERITY,
    LoadedSuite,
    SuiteProblem,
    load_suite,
    write_suite,
)
from dq_monitor.expectations.validate import check_expectations, validate_frame

__all__ = [
    "GX_SEVERITY",
    "ExpectationsSpec",
    "LoadedSuite",
    "SuiteProblem",
    "check_expectations",
    "check_name",
    "default_suite_path",
    "gx_runtime",
    "load_suite",
    "parse_expectations_spec",
    "suggest_suite",
    "validate_frame",
    "write_suite",
]
