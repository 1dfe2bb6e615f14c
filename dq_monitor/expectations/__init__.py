"""Great Expectations suites as a dataset check, with evidence, and suites learned from history.

Pure logic: nothing here imports dagster. The wiring layer turns the `CheckOutcome` of
`validate_frame` into the `<dataset>_passes_expectation_suite` asset check.
"""

from dq_monitor.core.lazy import lazy_exports

# Imported on first use (`core.lazy`): loading the config needs only `expectations.spec`, not GX.
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "dq_monitor.expectations.context": ("gx_runtime",),
    "dq_monitor.expectations.spec": ("ExpectationsSpec", "check_name", "default_suite_path", "parse_expectations_spec"),
    "dq_monitor.expectations.suggest": ("suggest_suite",),
    "dq_monitor.expectations.suite": ("GX_SEVERITY", "LoadedSuite", "SuiteProblem", "load_suite", "write_suite"),
    "dq_monitor.expectations.validate": ("check_expectations", "validate_frame"),
})
