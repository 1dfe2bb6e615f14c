"""`compare(reference, current, spec)`: per-column drift and the dataset verdict."""

from __future__ import annotations

import dataclasses
import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from dq_monitor.drift.calibrated import (
    benjamini_hochberg,
    categorical_test,
    column_seed,
    numeric_test,
)
from dq_monitor.drift.columns import (
    SideProfile,
    dtype_group,
    infer_type,
    mixed_types,
    prepare,
)
from dq_monitor.drift.results import ColumnDrift, ColumnType, DriftResult, Status
from dq_monitor.drift.sources import ColumnSource, as_source
from dq_monitor.drift.spec import DriftSpec, parse_spec
from dq_monitor.drift.stattests import (
    STATTESTS,
    PreparedColumn,
    default_method,
    needs_series,
    run_stattest,
)

__all__ = ["ColumnDrift", "ColumnType", "DriftResult", "Status", "compare"]
_TYPE_LABEL = {"num": "numeric", "cat": "categorical", "text": "text"}
_MAX_LISTED = 10  # new categories named in the note
_MAX_KEPT = 50  # new categories kept in ColumnDrift.new_categories


def _candidate_columns(reference: ColumnSource, current: ColumnSource, spec: DriftSpec) -> tuple[list[str], bool]:
    if spec.columns is not None:
        return [c for c in spec.columns if c not in spec.ignore_columns], True
    ordered = list(current.columns) + [c for c in reference.columns if c not in current]
    return [c for c in ordered if c not in set(spec.ignore_columns)], False


def _problem(column: str, text: str, schema_level: bool = False) -> ColumnDrift:
    return ColumnDrift(column=column, status="problem", problem=text, schema_level=schema_level)


def _check_column(column: str, reference: ColumnSource, current: ColumnSource, explicit: bool):
    """Either a finished ColumnDrift (skipped / problem) or (Evidently type key, reference and
    current profiles). Reads this column of each side (only this one)."""
    in_ref, in_cur = column in reference, column in current
    if not in_ref and not in_cur:
        return _problem(column, "column is in neither the reference nor the current data", schema_level=True)
    if not in_cur:
        return _problem(column, "column is missing from the current data (present in the reference)", True)
    if not in_ref:
        return _problem(column, "column is missing from the reference data (new in the current data)", True)
    ref, cur = reference.column(column), current.column(column)
    if isinstance(ref, pd.DataFrame) or isinstance(cur, pd.DataFrame):
        return _problem(column, "column name is duplicated in the frame", True)
    ref_side, cur_side = SideProfile(ref, reference.owned), SideProfile(cur, current.owned)
    for side, profile in (("reference", ref_side), ("current", cur_side)):
        mixed = mixed_types(profile)
        if mixed:
            return _problem(column, f"{mixed} in the {side} data", True)
    typing = infer_type(cur_side)
    if typing.type_key is None:
        if cur.notna().sum() == 0:
            return _problem(column, "all values are missing in the current data")
        if explicit:
            return _problem(column, typing.reason)
        return ColumnDrift(column=column, status="skipped", problem=typing.reason)
    ref_group, cur_group = dtype_group(ref_side), dtype_group(cur_side)
    if "empty" not in (ref_group, cur_group) and ref_group != cur_group:
        return _problem(
            column,
            f"type mismatch: reference is {ref_group} ({ref.dtype}), current is {cur_group} ({cur.dtype})",
            schema_level=True,
        )
    if typing.type_key == "num" and not pd.api.types.is_numeric_dtype(ref):
        if ref.notna().sum() == 0:
            return _problem(column, "all values are missing in the reference data")
        return _problem(column, f"type mismatch: current is numeric, reference dtype is {ref.dtype}", True)
    return typing.type_key, ref_side, cur_side


