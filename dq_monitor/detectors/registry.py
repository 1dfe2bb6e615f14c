"""Detectors by name: `build("iforest", random_state=0)`, `available()`."""

from __future__ import annotations

from typing import Callable

from dq_monitor.detectors.base import BaseDetector
from dq_monitor.detectors.catalog import BASE_DETECTORS, build_from
from dq_monitor.detectors.ensemble import EnsembleDetector

#: The detector `score_frame` uses when the spec names none: the standardised average of
#: IForest, ECOD and k-NN (see `ensemble.DEFAULT_MEMBERS`), chosen on the ADBench evaluation
#: over all dev sets (bench/eval_point_anomalies.py, bench/README_anomalies.md).
DEFAULT_DETECTOR = "ensemble"

_REGISTRY: dict[str, Callable[..., BaseDetector]] = {**BASE_DETECTORS, "ensemble": EnsembleDetector}


def available() -> list[str]:
    """Names `build` accepts (the autoencoder only when torch is installed)."""
    return sorted(_REGISTRY)


def build(name: str, **params) -> BaseDetector:
    """A new, unfitted detector; unknown names and parameters raise a clear ValueError."""
    return build_from(_REGISTRY, name, **params)
