"""Metric history: per-snapshot profiles and the adaptive, seasonal detector that watches them.

Pure logic; nothing here imports dagster.
"""

from dq_monitor.history.detector import detect
from dq_monitor.history.keys import metric_key, parse_metric_key
from dq_monitor.history.spec import MonitorSpec, coerce_spec

__all__ = ["MonitorSpec", "coerce_spec", "detect", "metric_key", "parse_metric_key"]
