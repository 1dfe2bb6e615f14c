"""Point-anomaly detectors with one orientation: a higher score means more anomalous.

Every detector is a scikit-learn estimator (`get_params`/`clone` work, `fit` returns
self) whose `predict` returns 1 for an anomaly and 0 otherwise. Build them by name::

    from dq_monitor.detectors import build, available
    det = build("iforest", random_state=0).fit(X_train)
    det.score_samples(X_new); det.predict(X_new)
"""

from dq_monitor.detectors.base import BaseDetector, DetectorInputError
from dq_monitor.detectors.ecod import ECODDetector
from dq_monitor.detectors.ensemble import EnsembleDetector
from dq_monitor.detectors.iforest import IsolationForestDetector
from dq_monitor.detectors.knn import KNNDetector
from dq_monitor.detectors.lof import LOFDetector
from dq_monitor.detectors.registry import DEFAULT_DETECTOR, available, build
from dq_monitor.detectors.univariate import IQRDetector, RobustZDetector, ZScoreDetector

__all__ = [
    "DEFAULT_DETECTOR",
    "BaseDetector",
    "DetectorInputError",
    "ECODDetector",
    "EnsembleDetector",
    "IQRDetector",
    "IsolationForestDetector",
    "KNNDetector",
    "LOFDetector",
    "RobustZDetector",
    "ZScoreDetector",
    "available",
    "build",
]
