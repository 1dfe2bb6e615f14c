"""dq_monitor: data-quality monitoring on Dagster.

Pure logic (config, checks, detectors, drift, history, alerts, store) lives in
plain modules that never import dagster; `dq_monitor.defs` is the wiring layer.
"""

__version__ = "0.1.0"
