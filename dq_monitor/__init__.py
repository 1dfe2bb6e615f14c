"""dq_monitor: data-quality monitoring on Dagster.

Pure logic (config, checks, detectors, drift, history, alerts, store) lives in
plain modules that never import dagster; `dq_monitor.defs` is the wiring layer.
`build_dq_checks`, `build_dq_alerts`, `dq_resources` and `DqChecksComponent` (checks and alerts on
your own assets) are imported on first use, so `import dq_monitor` stays light.
"""

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "build_dq_alerts": "dq_monitor.defs.alerts",
    "build_dq_checks": "dq_monitor.defs.asset_checks",
    "dq_resources": "dq_monitor.defs.asset_checks",
    "DqChecksComponent": "dq_monitor.defs.component",
}

__all__ = ["DqChecksComponent", "__version__", "build_dq_alerts", "build_dq_checks", "dq_resources"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'dq_monitor' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(_LAZY[name]), name)
