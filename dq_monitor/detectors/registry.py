"""Detectors by name: `build("iforest", random_state=0)`, `available()`."""

from __future__ import annotations

import importlib.util
from typing import Callable

from dq_monitor.detectors.base import BaseDetector
from dq_monitor.detectors.ecod import ECODDetector
from dq_monitor.detectors.ensemble import EnsembleDetector
from dq_monitor.detectors.iforest import IsolationForestDetector
from dq_monitor.detectors.knn import KNNDetector
from dq_monitor.detectors.lof import LOFDetector
from dq_monitor.detectors.univariate import IQRDetector, RobustZDetector, ZScoreDetector

#: The detector `score_frame` uses when the spec names none: the standardised average of
#: IForest, ECOD and k-NN (see `ensemble.DEFAULT_MEMBERS`), chosen on the ADBench evaluation
#: over all dev sets (bench/eval_point_anomalies.py, bench/README_anomalies.md).
DEFAULT_DETECTOR = "ensemble"

_REGISTRY: dict[str, Callable[..., BaseDetector]] = {
    "zscore": ZScoreDetector,
    "robust_z": RobustZDetector,
    "iqr": IQRDetector,
    "iforest": IsolationForestDetector,
    "lof": LOFDetector,
    "ecod": ECODDetector,
    "knn": KNNDetector,
    "ensemble": EnsembleDetector,
}


def _autoencoder(**params) -> BaseDetector:
    # Imported on first use: torch takes seconds to import and most runs never need it.
    from dq_monitor.detectors.autoencoder import AutoencoderDetector

    return AutoencoderDetector(**params)


if importlib.util.find_spec("torch") is not None:  # the `deep` extra is installed
    _REGISTRY["autoencoder"] = _autoencoder


def available() -> list[str]:
    """Names `build` accepts (the autoencoder only when torch is installed)."""
    return sorted(_REGISTRY)


def build(name: str, **params) -> BaseDetector:
    """A new, unfitted detector; unknown names and parameters raise a clear ValueError."""
    try:
        cls = _REGISTRY[name]
    except KeyError:
        hint = " (install dq-monitor[deep] for it)" if name == "autoencoder" else ""
        raise ValueError(f"unknown detector {name!r}{hint}; available: {', '.join(available())}") from None
    allowed = set(cls().get_params())
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(
            f"detector {name!r} has no parameter(s) {', '.join(unknown)}; it accepts: {', '.join(sorted(allowed))}"
        )
    return cls(**params)