def _compare_column(
    column: str, ref: SideProfile, cur: SideProfile, type_key: str, spec: DriftSpec
) -> ColumnDrift:
    method, threshold = spec.method_and_threshold(column, type_key)
    if method is not None and type_key not in STATTESTS[method].types:
        allowed = ", ".join(_TYPE_LABEL[t] for t in STATTESTS[method].types)
        return _problem(column, f"method {method!r} does not apply to a {_TYPE_LABEL[type_key]} column (it takes: {allowed})")
    calibrated = method is None and spec.mode == "dq_monitor"
    keep_series = (type_key == "text" and not calibrated) or (method is not None and needs_series(method))
    col = prepare(ref, cur, type_key, method, keep_series)
    if col.n_ref == 0 or col.n_cur == 0:
        side = "reference" if col.n_ref == 0 else "current"
        return _problem(column, f"all values are missing (or infinite) in the {side} data")
    label: ColumnType = _TYPE_LABEL[type_key]  # type: ignore[assignment]
    if type_key != "text" and col.n_values <= 2:
        label = "binary"
    common = dict(
        column=column, column_type=label, reference_rows=col.n_ref, current_rows=col.n_cur, evidently_type=type_key
    )
    if calibrated:  # text (mostly distinct strings) is compared as categories: its frequent values
        return _calibrated_column(col, column, spec, common)
    method = method or default_method(col)
    if threshold is None:
        threshold = STATTESTS[method].default_threshold
    try:
        score, drifted = run_stattest(method, col, threshold)
    except Exception as exc:  # a delegated Evidently method can fail on unusual data: report, don't crash
        return _problem(column, f"{STATTESTS[method].display_name} failed: {type(exc).__name__}: {exc}")
    if math.isnan(score):
        return ColumnDrift(**common, status="problem", method=method, threshold=threshold,
                           problem=f"{STATTESTS[method].display_name} is undefined for these values")
    new = _new_categories(col)
    return ColumnDrift(
        **common,
        status="compared",
        method=method,
        threshold=float(threshold),
        score=score,
        drifted=bool(drifted),
        note=_note(col, method, new),
        new_categories=new[1],
        p_value=score if STATTESTS[method].kind == "p_value" else None,
    )


def _calibrated_column(col: PreparedColumn, column: str, spec: DriftSpec, common: dict) -> ColumnDrift:
    """The calibrated test of one column; `drifted` is decided in `compare` after Benjamini-Hochberg."""
    if col.keys is not None:  # categorical, binary, or numeric with at most 5 distinct values
        result = categorical_test(col.ref_counts, col.cur_counts, column_seed(spec.seed, column))
        floor = spec.cat_effect_floor
    else:
        result = numeric_test(col.ref_sorted, col.cur_sorted)
        floor = spec.num_effect_floor
    new = _new_categories(col)
    notes = [n for n in (_note(col, result.method, new), result.note) if n]
    return ColumnDrift(
        **common,
        status="compared",
        method=result.method,
        threshold=float(floor),
        score=result.effect,
        note="; ".join(notes) or None,
        new_categories=new[1],
        p_value=result.p_value,
        effect_size=result.effect,
        effect_floor=float(floor),
        effect_name=result.effect_name,
    )


def _adjust(results: tuple[ColumnDrift, ...], alpha: float) -> tuple[ColumnDrift, ...]:
    """Benjamini-Hochberg over the calibrated columns, then each one's verdict."""
    idx = [i for i, c in enumerate(results) if c.status == "compared" and c.calibrated]
    if not idx:
        return results
    adjusted = benjamini_hochberg(np.array([results[i].p_value for i in idx]))
    out = list(results)
    for i, p_adj in zip(idx, adjusted):
        c = results[i]
        drifted = bool(p_adj <= alpha and c.effect_size >= c.effect_floor)
        out[i] = dataclasses.replace(c, p_value_adjusted=float(p_adj), drifted=drifted)
    return tuple(out)


def _new_categories(col: PreparedColumn) -> tuple[int, tuple[Any, ...]]:
    """How many values appear in current but never in reference, and the first few (sorted)."""
    if col.type_key != "cat" or col.keys is None:
        return 0, ()
    idx = np.flatnonzero((col.ref_counts == 0) & (col.cur_counts > 0))
    shown = sorted((col.keys[i] for i in idx), key=str)[:_MAX_KEPT]
    return int(idx.size), tuple(shown)


