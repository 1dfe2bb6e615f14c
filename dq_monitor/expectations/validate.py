"""Run a dataset's expectation suite on one snapshot: the `<dataset>_passes_expectation_suite` check.

Severity follows GX's per-expectation `severity`: critical -> ERROR, warning -> WARN,
info -> INFO (recorded in the findings store, never alerting and never failing the
check). The check's severity is the worst failed one. A suite that cannot be read, an
unknown expectation type, invalid kwargs or an expectation on a column the snapshot
does not have each become an ERROR finding that names the file and the expectation;
every other expectation of the suite is still evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from dq_monitor.core.outcome import CheckOutcome, Finding, Severity
from dq_monitor.expectations.context import cached_gx_suite, cached_suite, gx_runtime
from dq_monitor.expectations.evidence import (
    describe,
    evidence,
    exception_message,
    failed_expectations_table,
    plain,
)
from dq_monitor.expectations.spec import ExpectationsSpec, check_name
from dq_monitor.expectations.suite import (
    COLUMN_PRESENCE_TYPES,
    LoadedSuite,
    SuiteExpectation,
)


class _Report:
    """Findings, failed-expectation rows and metrics gathered while validating one snapshot."""

    def __init__(self, dataset: str, snapshot: str, check: str, suite: LoadedSuite) -> None:
        self.dataset, self.snapshot, self.check, self.suite = dataset, snapshot, check, suite
        self.findings: list[Finding] = []
        self.failed_rows: list[dict[str, Any]] = []
        self.metrics: dict[str, float] = {}
        self.problems = 0

    def problem(self, message: str, key: str, details: dict[str, Any]) -> None:
        """An ERROR finding for a suite problem (the suite file, not the data, is wrong)."""
        row = {"suite_file": self.suite.path, "error": message, **details}
        self.findings.append(Finding(self.dataset, self.snapshot, self.check, Severity.ERROR,
                                     f"{self.dataset}/{self.snapshot}: {message}",
                                     {"problem": "suite_error", **row}, key=key))
        self.failed_rows.append({**row, "severity": Severity.ERROR.value})
        self.problems += 1

    def broken_expectation(self, expectation: SuiteExpectation, what: str, details: dict[str, Any]) -> None:
        """A suite problem naming one expectation; it counts as not passed."""
        self.problem(f"{self.suite.path}, expectation #{expectation.index + 1} {expectation.type}: {what}",
                     expectation.key, {"expectation_id": expectation.key, "expectation_type": expectation.type,
                                       **details})
        self.metrics[f"gx_success:{expectation.key}"] = 0.0

    def failure(self, expectation: SuiteExpectation, details: dict[str, Any]) -> None:
        message = f"{self.dataset}/{self.snapshot}: {describe(details)}"
        self.findings.append(Finding(self.dataset, self.snapshot, self.check, expectation.severity, message,
                                     details, key=expectation.key))
        self.failed_rows.append({**details, "severity": expectation.severity.value})


def _split_by_columns(
    suite: LoadedSuite, columns: set[Any]
) -> tuple[list[SuiteExpectation], list[tuple[SuiteExpectation, list[str]]]]:
    runnable, missing = [], []
    for expectation in suite.expectations:
        absent = [c for c in expectation.columns if c not in columns]
        if absent and expectation.type not in COLUMN_PRESENCE_TYPES:
            missing.append((expectation, absent))
        else:
            runnable.append(expectation)
    return runnable, missing


def _run_gx(frame: pd.DataFrame, suite: LoadedSuite, runnable: list[SuiteExpectation],
            sample_size: int, suite_key: tuple) -> dict[str, Any]:
    """GX results by our expectation key (`suite_key`: the suite file version, for the GX suite cache)."""
    runtime = gx_runtime()
    gx_suite = cached_gx_suite(suite_key, suite, runnable)
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": sample_size}
    with runtime.lock:
        batch = runtime.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(gx_suite, result_format=result_format)
    return {r.expectation_config.id: r for r in result.results}


def _run_isolating_failures(
    frame: pd.DataFrame, suite: LoadedSuite, runnable: list[SuiteExpectation], sample_size: int, suite_key: tuple
) -> tuple[dict[str, Any], list[tuple[SuiteExpectation, Exception]]]:
    """Run the suite; if GX rejects it as a whole (e.g. a suite parameter without a value),
    run the expectations one by one so only the broken ones are lost."""
    if not runnable:
        return {}, []
    try:
        return _run_gx(frame, suite, runnable, sample_size, suite_key), []
    except Exception:  # noqa: BLE001 - isolated below, never raised
        pass
    results: dict[str, Any] = {}
    failures: list[tuple[SuiteExpectation, Exception]] = []
    for expectation in runnable:
        try:
            results.update(_run_gx(frame, suite, [expectation], sample_size, suite_key))
        except Exception as exc:  # noqa: BLE001 - becomes an ERROR finding
            failures.append((expectation, exc))
    return results, failures


def validate_frame(
    df: pd.DataFrame,
    suite_path: str | Path,
    dataset: str,
    snapshot: str,
    primary_key: Sequence[str] = (),
    *,
    sample_size: int = 20,
    display_path: str | None = None,
) -> CheckOutcome:
    """Validate `df` against the suite file at `suite_path`; never raises on bad suites or data.

    One finding per failed expectation with its evidence (type, column, kwargs, observed
    value, unexpected count and percent, sample values, primary-key values of sample
    failing rows), one ERROR finding per suite problem. Metrics per expectation:
    `gx_success:<id>` (0/1) and `gx_unexpected_percent:<id>`. `display_path` is how
    messages name the suite file (default: `suite_path` as given).
    """
    suite_key, suite = cached_suite(suite_path, default_name=dataset, display=display_path)
    report = _Report(dataset, snapshot, check_name(dataset), suite)
    for problem in suite.problems:
        report.problem(problem.describe(), problem.key,
                       {"expectation_index": problem.index, "expectation_type": problem.expectation_type})

    columns = set(df.columns)
    pk_missing = [c for c in primary_key if c not in columns]
    pk = [c for c in primary_key if c in columns]
    runnable, missing = _split_by_columns(suite, columns)
    for expectation, absent in missing:
        report.broken_expectation(
            expectation,
            f"column(s) {', '.join(map(repr, absent))} not in the snapshot (it has {len(columns)} columns: "
            f"{', '.join(map(repr, sorted(map(str, columns))[:20]))})",
            {"columns": expectation.columns, "missing_columns": absent, "kwargs": plain(expectation.kwargs),
             "expectation_index": expectation.index},
        )

    # GX reports failing rows by index label; labels must identify rows for the key lookup.
    frame = df if df.index.is_unique else df.reset_index(drop=True)
    results, failures = _run_isolating_failures(frame, suite, runnable, sample_size, suite_key)
    for expectation, exc in failures:
        report.broken_expectation(
            expectation,
            f"Great Expectations could not run it: {type(exc).__name__}: {' '.join(str(exc).split())}",
            {"columns": expectation.columns, "kwargs": plain(expectation.kwargs)})
    failed_keys = {e.key for e, _ in failures}
    runnable = [e for e in runnable if e.key not in failed_keys]
    evaluated, passed = _record_results(report, runnable, results, frame, pk, pk_missing, sample_size)
    return _outcome(report, evaluated, passed, pk_missing)


def _record_results(report: _Report, runnable: list[SuiteExpectation], results: dict[str, Any],
                    frame: pd.DataFrame, pk: list[str], pk_missing: list[str],
                    sample_size: int) -> tuple[int, int]:
    """Metrics and findings from GX's results; returns (expectations evaluated, passed)."""
    evaluated = passed = 0
    for expectation in runnable:
        res = results.get(expectation.key)
        if res is None:
            report.broken_expectation(expectation, "no result returned by Great Expectations", {})
            continue
        result = dict(res.result or {})
        error = exception_message(res.exception_info)
        report.metrics[f"gx_success:{expectation.key}"] = 1.0 if (res.success and not error) else 0.0
        pct = result.get("unexpected_percent")
        if isinstance(pct, (int, float)) and pct == pct:
            report.metrics[f"gx_unexpected_percent:{expectation.key}"] = float(pct)
        if error:
            report.broken_expectation(expectation, f"Great Expectations raised: {error}",
                                      {"columns": expectation.columns, "kwargs": plain(expectation.kwargs)})
            continue
        evaluated += 1
        if res.success:
            passed += 1
            continue
        details = evidence(expectation, result, frame, pk, sample_size)
        details["suite_file"] = report.suite.path
        if pk_missing:
            details["primary_key_missing"] = pk_missing
        report.failure(expectation, details)
    if evaluated:
        report.metrics["gx_success_percent"] = 100.0 * passed / evaluated
    return evaluated, passed


