"""Local Outlier Factor in novelty mode: scikit-learn's implementation, re-oriented."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.neighbors import LocalOutlierFactor

from dq_monitor.detectors.base import BaseDetector, robust_center_scale


class LOFDetector(BaseDetector):
    """Wraps `LocalOutlierFactor(novelty=True)`; score = -`score_samples` (about 1 = normal).

    Features are scaled first, or distances would be dominated by the column with the
    largest unit: `scaling="minmax"` (default; the training range becomes [0, 1], as in
    ADBench, and it reproduces the published LOF numbers best) or `"robust"`
    (median/MAD, less swayed by extreme training rows) or None. With fewer training rows than `n_neighbors + 1`, the
    neighbourhood shrinks to what the data allows (recorded in `n_neighbors_`).
    Neighbour search grows with the training size, so at most `max_samples` rows (a
    seeded random subset) form the reference.
    """

    _min_fit_rows = 3

    def __init__(
        self,
        n_neighbors=20,
        scaling="minmax",
        max_samples=20_000,
        random_state=None,
        n_jobs=None,
        contamination=None,
        threshold_quantile=0.99,
    ):
        self.n_neighbors = n_neighbors
        self.scaling = scaling
        self.max_samples = max_samples
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.contamination = contamination
        self.threshold_quantile = threshold_quantile

    def _fit(self, X):
        if self.scaling == "minmax":
            self.center_, scale = X.min(axis=0), np.ptp(X, axis=0)
        elif self.scaling == "robust":
            self.center_, scale = robust_center_scale(X)
        elif self.scaling is None:
            self.center_, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
        else:
            raise ValueError(f"scaling must be 'minmax', 'robust' or None, got {self.scaling!r}")
        self.scale_ = np.where(scale > 0, scale, 1.0)
        Z = (X - self.center_) / self.scale_
        if self.max_samples is not None and Z.shape[0] > self.max_samples:
            rng = np.random.default_rng(self._calibration_seed())
            Z = Z[np.sort(rng.choice(Z.shape[0], self.max_samples, replace=False))]
        self.n_neighbors_ = int(min(self.n_neighbors, Z.shape[0] - 1))
        with warnings.catch_warnings():
            # Duplicated rows make LOF warn about zero distances; scores stay finite.
            warnings.simplefilter("ignore", UserWarning)
            self.estimator_ = LocalOutlierFactor(
                n_neighbors=self.n_neighbors_, novelty=True, n_jobs=self.n_jobs
            ).fit(Z)

    def _calibration_scores(self, X):
        """Training rows scored leave-one-out (a zero-distance nearest neighbour is the row itself).

        `score_samples` on a reference row counts the row as its own neighbour at distance 0,
        which makes training rows look denser than fresh ones and the threshold too low.
        """
        Z = (X - self.center_) / self.scale_
        dist, idx = self.estimator_.kneighbors(Z, n_neighbors=min(self.n_neighbors_ + 1, self.estimator_.n_samples_fit_))
        self_hit = dist[:, 0] == 0
        keep = np.where(self_hit[:, None], np.arange(1, dist.shape[1])[None, :],
                        np.arange(dist.shape[1] - 1)[None, :])
        dist, idx = np.take_along_axis(dist, keep, 1), np.take_along_axis(idx, keep, 1)
        est = self.estimator_
        reach = np.maximum(dist, est._distances_fit_X_[idx, est.n_neighbors_ - 1])
        lrd = 1.0 / (reach.mean(axis=1) + 1e-10)
        with np.errstate(all="ignore"):
            scores = (est._lrd[idx] / lrd[:, None]).mean(axis=1)
        return np.nan_to_num(scores, nan=1.0, posinf=np.finfo(np.float64).max / 1e6)

    def _score(self, X):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            scores = -self.estimator_.score_samples((X - self.center_) / self.scale_)
        # Exact duplicates of training points can give inf/nan local densities.
        return np.nan_to_num(scores, nan=1.0, posinf=np.finfo(np.float64).max / 1e6)
