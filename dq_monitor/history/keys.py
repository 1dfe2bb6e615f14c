"""Metric-history keys.

A dataset-level metric is stored under its bare name (`row_count`,
`freshness_lag_seconds`); a column-level metric under `metric:column`
(`null_rate:email`, `p95:amount`). Metric names never contain `:`, so the
first `:` splits a key unambiguously even when the column name contains one.
"""

from __future__ import annotations


def metric_key(metric: str, column: str | None = None) -> str:
    if ":" in metric:
        raise ValueError(f"metric name {metric!r} must not contain ':'")
    return metric if column is None else f"{metric}:{column}"


def parse_metric_key(key: str) -> tuple[str, str | None]:
    """`null_rate:email` -> ("null_rate", "email"); `row_count` -> ("row_count", None)."""
    metric, sep, column = key.partition(":")
    return (metric, column) if sep else (metric, None)
