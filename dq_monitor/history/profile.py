"""`profile`: the cheap per-snapshot metrics recorded in the metric history.

Keys (see `dq_monitor.history.keys`): dataset-level metrics are bare names,
column-level metrics are `metric:column`.

=========================  =====================================================
key                        value
=========================  =====================================================
``row_count``              rows in the snapshot
``column_count``           columns in the snapshot
``bytes``                  size of the snapshot as stored (only when the caller
                           passes `byte_size`, e.g. the file sizes it read)
``freshness_lag_seconds``  snapshot_time - newest timestamp_column value
                           (only when both are given)
``null_rate:C``            share of rows where C is null (NaN when no rows)
``distinct_count:C``       distinct non-null values of C
``min:C`` ``max:C``        numeric C: extremes of the finite values;
                           datetime C: as Unix seconds
``mean:C``                 numeric C: mean of the finite values
``p05:C`` ``p50:C``        numeric C: 5th / 50th / 95th percentile
``p95:C``
``top_share:C``            non-numeric C (text, category, bool): share of the
                           non-null rows holding the most frequent value
=========================  =====================================================

Numeric statistics of a column with no finite value are NaN (the detector
shows such a point as `missing`). Nothing here imports dagster.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from dq_monitor.history.keys import metric_key

NUMERIC_METRICS = ("min", "max", "mean", "p05", "p50", "p95")


def _to_utc_timestamp(value: Any, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} {value!r} is not a timestamp ({exc})") from None
    return ts.tz_convert("UTC") if ts.tzinfo is not None else ts.tz_localize("UTC")


def _datetime_values(column: pd.Series) -> pd.Series:
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return column.dt.tz_convert("UTC")
    return column.dt.tz_localize("UTC")


def _distinct(column: pd.Series) -> int:
    if column.dtype == np.float64:
        values = column.to_numpy()
        return _float_distinct((values[~np.isnan(values)] + 0.0).view(np.int64))
    try:
        return int(column.nunique(dropna=True))
    except TypeError:  # unhashable cells (lists, dicts from JSON)
        return int(column.dropna().astype(str).nunique())


def _float_distinct(bits: np.ndarray) -> int:
    """Exactly `nunique` of a float column: its distinct bit patterns once NaN is dropped and -0.0 folded into 0.0,
    counted as integers (pandas' float hash table is twice as slow). A mostly distinct column (its first 100k
    values) is sorted instead: hashing millions of distinct keys misses the cache (5M: 0.5 s sorted, 1.6 s hashed)."""
    head = bits[:100_000]
    if bits.size > 200_000 and pd.unique(head).size > head.size // 2:
        ordered = np.sort(bits)
        return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1
    return int(pd.unique(bits).size)


def _distinct_and_top_share(column: pd.Series, non_null: int) -> tuple[float, float]:
    """Distinct count and the most frequent value's share, from one hash pass."""
    try:
        counts = column.value_counts(dropna=True, sort=False)
    except TypeError:  # unhashable cells (lists, dicts from JSON)
        counts = column.dropna().astype(str).value_counts(sort=False)
    top = float(counts.max() / non_null) if non_null and len(counts) else float("nan")
    return float(len(counts)), top


def profile(
    df: pd.DataFrame,
    timestamp_column: str | None = None,
    snapshot_time: datetime | pd.Timestamp | str | None = None,
    *,
    byte_size: int | None = None,
) -> dict[str, float]:
    """Profile one snapshot in a single pass over its columns (keys in the module doc)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"profile expects a pandas DataFrame, not {type(df).__name__}")
    rows = len(df)
    out: dict[str, float] = {"row_count": float(rows), "column_count": float(df.shape[1])}
    if byte_size is not None:
        out["bytes"] = float(byte_size)
    if timestamp_column is not None and timestamp_column not in df.columns:
        raise ValueError(
            f"timestamp_column {timestamp_column!r} is not a column of the snapshot "
            f"(columns: {', '.join(map(str, df.columns[:20]))})"
        )
    if df.columns.has_duplicates:
        dup = df.columns[df.columns.duplicated()][0]
        raise ValueError(f"snapshot has the column {dup!r} more than once; metric keys would collide")

    for name in df.columns:
        out.update(column_metrics(df[name], str(name), rows))
    if timestamp_column is not None and snapshot_time is not None:
        out["freshness_lag_seconds"] = freshness_lag(df[timestamp_column], timestamp_column, snapshot_time)
    return out


def column_metrics(column: pd.Series, label: str, rows: int) -> dict[str, float]:
    """The metrics of one column of a snapshot of `rows` rows (the per-column part of `profile`, in its order):
    a caller holding one column at a time gets exactly the values `profile` computes on the whole frame."""
    out: dict[str, float] = {}
    non_null = int(column.notna().sum())
    out[metric_key("null_rate", label)] = (rows - non_null) / rows if rows else float("nan")
    if pd.api.types.is_bool_dtype(column.dtype) or not (
        pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_datetime64_any_dtype(column.dtype)
    ):
        distinct, top = _distinct_and_top_share(column, non_null)
        out[metric_key("distinct_count", label)] = distinct
        out[metric_key("top_share", label)] = top
        return out
    out[metric_key("distinct_count", label)] = float(_distinct(column))
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        stamps = _datetime_values(column).dropna()
        out[metric_key("min", label)] = stamps.min().timestamp() if len(stamps) else float("nan")
        out[metric_key("max", label)] = stamps.max().timestamp() if len(stamps) else float("nan")
        return out
    values = column.to_numpy(dtype=float, na_value=np.nan)
    values = values[np.isfinite(values)]
    if len(values):
        p05, p50, p95 = np.percentile(values, [5, 50, 95])
        stats = (values.min(), values.max(), values.mean(), p05, p50, p95)
    else:
        stats = (float("nan"),) * len(NUMERIC_METRICS)
    for metric, value in zip(NUMERIC_METRICS, stats):
        out[metric_key(metric, label)] = float(value)
    return out


def freshness_lag(column: pd.Series, name: str, snapshot_time: Any) -> float:
    """`freshness_lag_seconds`: snapshot_time - the newest value of the timestamp column `column`."""
    snap = _to_utc_timestamp(snapshot_time, "snapshot_time")
    if not pd.api.types.is_datetime64_any_dtype(column.dtype):
        parsed = pd.to_datetime(column, errors="coerce", utc=True, format="mixed")
        if parsed.notna().sum() < column.notna().sum():
            raise ValueError(f"timestamp_column {name!r} holds values that are not timestamps")
        column = parsed
    stamps = _datetime_values(column) if column.dt.tz is None else column.dt.tz_convert("UTC")
    newest = stamps.max()
    if pd.isna(newest):
        return float("nan")
    return float((snap - newest).total_seconds())
