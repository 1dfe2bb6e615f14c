"""A DriftResult as the `<dataset>_has_no_dataset_drift` check outcome, metrics and table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dq_monitor.core import names
from dq_monitor.core.outcome import CheckOutcome, Finding, Severity
from dq_monitor.drift.engine import ColumnDrift, DriftResult
from dq_monitor.drift.spec import DriftSpec, ReferenceSelection, parse_spec


def check_name(dataset: str) -> str:
    return names.drift_check(dataset)


def drift_metrics(result: DriftResult) -> dict[str, float]:
    """`drift_share` plus `drift_score:<column>` for every compared column."""
    metrics = {"drift_share": float(result.drift_share)}
    for col in result.compared:
        metrics[f"drift_score:{col.column}"] = float(col.score)
    return metrics


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e4):
        return f"{value:.3g}"
    return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(result: DriftResult) -> str:
    """One row per column: type, method, threshold, score, verdict, remarks (`mode: evidently`), or
    type, test, p-value, adjusted p-value, effect, floor, verdict, remarks (`mode: dq_monitor`)."""
    calibrated = result.mode == "dq_monitor"
    header = (["column", "type", "test", "p-value", "p_adj", "effect", "floor", "drifted", "remarks"] if calibrated
              else ["column", "type", "method", "threshold", "score", "drifted", "remarks"])
    lines = [
        f"Dataset drift: **{'yes' if result.dataset_drift else 'no'}** — "
        f"{result.number_of_drifted_columns} of {result.number_of_columns} columns drifted "
        f"(share {result.drift_share:.3f}, threshold {result.share_threshold:g})"
        + (f"; p-values Benjamini-Hochberg adjusted, alpha {result.alpha:g}" if calibrated else ""),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for col in result.columns:
        if col.status != "compared":
            row = [col.column, col.column_type or ""] + [""] * (len(header) - 4) + [col.status, col.problem or ""]
        elif calibrated:
            effect = f"{_fmt(col.score)} {col.effect_name or col.method_display_name}"
            row = [col.column, col.column_type, col.test_name, _fmt(col.p_value), _fmt(col.p_value_adjusted), effect,
                   _fmt(col.threshold), "**yes**" if col.drifted else "no", col.note or ""]
        else:
            row = [col.column, col.column_type, col.method_display_name, _fmt(col.threshold), _fmt(col.score),
                   "**yes**" if col.drifted else "no", col.note or ""]
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _column_details(col: ColumnDrift, reference: str | None, report: str | None) -> dict[str, Any]:
    return {
        "column": col.column,
        "column_type": col.column_type,
        "method": col.method,
        "method_display_name": col.method_display_name,
        "threshold": col.threshold,
        "score": col.score,
        "score_kind": col.score_kind,
        "reference_rows": col.reference_rows,
        "current_rows": col.current_rows,
        "p_value": col.p_value,
        "p_value_adjusted": col.p_value_adjusted,
        "effect_size": col.effect_size,
        "effect_floor": col.effect_floor,
        "effect_name": col.effect_name,
        "new_categories": [str(v) for v in col.new_categories[:50]],
        "note": col.note,
        "reference": reference,
        "report": report,
    }


def _drift_message(col: ColumnDrift, alpha: float | None) -> str:
    if col.calibrated:
        return (
            f"column '{col.column}' drifted: {col.test_name} p_adj {_fmt(col.p_value_adjusted)} (alpha {alpha:g}), "
            f"effect {_fmt(col.effect_size)} ({col.effect_name}, floor {_fmt(col.effect_floor)})"
        )
    kind = "p-value" if col.score_kind == "p_value" else "score"
    return (
        f"column '{col.column}' drifted: {col.method_display_name} {kind} {_fmt(col.score)} "
        f"(threshold {_fmt(col.threshold)})"
    )


def _drift_findings(result: DriftResult, dataset: str, snapshot: str, check: str, severity: Severity,
                    ref_text: str | None, report: str | None) -> list[Finding]:
    """One finding per drifted column, per column that could not be compared, and for the dataset."""
    findings: list[Finding] = []

    def add(key: str, message: str, details: dict[str, Any]) -> None:
        findings.append(Finding(dataset, snapshot, check, severity, message, details, key))

    if result.dataset_drift:
        add(
            "dataset",
            f"dataset drift in {dataset}: {result.number_of_drifted_columns} of {result.number_of_columns} columns "
            f"drifted (share {result.drift_share:.3f} >= {result.share_threshold:g})"
            + (f" against {ref_text}" if ref_text else ""),
            {"drift_share": result.drift_share, "share_threshold": result.share_threshold,
             "drifted_columns": list(result.drifted_columns), "reference": ref_text, "report": report},
        )
    for col in result.columns:
        if col.drifted:
            details = _column_details(col, ref_text, report) | {"alpha": result.alpha}
            add(f"drift:{col.column}", _drift_message(col, result.alpha), details)
        elif col.status == "problem":
            level = "schema problem" if col.schema_level else "data problem"
            add(
                f"problem:{col.column}",
                f"column '{col.column}' could not be compared for drift ({level}): {col.problem}",
                {"column": col.column, "problem": col.problem, "schema_level": col.schema_level,
                 "reference": ref_text, "report": report},
            )
    if result.problem is not None:
        add("problem:dataset", f"drift of {dataset} could not be computed: {result.problem}",
            {"problem": result.problem, "reference": ref_text, "report": report})
    return findings


def has_findings(result: DriftResult) -> bool:
    """Whether the check will record a finding: dataset drift, a drifted or uncomparable column, or no result."""
    return bool(result.dataset_drift or result.problem is not None
                or any(c.drifted or c.status == "problem" for c in result.columns))


def _summary(result: DriftResult) -> str:
    if result.problem is not None:
        return f"Drift could not be computed: {result.problem}."
    message = (
        f"{result.number_of_drifted_columns} of {result.number_of_columns} columns drifted "
        f"(share {result.drift_share:.3f}, dataset drift at >= {result.share_threshold:g}): "
        + ("dataset drift." if result.dataset_drift else "no dataset drift.")
    )
    if result.problems:
        message += f" {len(result.problems)} column(s) could not be compared."
    return message


def _metadata(result: DriftResult, ref_text: str | None, report: str | None) -> dict[str, Any]:
    return {
        "mode": result.mode,
        "alpha": result.alpha,
        "dataset_drift": result.dataset_drift,
        "drift_share": result.drift_share,
        "share_threshold": result.share_threshold,
        "number_of_columns": result.number_of_columns,
        "number_of_drifted_columns": result.number_of_drifted_columns,
        "drifted_columns": list(result.drifted_columns),
        "not_compared": {c.column: c.problem for c in result.columns if c.status != "compared"},
        "reference": ref_text,
        "reference_rows": result.reference_rows,
        "current_rows": result.current_rows,
        "report": report,
        "table": markdown_table(result),
    }


def to_check_outcome(
    result: DriftResult,
    dataset: str,
    snapshot: str,
    spec: "DriftSpec | dict[str, Any] | None" = None,
    reference: "ReferenceSelection | str | None" = None,
    report_path: "str | Path | None" = None,
) -> CheckOutcome:
    """The check `<dataset>_has_no_dataset_drift`.

    Passes when the dataset verdict is "no drift" and every selected column could
    be compared. Findings: one per drifted column (method, threshold, score), one per
    column that could not be compared (schema-level ones say so), one for the dataset
    verdict when it drifted, and one when nothing could be compared at all.
    """
    spec = parse_spec(spec)
    check = check_name(dataset)
    ref_text = reference.description if isinstance(reference, ReferenceSelection) else reference
    report = str(report_path) if report_path is not None else None
    findings = _drift_findings(result, dataset, snapshot, check, spec.severity, ref_text, report)
    passed = not result.dataset_drift and not result.problems and result.problem is None
    return CheckOutcome(
        check=check,
        passed=passed,
        severity=spec.severity,
        message=_summary(result),
        metadata=_metadata(result, ref_text, report),
        findings=tuple(findings),
        metrics=drift_metrics(result),
    )