def _note(col: PreparedColumn, method: str, new: tuple[int, tuple[Any, ...]]) -> str | None:
    notes = []
    count, values = new
    if count:
        shown = ", ".join(repr(v) for v in values[:_MAX_LISTED]) + (" ..." if count > _MAX_LISTED else "")
        notes.append(f"{count} value(s) never seen in the reference: {shown}")
        if method == "chisquare":
            notes.append("chi-square p-value is 0 because their expected count is 0")
    if col.ref_nunique == 1:
        notes.append("the reference column is constant")
        if method == "wasserstein":
            notes.append("its std is 0, so the distance is divided by 0.001 as Evidently does")
    return "; ".join(notes) or None


def _compare_columns(reference: ColumnSource, current: ColumnSource, columns: list[str], explicit: bool,
                     spec: DriftSpec, workers: int | None) -> tuple[ColumnDrift, ...]:
    """Every column's verdict, `workers` columns at a time in threads."""

    def run(column: str) -> ColumnDrift:
        # Read, check and compare in one task: a column's data and hashed profiles are freed as soon as it is
        # done, so at most `workers` columns of each side are held at once.
        checked = _check_column(column, reference, current, explicit)
        if isinstance(checked, ColumnDrift):
            return checked
        type_key, ref_side, cur_side = checked
        return _compare_column(column, ref_side, cur_side, type_key, spec)

    workers = workers or min(4, os.cpu_count() or 1)
    if workers > 1 and len(columns) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return tuple(pool.map(run, columns))
    return tuple(run(c) for c in columns)


def compare(
    reference: "pd.DataFrame | ColumnSource",
    current: "pd.DataFrame | ColumnSource",
    spec: "DriftSpec | dict[str, Any] | None" = None,
    *,
    workers: int | None = None,
) -> DriftResult:
    """Compare `current` with `reference`: the calibrated test (`mode: dq_monitor`, the
    default) or exactly the way Evidently's DataDriftPreset does (`mode: evidently`).

    Every statistic is computed once per column on the full data (see
    `dq_monitor.drift` for the exactness argument). Bad input never raises: it is
    reported per column (`status="problem"`) or, for an empty side, in `problem`.
    `workers` columns are computed in parallel threads (default: CPU count, max 4). Either side may be a
    `ColumnSource` (e.g. a Parquet file read one column at a time): the result is the same as for its frame,
    and only `workers` columns of each side are in memory at once.
    """
    spec = parse_spec(spec)
    reference, current = as_source("reference", reference), as_source("current", current)
    columns, explicit = _candidate_columns(reference, current, spec)
    empty = [name for name, frame in (("reference", reference), ("current", current)) if len(frame) == 0]
    if empty:
        text = " and ".join(empty) + (" data is empty (0 rows)" if len(empty) == 1 else " data are empty (0 rows)")
        return DriftResult(
            dataset_drift=False, drift_share=0.0, share_threshold=spec.drift_share, number_of_columns=0,
            number_of_drifted_columns=0, columns=tuple(_problem(c, text) for c in columns),
            reference_rows=len(reference), current_rows=len(current), problem=text, mode=spec.mode,
            alpha=spec.alpha if spec.mode == "dq_monitor" else None,
        )

    results = _compare_columns(reference, current, columns, explicit, spec, workers)
    if spec.mode == "dq_monitor":
        results = _adjust(results, spec.alpha)
    compared = [c for c in results if c.status == "compared"]
    drifted = sum(1 for c in compared if c.drifted)
    share = drifted / len(compared) if compared else 0.0
    problem = None if compared else "no column could be compared"
    return DriftResult(
        dataset_drift=bool(compared) and share >= spec.drift_share,
        drift_share=share,
        share_threshold=spec.drift_share,
        number_of_columns=len(compared),
        number_of_drifted_columns=drifted,
        columns=results,
        reference_rows=len(reference),
        current_rows=len(current),
        problem=problem,
        mode=spec.mode,
        alpha=spec.alpha if spec.mode == "dq_monitor" else None,
    )
