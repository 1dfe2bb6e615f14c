"""One duration syntax for the whole config: defined in `dq_monitor.core.durations` (store and alert ledger use it too)."""

from dq_monitor.core.durations import parse_duration

__all__ = ["parse_duration"]
