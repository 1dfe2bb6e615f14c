"""Isolation Forest: scikit-learn's implementation, re-oriented and made fast on big frames."""

from __future__ import annotations

import numpy as np
from joblib import parallel_backend
from sklearn.ensemble import IsolationForest

from dq_monitor.detectors.base import BaseDetector

#: Trees only ever see `max_samples` rows each, so fitting on a random subset of this
#: many rows gives the same forest distribution while skipping scikit-learn's
#: per-tree sampling over millions of rows.
MAX_FIT_ROWS = 32_768


class IsolationForestDetector(BaseDetector):
    """Wraps `sklearn.ensemble.IsolationForest`; score = -`score_samples` (higher = more anomalous).

    Scoring runs the trees on `n_jobs` threads (scikit-learn releases the GIL there).
    """

    def __init__(
        self,
        n_estimators=100,
        max_samples="auto",
        max_features=1.0,
        random_state=None,
        n_jobs=-1,
        contamination=None,
        threshold_quantile=0.99,
    ):
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.max_features = max_features
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.contamination = contamination
        self.threshold_quantile = threshold_quantile

    def _fit(self, X):
        if X.shape[0] > MAX_FIT_ROWS:
            rng = np.random.default_rng(self._calibration_seed())
            X = X[np.sort(rng.choice(X.shape[0], MAX_FIT_ROWS, replace=False))]
        self.estimator_ = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            max_features=self.max_features,
            random_state=self.random_state,
        ).fit(X.astype(np.float32))

    def _score(self, X):
        X = np.ascontiguousarray(X, dtype=np.float32)
        if X.shape[0] < 5_000:
            return -self.estimator_.score_samples(X)
        with parallel_backend("threading", n_jobs=self.n_jobs):
            return -self.estimator_.score_samples(X)
