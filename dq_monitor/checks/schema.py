"""Schema checks: the snapshot against its contract, and against the previous snapshot."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dq_monitor.checks.spec import SchemaContract
from dq_monitor.core.dtypes import dtype_kind
from dq_monitor.core.markdown import markdown_table
from dq_monitor.core.names import schema_contract_check, schema_unchanged_check
from dq_monitor.core.outcome import CheckOutcome, Finding, Severity
from dq_monitor.snapshots import is_integral

# Which observed logical types satisfy a contract type.
_COMPATIBLE = {
    "int": {"int"},
    "float": {"float", "int"},
    "bool": {"bool"},
    "string": {"string", "category"},
    "category": {"category", "string"},
    "datetime": {"datetime"},
}


def logical_type(series: pd.Series) -> str:
    """int | float | bool | string | datetime | category | mixed | empty."""
    dtype = series.dtype
    kind = dtype_kind(dtype)
    if kind == "float":
        # CSV turns an int column with nulls into floats; integral floats with nulls stay "int".
        return "int" if series.isna().any() and series.notna().any() and is_integral(series) else "float"
    if kind is not None:
        return kind
    if pd.api.types.is_string_dtype(dtype) or dtype == object:
        values = series.dropna()
        if values.empty:
            return "empty"
        kinds = {_py_kind(v) for v in values.iloc[:: max(1, len(values) // 2000)]}
        if len(kinds) == 1:
            return kinds.pop()
        if kinds <= {"int", "float"}:
            return "float"
        return "mixed"
    return str(dtype)


def _py_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, pd.Timestamp):
        return "datetime"
    return type(value).__name__


def describe_columns(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Column name -> {type, dtype, null_count}; stored per snapshot and compared between snapshots."""
    return {
        str(col): {
            "type": logical_type(frame[col]),
            "dtype": str(frame[col].dtype),
            "null_count": int(frame[col].isna().sum()),
        }
        for col in frame.columns
    }


