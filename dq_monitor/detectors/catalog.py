"""The single-model detectors by name (everything but the ensemble, which is built from these).

`dq_monitor.detectors.registry` adds the ensemble; keeping this table apart lets the ensemble build
its members without importing the registry that imports it.
"""

from __future__ import annotations

import importlib.util
from typing import Callable

from dq_monitor.detectors.base import BaseDetector
from dq_monitor.detectors.ecod import ECODDetector
from dq_monitor.detectors.iforest import IsolationForestDetector
from dq_monitor.detectors.knn import KNNDetector
from dq_monitor.detectors.lof import LOFDetector
from dq_monitor.detectors.univariate import IQRDetector, RobustZDetector, ZScoreDetector

BASE_DETECTORS: dict[str, Callable[..., BaseDetector]] = {
    "zscore": ZScoreDetector,
    "robust_z": RobustZDetector,
    "iqr": IQRDetector,
    "iforest": IsolationForestDetector,
    "lof": LOFDetector,
    "ecod": ECODDetector,
    "knn": KNNDetector,
}


def _autoencoder(**params) -> BaseDetector:
    # Imported on first use: torch takes seconds to import and most runs never need it.
    from dq_monitor.detectors.autoencoder import AutoencoderDetector

    return AutoencoderDetector(**params)


if importlib.util.find_spec("torch") is not None:  # the `deep` extra is installed
    BASE_DETECTORS["autoencoder"] = _autoencoder


def build_from(table: dict[str, Callable[..., BaseDetector]], name: str, **params) -> BaseDetector:
    """A new, unfitted detector from `table`; unknown names and parameters raise a clear ValueError."""
    try:
        cls = table[name]
    except KeyError:
        hint = " (install dq-monitor[deep] for it)" if name == "autoencoder" else ""
        raise ValueError(f"unknown detector {name!r}{hint}; available: {', '.join(sorted(table))}") from None
    allowed = set(cls().get_params())
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(
            f"detector {name!r} has no parameter(s) {', '.join(unknown)}; it accepts: {', '.join(sorted(allowed))}"
        )
    return cls(**params)
