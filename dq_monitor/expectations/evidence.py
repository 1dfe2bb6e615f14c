"""Turn one GX expectation result into evidence a person can act on.

GX's SUMMARY result gives counts, a sample of unexpected values and the frame index
labels of the first failing rows. We look those few rows up in the frame to report
their primary-key values (and the offending column values with their real types), so
a finding says *which* records broke the expectation, not only how many.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from dq_monitor.expectations.suite import SuiteExpectation

# Result fields copied verbatim (when GX reports them) into a finding's details.
_COUNT_FIELDS = (
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "unexpected_percent_total",
    "missing_count",
    "missing_percent",
)


def plain(value: Any) -> Any:
    """JSON-safe copy: numpy/pandas scalars unwrapped, NaN/NaT -> None, timestamps -> ISO text."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, pd.Timedelta):
        return None if pd.isna(value) else str(value)
    if isinstance(value, Decimal):
        value = float(value)
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, int):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def exception_message(exception_info: Any) -> str | None:
    """The message of a GX exception_info, which is either one record or a dict of records by metric."""
    if not exception_info:
        return None
    records = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    for record in records:
        if isinstance(record, dict) and record.get("raised_exception"):
            message = record.get("exception_message") or "GX raised an exception"
            return " ".join(str(message).split())
    return None


def failing_rows(
    frame: pd.DataFrame,
    index_labels: Sequence[Any] | None,
    primary_key: Sequence[str],
    columns: Sequence[str],
) -> list[dict[str, Any]]:
    """Primary-key and expectation-column values of the rows GX reported as unexpected.

    Without a primary key, the frame's index label is reported as `_row`.
    """
    if not index_labels:
        return []
    labels = [label for label in index_labels if not isinstance(label, (dict, list))]
    if not labels:
        return []
    wanted = list(dict.fromkeys([*primary_key, *(c for c in columns if c in frame.columns)]))
    try:
        positions = frame.index.get_indexer(labels)
    except (TypeError, ValueError):  # labels GX could not have produced for this index
        return []
    found = [(label, pos) for label, pos in zip(labels, positions) if pos >= 0]
    if not found:
        return []
    take = [pos for _, pos in found]
    # Column by column: selecting rows of a column slice would copy whole columns first.
    values = {col: frame[col].iloc[take].tolist() for col in wanted}
    records = []
    for i, (label, _) in enumerate(found):
        record = {} if primary_key else {"_row": plain(label)}
        record.update({col: plain(values[col][i]) for col in wanted})
        records.append(record)
    return records


def _merge_counts(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # GX counts NaN values one by one (NaN != NaN); after `plain` they are all None.
    merged: dict[str, dict[str, Any]] = {}
    for item in samples:
        slot = merged.setdefault(repr(item["value"]), {"value": item["value"], "count": 0})
        slot["count"] = (slot["count"] or 0) + (item["count"] or 0)
    return sorted(merged.values(), key=lambda d: -(d["count"] or 0))


def evidence(
    expectation: SuiteExpectation,
    result: dict[str, Any],
    frame: pd.DataFrame,
    primary_key: Sequence[str],
    sample_size: int,
) -> dict[str, Any]:
    """The details of a failed (or errored) expectation, all JSON-safe."""
    details: dict[str, Any] = {
        "expectation_id": expectation.key,
        "expectation_type": expectation.type,
        "column": expectation.columns[0] if len(expectation.columns) == 1 else None,
        "columns": expectation.columns,
        "kwargs": plain(expectation.kwargs),
        "gx_severity": expectation.gx_severity,
        "meta": plain(expectation.meta),
        "observed_value": plain(result.get("observed_value")),
    }
    for name in _COUNT_FIELDS:
        if name in result:
            details[name] = plain(result[name])
    counts = result.get("partial_unexpected_counts") or []
    sample_values = [
        {"value": plain(item.get("value")), "count": plain(item.get("count"))}
        for item in counts if isinstance(item, dict) and "value" in item
    ]
    if not sample_values and result.get("partial_unexpected_list"):
        sample_values = [{"value": plain(v), "count": 1} for v in result["partial_unexpected_list"]]
    sample_values = _merge_counts(sample_values)
    details["sample_unexpected_values"] = sample_values[:sample_size]
    details["primary_key"] = list(primary_key)
    details["sample_failing_rows"] = failing_rows(
        frame, (result.get("partial_unexpected_index_list") or [])[:sample_size], primary_key, expectation.columns
    )
    return details


def _fmt_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return repr(value) if isinstance(value, str) else str(value)


def describe(details: dict[str, Any]) -> str:
    """One sentence for a failed expectation: what, where, how much, and an example."""
    where = f" on {', '.join(map(repr, details['columns']))}" if details.get("columns") else ""
    text = f"{details['expectation_type']}{where} failed"
    if details.get("unexpected_count") is not None and details.get("element_count") is not None:
        pct = details.get("unexpected_percent")
        pct_text = f" ({pct:.3g}%)" if isinstance(pct, (int, float)) else ""
        text += f": {details['unexpected_count']} of {details['element_count']} rows unexpected{pct_text}"
    elif details.get("observed_value") is not None:
        text += f": observed {_fmt_value(details['observed_value'])}"
    samples = details.get("sample_unexpected_values") or []
    if samples:
        text += ", e.g. " + ", ".join(_fmt_value(s["value"]) for s in samples[:3])
    rows = details.get("sample_failing_rows") or []
    pk = details.get("primary_key") or []
    if rows and pk:
        keys = ["/".join(f"{c}={_fmt_value(r.get(c))}" for c in pk) for r in rows[:3]]
        text += f" (rows {', '.join(keys)})"
    return text


def failed_expectations_table(rows: list[dict[str, Any]]) -> str:
    """Failed expectations as a markdown table for the Dagster UI."""
    header = "| expectation | column | severity | unexpected | observed | sample values | sample row keys |"
    lines = [header, "|---|---|---|---|---|---|---|"]

    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    for d in rows:
        unexpected = ""
        if d.get("unexpected_count") is not None:
            pct = d.get("unexpected_percent")
            unexpected = f"{d['unexpected_count']}" + (f" ({pct:.3g}%)" if isinstance(pct, (int, float)) else "")
        samples = ", ".join(_fmt_value(s["value"]) for s in (d.get("sample_unexpected_values") or [])[:5])
        pk = d.get("primary_key") or []
        keys = "; ".join(
            "/".join(f"{c}={_fmt_value(r.get(c))}" for c in pk) if pk else f"row {r.get('_row')}"
            for r in (d.get("sample_failing_rows") or [])[:5]
        )
        observed = d.get("error") or ("" if d.get("observed_value") is None else _fmt_value(d["observed_value"]))
        lines.append("| " + " | ".join(cell(v) for v in (
            d.get("expectation_type") or "(suite)", ", ".join(d.get("columns") or []), d.get("severity", ""),
            unexpected, observed, samples, keys)) + " |")
    return "\n".join(lines)
