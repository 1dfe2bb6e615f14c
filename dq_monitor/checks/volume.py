"""Volume checks: row count within fixed bounds, and change against the previous snapshot."""

from __future__ import annotations

from dq_monitor.checks.spec import VolumeBounds
from dq_monitor.core.names import row_count_bounds_check, row_count_change_check
from dq_monitor.core.outcome import CheckOutcome, Finding, Severity


def check_row_count_bounds(dataset: str, snapshot: str, rows: int, bounds: VolumeBounds) -> CheckOutcome:
    check = row_count_bounds_check(dataset)
    low, high = bounds.min_rows, bounds.max_rows
    problems = []
    if low is not None and rows < low:
        problems.append(f"{rows:,} rows is below the minimum of {low:,}")
    if high is not None and rows > high:
        problems.append(f"{rows:,} rows is above the maximum of {high:,}")
    expected = f"[{'-inf' if low is None else f'{low:,}'}, {'inf' if high is None else f'{high:,}'}]"
    meta = {"observed_rows": rows, "expected_range": expected, "min_rows": low, "max_rows": high}
    if not problems:
        return CheckOutcome(check, True, bounds.severity, f"{rows:,} rows within {expected}", metadata=meta)
    msg = f"{dataset}/{snapshot}: " + "; ".join(problems)
    finding = Finding(dataset, snapshot, check, bounds.severity, msg,
                      {"problem": "row_count_out_of_bounds", "observed": rows, "min_rows": low, "max_rows": high},
                      key="bounds")
    return CheckOutcome(check, False, bounds.severity, msg, metadata=meta, findings=(finding,))


def check_row_count_change(
    dataset: str,
    snapshot: str,
    rows: int,
    previous_rows: int | None,
    previous_snapshot: str | None,
    max_change_pct: float | None,
    severity: Severity = Severity.WARN,
) -> CheckOutcome:
    check = row_count_change_check(dataset)
    if previous_rows is None:
        return CheckOutcome(check, True, severity, "no previous snapshot to compare with",
                            metadata={"observed_rows": rows, "previous_snapshot": "none"})
    change = (rows - previous_rows) / previous_rows * 100 if previous_rows else (0.0 if rows == 0 else float("inf"))
    meta = {
        "observed_rows": rows,
        "previous_rows": previous_rows,
        "previous_snapshot": previous_snapshot,
        "change_pct": round(change, 2) if change != float("inf") else "inf",
        "max_change_pct": max_change_pct,
    }
    if max_change_pct is None or abs(change) <= max_change_pct:
        limit = f" (limit ±{max_change_pct:g}%)" if max_change_pct is not None else ""
        return CheckOutcome(check, True, severity, f"row count changed {change:+.1f}% vs {previous_snapshot}{limit}",
                            metadata=meta)
    msg = (f"{dataset}/{snapshot}: row count changed {change:+.1f}% ({previous_rows:,} -> {rows:,}) vs "
           f"{previous_snapshot}, more than ±{max_change_pct:g}%")
    finding = Finding(dataset, snapshot, check, severity, msg,
                      {"problem": "row_count_change", "observed": rows, "previous": previous_rows,
                       "previous_snapshot": previous_snapshot, "change_pct": meta["change_pct"],
                       "max_change_pct": max_change_pct}, key="change")
    return CheckOutcome(check, False, severity, msg, metadata=meta, findings=(finding,))
