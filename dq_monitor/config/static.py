"""Checks across sections that need no data: metric names, and columns a closed schema rules out."""

from __future__ import annotations

from typing import Iterator

from dq_monitor.config.project import DatasetConfig
from dq_monitor.history.keys import COLUMN_METRICS, DATASET_METRICS

Problem = tuple[str, str]  # (field, message)


def _metric_problems(ds: DatasetConfig) -> Iterator[Problem]:
    for i, monitor in enumerate(ds.monitors):
        field = f"monitors[{i}].metric"
        if monitor.metric in COLUMN_METRICS and monitor.column is None:
            yield field, f"{monitor.metric!r} is a column metric: give 'column'"
        elif monitor.metric in DATASET_METRICS and monitor.column is not None:
            yield f"monitors[{i}].column", f"{monitor.metric!r} is a dataset metric: it takes no 'column'"
        elif monitor.metric not in COLUMN_METRICS and monitor.metric not in DATASET_METRICS:
            yield field, (f"unknown metric {monitor.metric!r}; dataset metrics: {', '.join(DATASET_METRICS)}; "
                          f"column metrics: {', '.join(COLUMN_METRICS)}")


def _named_columns(ds: DatasetConfig) -> Iterator[tuple[str, str]]:
    """(field, column) for every column the dataset's config names outside the schema."""
    for i, column in enumerate(ds.primary_key):
        yield f"primary_key[{i}]", column
    if ds.timestamp_column is not None:
        yield "timestamp_column", ds.timestamp_column
    for i, monitor in enumerate(ds.monitors):
        if monitor.column is not None:
            yield f"monitors[{i}].column", monitor.column
    if ds.anomalies is not None:
        for i, column in enumerate(ds.anomalies.columns or []):
            yield f"anomalies.columns[{i}]", column
        for i, column in enumerate(ds.anomalies.ignore_columns):
            yield f"anomalies.ignore_columns[{i}]", column
        if ds.anomalies.group_by is not None:
            yield "anomalies.group_by", ds.anomalies.group_by
    if ds.drift is not None:
        for i, column in enumerate(ds.drift.columns or []):
            yield f"drift.columns[{i}]", column
        for i, column in enumerate(ds.drift.ignore_columns):
            yield f"drift.ignore_columns[{i}]", column
        for column in ds.drift.per_column:
            yield f"drift.per_column.{column}", column


def dataset_problems(ds: DatasetConfig) -> list[Problem]:
    """Every static problem of one dataset, as (field, message)."""
    problems = list(_metric_problems(ds))
    closed = ds.schema_.closed_columns if ds.schema_ is not None else None
    if closed is not None:
        for field, column in _named_columns(ds):
            if column not in closed:
                problems.append((field, f"column {column!r} is not in the schema contract "
                                        f"(declared: {', '.join(sorted(closed))})"))
    return problems
