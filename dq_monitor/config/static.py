"""Checks across sections that need no data: columns a closed schema rules out.

(Metric names are checked by `MonitorSpec` itself, against `dq_monitor.history.keys`.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:  # project.py calls into this module, so only the type checker imports it back
    from dq_monitor.config.project import DatasetConfig

Problem = tuple[str, str]  # (field, message)


def named_columns(ds: DatasetConfig) -> Iterator[tuple[str, str]]:
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


def numeric_columns(ds: DatasetConfig) -> Iterator[tuple[str, str, str]]:
    """(field, column, metric) for every monitor whose metric needs a numeric or timestamp column."""
    from dq_monitor.history.keys import NUMERIC_COLUMN_METRICS

    for i, monitor in enumerate(ds.monitors):
        if monitor.column is not None and monitor.metric in NUMERIC_COLUMN_METRICS:
            yield f"monitors[{i}].column", monitor.column, monitor.metric


def dataset_problems(ds: DatasetConfig) -> list[Problem]:
    """Every static problem of one dataset, as (field, message)."""
    problems: list[Problem] = []
    closed = ds.schema_.closed_columns if ds.schema_ is not None else None
    if closed is not None:
        for field, column in named_columns(ds):
            if column not in closed:
                problems.append((field, f"column {column!r} is not in the schema contract "
                                        f"(declared: {', '.join(sorted(closed))})"))
    return problems