def _outcome(report: _Report, evaluated: int, passed: int, pk_missing: list[str]) -> CheckOutcome:
    suite, findings = report.suite, report.findings
    alerting = [f for f in findings if f.severity is not Severity.INFO]
    metadata: dict[str, Any] = {
        "suite": suite.path,
        "suite_name": suite.name,
        "expectations_in_suite": len(suite.expectations) + sum(p.index is not None for p in suite.problems),
        "expectations_evaluated": evaluated,
        "expectations_failed": len(findings) - report.problems,
        "suite_problems": report.problems,
    }
    if pk_missing:
        metadata["primary_key_missing"] = ", ".join(pk_missing)
    if report.failed_rows:
        metadata["failed_expectations"] = failed_expectations_table(report.failed_rows)

    if alerting:
        severity = Severity.worst([f.severity for f in alerting])
        summary = "; ".join(f.message.split(": ", 1)[-1] for f in alerting[:3])
        more = f" (+{len(alerting) - 3} more)" if len(alerting) > 3 else ""
        message = f"{len(alerting)} expectation problem(s) in {suite.name}: {summary}{more}"
        return CheckOutcome(report.check, False, severity, message, metadata=metadata, findings=tuple(findings),
                            metrics=report.metrics)

    configured = Severity.worst([e.severity for e in suite.expectations]) if suite.expectations else Severity.ERROR
    message = f"all {evaluated} expectation(s) of {suite.name} passed"
    if findings:
        message += f"; {len(findings)} info-level expectation(s) failed (recorded only)"
    return CheckOutcome(report.check, True, configured if configured is not Severity.INFO else Severity.WARN,
                        message, metadata=metadata, findings=tuple(findings), metrics=report.metrics)


def check_expectations(
    df: pd.DataFrame,
    dataset: str,
    snapshot: str,
    spec: ExpectationsSpec,
    base_dir: str | Path,
    primary_key: Sequence[str] = (),
) -> CheckOutcome:
    """`validate_frame` for a dataset's config: suite path and sample size from `spec`, the
    suite file named relative to the config folder `base_dir` in messages."""
    path = spec.suite_path(dataset, base_dir)
    try:
        shown = str(path.resolve().relative_to(Path(base_dir).resolve()))
    except ValueError:
        shown = str(path)
    return validate_frame(df, path, dataset, snapshot, primary_key, sample_size=spec.sample_size,
                          display_path=shown)
