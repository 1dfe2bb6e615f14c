"""Per-column detectors: z-score, robust z (median/MAD) and Tukey's IQR fences.

Each scores a row by its most extreme column, so the score reads directly as
"how many units away from normal is the worst column". `feature_scores` returns
the per-column values, which is what explanations use. Columns that were constant
in the training data carry no information and contribute 0.
"""

from __future__ import annotations

import numpy as np

from dq_monitor.detectors.base import BaseDetector, robust_center_scale


class _ColumnwiseDetector(BaseDetector):
    def feature_scores(self, X) -> np.ndarray:
        """Per-column anomaly scores (rows x columns), same orientation as the row score."""
        X = self._impute(self._as_matrix(X, fitting=False))
        return self._feature_scores(X)

    def _score(self, X: np.ndarray) -> np.ndarray:
        return self._feature_scores(X).max(axis=1)

    def _scaled_distance(self, X: np.ndarray) -> np.ndarray:
        active = self.scale_ > 0
        safe = np.where(active, self.scale_, 1.0)
        return np.where(active, np.abs(X - self.center_) / safe, 0.0)


class ZScoreDetector(_ColumnwiseDetector):
    """|x - mean| / std, worst column. Fast; sensitive to outliers in the training data."""

    def __init__(self, contamination=None, threshold_quantile=0.99):
        self.contamination = contamination
        self.threshold_quantile = threshold_quantile

    def _fit(self, X):
        self.center_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0)

    def _feature_scores(self, X):
        return self._scaled_distance(X)


class RobustZDetector(_ColumnwiseDetector):
    """|x - median| / (1.4826 * MAD), worst column: the robust z-score ("MADs from the median")."""

    def __init__(self, contamination=None, threshold_quantile=0.99):
        self.contamination = contamination
        self.threshold_quantile = threshold_quantile

    def _fit(self, X):
        self.center_, self.scale_ = robust_center_scale(X)

    def _feature_scores(self, X):
        return self._scaled_distance(X)


class IQRDetector(_ColumnwiseDetector):
    """Distance outside the [Q1, Q3] box in IQR units, worst column (Tukey's fence is 1.5)."""

    def __init__(self, contamination=None, threshold_quantile=0.99):
        self.contamination = contamination
        self.threshold_quantile = threshold_quantile

    def _fit(self, X):
        self.q1_, self.q3_ = np.quantile(X, [0.25, 0.75], axis=0)
        iqr = self.q3_ - self.q1_
        _, fallback = robust_center_scale(X)
        self.scale_ = np.where(iqr > 0, iqr, 1.349 * fallback)

    def _feature_scores(self, X):
        active = self.scale_ > 0
        safe = np.where(active, self.scale_, 1.0)
        outside = np.maximum(np.maximum(self.q1_ - X, X - self.q3_), 0.0)
        return np.where(active, outside / safe, 0.0)
