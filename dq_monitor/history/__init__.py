"""Metric history: per-snapshot profiles and the adaptive, seasonal detector that watches them.

Pure logic; nothing here imports dagster.
"""

from dq_monitor.history.detect import detect
from dq_monitor.history.keys import metric_key, parse_metric_key
from dq_monitor.history.profile import profile
from dq_monitor.history.spec import MonitorSpec, coerce_spec
from dq_monitor.history.verdict import LatestVerdict, evaluate_latest, monitor_outcome

__all__ = [
    "LatestVerdict",
    "MonitorSpec",
    "coerce_spec",
    "detect",
    "evaluate_latest",
    "metric_key",
    "monitor_outcome",
    "parse_metric_key",
    "profile",
]
