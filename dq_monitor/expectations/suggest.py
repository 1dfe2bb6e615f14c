"""Learn a first expectation suite from a dataset's recent (clean) snapshots.

Every bound is chosen so that a new clean snapshot passes with high probability
(`false_alarm_rate` per expectation and snapshot) while the faults an expectation can
see — nulls where there never were any, values far outside the observed range, new
categories — fail. Each expectation's `meta.reason` says why it was chosen and from what.

* structure (critical): columns present in every snapshot exist and keep their types;
  columns never null stay not null; identifier-like columns unique in every snapshot
  stay unique; a declared primary key is unique.
* learned bounds (warning, to be reviewed): the null rate of columns that had nulls;
  numeric ranges, extrapolated from the observed tail quantiles to the tail probability
  that one new snapshot of the usual size can reach; value sets of low-cardinality
  columns, only where the Good-Turing estimate of unseen values is zero; the row count,
  from a prediction interval over the snapshots' row counts.

The output is deterministic: same frames, same JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dq_monitor.core.dtypes import dtype_kind
from dq_monitor.expectations.bounds import (
    entry,
    null_rate,
    numeric_range,
    row_count_bounds,
    value_set,
)
from dq_monitor.expectations.evidence import plain


def _kind(series: pd.Series) -> str:
    """The physical kind GX will see (floats stay floats, unlike the schema check's logical type)."""
    dtype = series.dtype
    kind = dtype_kind(dtype)
    if kind is not None:
        return kind
    if isinstance(dtype, pd.StringDtype):
        return "string"
    if dtype == object:
        values = series.dropna()
        if len(values) and all(isinstance(v, str) for v in values):
            return "string"
        return "object"
    return str(dtype)


def _gx_type_name(series: pd.Series) -> str | None:
    """The name `expect_column_values_to_be_in_type_list` accepts for this column on pandas, or None."""
    dtype = series.dtype
    kind = _kind(series)
    if kind == "category" or isinstance(dtype, pd.DatetimeTZDtype) or kind == "object":
        return None  # GX 1.x on pandas cannot express these dtypes in a type list
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        if isinstance(dtype, pd.StringDtype):
            # GX compares with pd.StringDtype(), which only equals the default ("python") storage.
            return "StringDtype" if dtype == pd.StringDtype() else None
        return f"{dtype.name}Dtype" if hasattr(pd, f"{dtype.name}Dtype") else None
    if kind == "string":
        return "str"  # object column of Python strings: GX checks each value's type
    return str(dtype)


def _snapshot_attribute(series_list: list[pd.Series], alpha: float) -> str | None:
    """Why a column constant within every snapshot gets no value set or range, or None.

    Such a column (a date, month, batch or partition id) carries one value per snapshot,
    so the evidence for its range is the number of snapshots, not the number of rows.
    """
    if len(series_list) < 2 or any(len(s) < 2 or s.nunique(dropna=False) != 1 for s in series_list):
        return None
    n = len(series_list)
    if all(s.isna().all() for s in series_list):
        return f"always null in all {n} snapshots: nothing to learn a value set or range from"
    values = {repr(plain(s.iloc[0])) for s in series_list}
    if len(values) > 1:
        return (f"constant within each snapshot but changing between snapshots ({len(values)} values in {n}): "
                "a snapshot attribute such as a date or batch id, no value set or range suggested")
    if 3 / n > alpha:  # rule of three: with n unchanged snapshots a change may still be 3/n likely
        return (f"the same value in all {n} snapshots, one value per snapshot: too few snapshots to rule out a "
                f"change (rule of three: up to {300 / n:.0f}% per snapshot), no value set or range suggested")
    return None


def _trend(series_list: list[pd.Series]) -> str | None:
    """Why a numeric column has no stable range (it moves with every snapshot), or None."""
    if len(series_list) < 3:
        return None
    quartiles = [s.dropna().astype(float).quantile([0.25, 0.5, 0.75]).to_numpy() for s in series_list]
    if any(np.isnan(q).any() for q in quartiles):
        return None
    medians = np.array([q[1] for q in quartiles])
    steps = np.diff(medians)
    monotonic = bool(np.all(steps > 0) or np.all(steps < 0))
    first, last = quartiles[0], quartiles[-1]
    apart = last[0] > first[2] or last[2] < first[0]
    if monotonic and apart:
        return ("values move with every snapshot (median "
                f"{medians[0]:.6g} -> {medians[-1]:.6g} over {len(series_list)} snapshots): no range suggested")
    return None


@dataclass(frozen=True)
class _History:
    """What every column's rules share: the snapshots' sizes and the tolerated false-alarm rate."""

    n_snapshots: int
    row_counts: tuple[int, ...]
    alpha: float
    max_categories: int
    primary_key: tuple[str, ...]

    @property
    def typical_rows(self) -> int:
        return max(self.row_counts)

    @property
    def min_rows(self) -> int:
        return max(1, min(self.row_counts))


def _not_null(name: str, series_list: list[pd.Series], pooled_rows: int, h: _History) -> dict[str, Any] | None:
    """Never null so far: critical not-null; otherwise a learned bound on the null rate (or None)."""
    null_counts = [int(s.isna().sum()) for s in series_list]
    if sum(null_counts) == 0:
        return entry("expect_column_values_to_not_be_null", {"column": name}, "critical",
                     f"never null in {sum(h.row_counts)} rows of {h.n_snapshots} snapshot(s)")
    rates = [nc / max(1, len(s)) for nc, s in zip(null_counts, series_list)]
    return null_rate(name, rates, sum(null_counts) / max(1, pooled_rows), h.min_rows, h.alpha)


def _column_suggestions(name: str, series_list: list[pd.Series], h: _History) -> tuple[list[dict], list[str]]:
    """Expectations for one column (in a fixed order) and notes on what was deliberately left out."""
    out: list[dict[str, Any]] = []
    notes: list[str] = []
    pooled = pd.concat(series_list, ignore_index=True)
    kinds = {_kind(s) for s in series_list}
    numeric = kinds <= {"int", "float"}
    out.append(entry("expect_column_to_exist", {"column": name}, "critical",
                     f"present in all {h.n_snapshots} snapshot(s)"))

    type_names = {_gx_type_name(s) for s in series_list}
    if None in type_names:
        notes.append(f"dtype {sorted(str(s.dtype) for s in series_list)[0]} cannot be checked by GX's type list")
    else:
        if numeric and "float" in kinds and all(
                np.all(np.mod(s.dropna().to_numpy(dtype=float), 1) == 0) for s in series_list):
            type_names.add("int64")  # integers read as floats because of nulls: a null-free day is int64
        out.append(entry("expect_column_values_to_be_in_type_list",
                         {"column": name, "type_list": sorted(type_names)}, "critical",
                         f"dtype(s) observed in {h.n_snapshots} snapshot(s): {', '.join(sorted(type_names))}"))

    nulls = _not_null(name, series_list, len(pooled), h)
    if nulls:
        out.append(nulls)

    always_unique = kinds <= {"int", "string"} and h.min_rows >= 10 and all(
        s.dropna().is_unique for s in series_list)
    if always_unique and [name] != list(h.primary_key):
        out.append(entry("expect_column_values_to_be_unique", {"column": name}, "critical",
                         f"unique within every one of {h.n_snapshots} snapshot(s)"))

    attribute = _snapshot_attribute(series_list, h.alpha)
    if attribute:
        notes.append(attribute)
        return out, notes
    if kinds <= {"int", "string", "category", "bool"}:
        e, why_not = value_set(name, pooled, h.max_categories, h.typical_rows, h.alpha, h.n_snapshots)
        if e:
            out.append(e)
        elif why_not:
            notes.append(why_not)

    if numeric and (always_unique or name in h.primary_key):
        notes.append("identifier (unique in every snapshot or primary key): no range suggested")
    elif numeric and (trend := _trend(series_list)):
        notes.append(trend)
    elif numeric:
        values = pooled.dropna().to_numpy(dtype=float)
        is_int = kinds == {"int"} or "int64" in type_names
        e = numeric_range(name, values, is_int, h.typical_rows, h.alpha, h.n_snapshots)
        if e:
            out.append(e)
    elif kinds == {"datetime"}:
        notes.append("datetime: no range suggested, timestamps move forward with every snapshot")
    return out, notes


def suggest_suite(
    frames: Sequence[pd.DataFrame],
    dataset: str,
    *,
    primary_key: Sequence[str] = (),
    max_categories: int = 20,
    false_alarm_rate: float = 0.01,
) -> dict[str, Any]:
    """A GX 1.x suite (as a JSON-ready dict) learned from clean snapshots, oldest first."""
    frames = [f for f in frames if f is not None]
    if not frames:
        raise ValueError(f"{dataset}: no snapshots to learn an expectation suite from")
    history = _History(len(frames), tuple(len(f) for f in frames), float(false_alarm_rate), max_categories,
                       tuple(str(c) for c in primary_key))
    common = set(frames[0].columns).intersection(*(set(f.columns) for f in frames[1:]))
    seen_any = set().union(*(set(f.columns) for f in frames))
    notes: dict[str, str] = {
        str(col): "present in only some snapshots: no expectations suggested" for col in seen_any - common
    }

    expectations: list[dict[str, Any]] = [row_count_bounds(list(history.row_counts), history.alpha)]
    for col in sorted(common, key=str):
        column_expectations, column_notes = _column_suggestions(str(col), [f[col] for f in frames], history)
        expectations.extend(column_expectations)
        if column_notes:
            notes[str(col)] = "; ".join(column_notes)

    pk = [str(c) for c in primary_key if c in common]
    if len(pk) == 1:
        expectations.append(entry("expect_column_values_to_be_unique", {"column": pk[0]}, "critical",
                                  "declared primary key"))
    elif len(pk) > 1:
        expectations.append(entry("expect_compound_columns_to_be_unique", {"column_list": pk}, "critical",
                                  "declared primary key"))

    return {
        "name": dataset,
        "expectations": expectations,
        "meta": {
            "dq_monitor": plain({
                "generated_by": "dq_monitor.expectations.suggest_suite",
                "dataset": dataset,
                "snapshots": history.n_snapshots,
                "rows": sum(history.row_counts),
                "false_alarm_rate": history.alpha,
                "max_categories": max_categories,
                "notes": dict(sorted(notes.items())),
                "review": "critical = structure seen in every snapshot; warning = learned bounds, review them",
            }),
        },
    }
