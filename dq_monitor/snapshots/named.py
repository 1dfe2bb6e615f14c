"""What a snapshot says about the columns its dataset's config names (primary key, monitors, drift, ...).

A typo in a config never passes forever: a named column the snapshot lacks, a monitor whose metric
needs numbers on a text column, null or repeated primary keys are each a problem of the snapshot's
readability check, returned here as (message, severity).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dq_monitor.snapshots.spec import SnapshotDataset

Problem = tuple[str, str]  # (message, severity)


def config_column_problems(frame: pd.DataFrame, dataset: SnapshotDataset) -> list[Problem]:
    if not len(frame.columns):
        return []
    return [*_missing_named_columns(frame, dataset), *primary_key_problems(frame, dataset)]


def _missing_named_columns(frame: pd.DataFrame, dataset: SnapshotDataset) -> list[Problem]:
    named = getattr(dataset, "named_columns", None)  # a DatasetConfig has it; bare SnapshotDatasets need not
    if named is None:
        return []
    problems: list[Problem] = []
    present = set(map(str, frame.columns))
    contract = set(dataset.schema_.columns) if dataset.schema_ else set()  # the contract check reports those
    for field_name, column in named():
        if column not in present and column not in contract:
            problems.append((f"column {column!r} named by {field_name} is missing from the snapshot "
                             f"(columns: {', '.join(sorted(present))})", "ERROR"))
    for field_name, column, metric in getattr(dataset, "numeric_columns", list)():
        series = frame[column] if column in present else None
        if series is not None and not (pd.api.types.is_numeric_dtype(series) or
                                       pd.api.types.is_datetime64_any_dtype(series)):
            problems.append((f"column {column!r} named by {field_name} holds {series.dtype} values: metric "
                             f"{metric!r} needs numbers or timestamps, so its monitor would never get a value", "WARN"))
    return problems


def primary_key_problems(frame: pd.DataFrame, dataset: SnapshotDataset) -> list[Problem]:
    """A primary key identifies a row: null or repeated keys are a problem naming the rows (1-based)."""
    key = list(getattr(dataset, "primary_key", None) or [])
    if not key or not set(key) <= set(map(str, frame.columns)) or frame.empty:
        return []
    nulls = frame[key].isna().any(axis=1).to_numpy()
    repeated = frame[key].duplicated(keep="first").to_numpy() & ~nulls
    problems: list[Problem] = []
    for rows, what in ((nulls, "null in {n} row(s)"), (repeated, "repeated in {n} row(s) (an earlier row has it)")):
        if rows.any():
            first = [int(i) + 1 for i in np.flatnonzero(rows)[:5]]
            problems.append((f"primary_key ({', '.join(key)}) is {what.format(n=int(rows.sum()))}, "
                             f"e.g. row(s) {first}", "WARN"))
    return problems