def contract_from_profile(profile: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A learned contract: the first snapshot's columns and types; nullable where it had nulls."""
    return {c: {"type": p["type"] if p["type"] in _COMPATIBLE else None, "nullable": p["null_count"] > 0}
            for c, p in profile.items()}


def _expected_columns(contract: SchemaContract | None,
                      learned: dict[str, dict[str, Any]] | None) -> tuple[dict[str, dict[str, Any]], str] | None:
    """(column -> {type, nullable}, where it came from), or None when there is no contract yet."""
    if contract is not None and contract.columns and not contract.learn:
        return {c: {"type": s.type, "nullable": s.nullable} for c, s in contract.columns.items()}, "config"
    if learned is not None:
        return learned, "learned from the first snapshot"
    return None


def _violations(dataset: str, snapshot: str, check: str, severity: Severity, expected: dict[str, dict[str, Any]],
                profile: dict[str, dict[str, Any]], allow_extra: bool) -> list[Finding]:
    findings: list[Finding] = []

    def add(key: str, message: str, **details: Any) -> None:
        findings.append(Finding(dataset, snapshot, check, severity, f"{dataset}/{snapshot}: {message}", details,
                                key=key))

    for col in expected:
        if col not in profile:
            add(f"missing:{col}", f"column {col!r} is missing", column=col, problem="missing_column",
                expected=expected[col])
    if not allow_extra:
        for col in profile:
            if col not in expected:
                add(f"extra:{col}", f"unexpected column {col!r} ({profile[col]['type']})",
                    column=col, problem="extra_column", observed=profile[col]["type"])
    for col, spec in expected.items():
        if col not in profile:
            continue
        observed = profile[col]
        want = spec.get("type")
        if want and observed["type"] != "empty" and observed["type"] not in _COMPATIBLE.get(want, {want}):
            add(f"type:{col}", f"column {col!r} has type {observed['type']} (dtype {observed['dtype']}), expected "
                f"{want}", column=col, problem="type_changed", expected=want, observed=observed["type"],
                dtype=observed["dtype"])
        if not spec.get("nullable", True) and observed["null_count"] > 0:
            add(f"nulls:{col}", f"column {col!r} is not nullable but has {observed['null_count']} null value(s)",
                column=col, problem="unexpected_nulls", null_count=observed["null_count"])
    return findings


def _contract_table(expected: dict[str, dict[str, Any]], profile: dict[str, dict[str, Any]]) -> str:
    rows = [
        {"column": c, "expected": (expected.get(c) or {}).get("type") or ("-" if c in expected else "(not in contract)"),
         "observed": profile[c]["type"] if c in profile else "(missing)",
         "nulls": profile[c]["null_count"] if c in profile else "-"}
        for c in sorted(set(expected) | set(profile))
    ]
    return markdown_table(rows, ["column", "expected", "observed", "nulls"])


def check_schema_contract(
    dataset: str,
    snapshot: str,
    profile: dict[str, dict[str, Any]],
    contract: SchemaContract | None,
    learned: dict[str, dict[str, Any]] | None = None,
) -> CheckOutcome:
    """Missing/extra columns, type changes and nulls in non-nullable columns are contract violations."""
    check = schema_contract_check(dataset)
    severity = contract.severity if contract else Severity.ERROR
    found = _expected_columns(contract, learned)
    if found is None:
        return CheckOutcome(check, True, severity, "no contract yet: this snapshot's schema becomes the contract",
                            metadata={"contract_source": "this snapshot", "observed_columns": len(profile)})
    expected, origin = found
    allow_extra = bool(contract.allow_extra_columns) if contract else False
    findings = _violations(dataset, snapshot, check, severity, expected, profile, allow_extra)
    passed = not findings
    message = "schema matches the contract" if passed else f"{len(findings)} contract violation(s): " + "; ".join(
        f.message.split(": ", 1)[-1] for f in findings[:5])
    return CheckOutcome(
        check, passed, severity, message,
        metadata={
            "contract_source": origin,
            "violations": len(findings),
            "missing_columns": sorted(c for c in expected if c not in profile),
            "extra_columns": sorted(c for c in profile if c not in expected) if not allow_extra else [],
            "columns": _contract_table(expected, profile),
        },
        findings=tuple(findings),
    )


def check_schema_unchanged(
    dataset: str,
    snapshot: str,
    profile: dict[str, dict[str, Any]],
    previous: dict[str, dict[str, Any]] | None,
    previous_snapshot: str | None,
    severity: Severity = Severity.WARN,
) -> CheckOutcome:
    """Columns added, removed or retyped since the previous accepted snapshot."""
    check = schema_unchanged_check(dataset)
    if previous is None:
        return CheckOutcome(check, True, severity, "no previous snapshot to compare with",
                            metadata={"previous_snapshot": "none"})
    findings: list[Finding] = []
    for col in sorted(set(previous) - set(profile)):
        findings.append(Finding(dataset, snapshot, check, severity,
                                f"{dataset}/{snapshot}: column {col!r} was removed since {previous_snapshot}",
                                {"column": col, "problem": "column_removed", "previous_snapshot": previous_snapshot},
                                key=f"removed:{col}"))
    for col in sorted(set(profile) - set(previous)):
        findings.append(Finding(dataset, snapshot, check, severity,
                                f"{dataset}/{snapshot}: column {col!r} was added since {previous_snapshot}",
                                {"column": col, "problem": "column_added", "observed": profile[col]["type"],
                                 "previous_snapshot": previous_snapshot}, key=f"added:{col}"))
    for col in sorted(set(profile) & set(previous)):
        before, now = previous[col]["type"], profile[col]["type"]
        if before != now and "empty" not in (before, now) and {before, now} not in ({"int", "float"}, {"string", "category"}):
            findings.append(Finding(dataset, snapshot, check, severity,
                                    f"{dataset}/{snapshot}: column {col!r} changed type {before} -> {now} "
                                    f"since {previous_snapshot}",
                                    {"column": col, "problem": "type_changed", "previous": before, "observed": now,
                                     "previous_snapshot": previous_snapshot}, key=f"type:{col}"))
    passed = not findings
    return CheckOutcome(
        check, passed, severity,
        f"schema unchanged since {previous_snapshot}" if passed
        else f"{len(findings)} schema change(s) since {previous_snapshot}",
        metadata={"previous_snapshot": previous_snapshot, "changes": len(findings),
                  "change_list": "\n".join(f"- {f.message.split(': ', 1)[-1]}" for f in findings) or "none"},
        findings=tuple(findings),
    )
