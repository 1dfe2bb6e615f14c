"""Metric-history keys.

A dataset-level metric is stored under its bare name (`row_count`,
`freshness_lag_seconds`); a column-level metric under `metric:column`
(`null_rate:email`, `p95:amount`). Metric names never contain `:`, so the
first `:` splits a key unambiguously even when the column name contains one.
"""

from __future__ import annotations

#: Dataset-level metrics recorded per snapshot: the snapshot profile (`row_count`, `column_count`,
#: `bytes`), the freshness check, the drift report, the anomaly scoring and the GX suite.
DATASET_METRICS = (
    "row_count", "column_count", "bytes", "freshness_lag_seconds", "drift_share", "anomaly_rate",
    "anomaly_score_p50", "anomaly_score_p90", "anomaly_score_p99", "anomaly_score_max", "gx_success_percent",
)
#: Column-level metrics (`metric:column` keys): the snapshot profile and per-column drift scores.
COLUMN_METRICS = ("null_rate", "distinct_count", "min", "max", "mean", "p05", "p50", "p95", "top_share", "drift_score")


def metric_key(metric: str, column: str | None = None) -> str:
    if ":" in metric:
        raise ValueError(f"metric name {metric!r} must not contain ':'")
    return metric if column is None else f"{metric}:{column}"


def parse_metric_key(key: str) -> tuple[str, str | None]:
    """`null_rate:email` -> ("null_rate", "email"); `row_count` -> ("row_count", None)."""
    metric, sep, column = key.partition(":")
    return (metric, column) if sep else (metric, None)
