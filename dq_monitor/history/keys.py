"""Metric-history keys and the metric names a monitor may watch.

A dataset-level metric is stored under its bare name (`row_count`,
`freshness_lag_seconds`); a column-level metric under `metric:column`
(`null_rate:email`, `p95:amount`). Metric names never contain `:`, so the
first `:` splits a key unambiguously even when the column name contains one.
"""

from __future__ import annotations

#: Metric names recorded in the metric history, with what records them.
#: Dataset-level (bare key) metrics:
DATASET_METRICS = {
    "row_count": "profile: rows in the snapshot",
    "column_count": "profile: columns in the snapshot",
    "bytes": "snapshot asset: size of the snapshot as stored",
    "freshness_lag_seconds": "profile / freshness check: snapshot time minus newest timestamp",
    "drift_share": "drift report: share of drifted columns",
    "anomaly_rate": "anomalies asset: share of anomalous rows",
    "anomaly_score_p50": "anomalies asset: median row anomaly score",
    "anomaly_score_p90": "anomalies asset: 90th percentile row anomaly score",
    "anomaly_score_p99": "anomalies asset: 99th percentile row anomaly score",
    "anomaly_score_max": "anomalies asset: largest row anomaly score",
    "gx_success_percent": "expectations: share of expectations that passed",
    "value": "a series passed straight to `detect` (not recorded by the pipeline)",
}
#: Column-level (`metric:column`) metrics:
COLUMN_METRICS = {
    "null_rate": "profile: share of null rows",
    "distinct_count": "profile: distinct non-null values",
    "min": "profile: smallest finite value (datetimes as Unix seconds)",
    "max": "profile: largest finite value (datetimes as Unix seconds)",
    "mean": "profile: mean of the finite values",
    "p05": "profile: 5th percentile",
    "p50": "profile: median",
    "p95": "profile: 95th percentile",
    "top_share": "profile: share of the most frequent value (non-numeric columns)",
    "drift_score": "drift report: the column's drift score",
    "gx_success": "expectations: 1 when the expectation (`column` = its id) passed, else 0",
    "gx_unexpected_percent": "expectations: unexpected percent of the expectation (`column` = its id)",
}
KNOWN_METRICS = frozenset(DATASET_METRICS) | frozenset(COLUMN_METRICS)
#: Column metrics only numbers (and timestamps, as Unix seconds) have: on a text column they are never recorded.
NUMERIC_COLUMN_METRICS = frozenset({"min", "max", "mean", "p05", "p50", "p95"})


def metric_key(metric: str, column: str | None = None) -> str:
    if ":" in metric:
        raise ValueError(f"metric name {metric!r} must not contain ':'")
    return metric if column is None else f"{metric}:{column}"


def parse_metric_key(key: str) -> tuple[str, str | None]:
    """`null_rate:email` -> ("null_rate", "email"); `row_count` -> ("row_count", None)."""
    metric, sep, column = key.partition(":")
    return (metric, column) if sep else (metric, None)
