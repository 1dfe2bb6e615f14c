"""An ensemble that normalises its members' scores and combines them."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from dq_monitor.detectors.base import BaseDetector
from dq_monitor.detectors.catalog import BASE_DETECTORS, build_from

#: Isolation Forest (64 trees), ECOD (per-column tails) and k-NN distance to a 160-row
#: reference sample, each z-standardised on its training scores and averaged. ADBench
#: (Han et al. 2022) reports that averaging standardised IForest + ECOD + KNN scores beats
#: IForest alone, and that IForest + ECOD combined by max does not; on the 21 dev sets
#: (bench/README_anomalies.md) this default is above plain scikit-learn IsolationForest's
#: mean ROC-AUC. 64 trees and 160 reference rows are what keep the three members within
#: 1.5x of plain IsolationForest's scoring cost at 1M x 20 (bench/anomalies.py).
#: k-NN enters as log(1 + d / d0): the same ranking, but a tail like ECOD's, so one legitimately
#: far row of a heavy-tailed column does not reach the high tiers on its k-NN distance alone
#: (the linear distance put clean demo payments at the 'medium' tier; same ADBench mean).
DEFAULT_MEMBERS = (("iforest", {"n_estimators": 64}), "ecod", ("knn", {"max_samples": 160, "log_distance": True}))

#: How member scores are put on one scale before they are combined.
NORMALIZATIONS = ("zscore", "quantile")


class EnsembleDetector(BaseDetector):
    """Fit every member, put their scores on one scale, then combine.

    Normalisation is against each member's *training* score distribution:
    `normalize="zscore"` (default) is (score - mean) / std, the standardisation of the
    published score-averaging results; `"quantile"` is (score - median) / (q90 - median),
    so "1.0" means "as unusual as the 90th percentile of training rows" for every member.
    `combine` is "mean" (default: votes averaged; the best ADBench ROC-AUC, and a wildly
    wrong single column still dominates through ECOD's and k-NN's unbounded distances) or
    "max" (any member alone can flag a row).

    `members` is a list of detector names or `(name, params)` pairs resolved through
    the registry, or ready detector instances; None means `DEFAULT_MEMBERS`.
    """

    def __init__(
        self,
        members=None,
        combine="mean",
        normalize="zscore",
        random_state=None,
        contamination=None,
        threshold_quantile=0.99,
    ):
        self.members = members
        self.combine = combine
        self.normalize = normalize
        self.random_state = random_state
        self.contamination = contamination
        self.threshold_quantile = threshold_quantile

    def _resolve_members(self):
        spec = self.members if self.members is not None else DEFAULT_MEMBERS
        if not spec:
            raise ValueError("an ensemble needs at least one member detector")
        out = []
        for item in spec:
            if isinstance(item, BaseDetector):
                det = clone(item)
            elif isinstance(item, str):
                det = build_from(BASE_DETECTORS, item)
            else:
                name, params = item
                det = build_from(BASE_DETECTORS, name, **dict(params))
            if "random_state" in det.get_params() and det.get_params()["random_state"] is None:
                det.set_params(random_state=self.random_state)
            out.append(det)
        return out

    def _fit(self, X):
        if self.combine not in ("mean", "max"):
            raise ValueError(f"combine must be 'mean' or 'max', got {self.combine!r}")
        if self.normalize not in NORMALIZATIONS:
            raise ValueError(f"normalize must be one of {', '.join(NORMALIZATIONS)}, got {self.normalize!r}")
        # Members are fitted like `fit` would, except that their thresholds come from the
        # member scores computed here once (scoring the calibration rows is most of the cost).
        self.estimators_ = self._resolve_members()
        rows = self._calibration_rows(X.shape[0])
        calibration = X if rows is None else X[rows]
        for det in self.estimators_:
            det._fit(det._prepare_fit(X)[0])
        # `_calibration_scores`: a member may score its own training rows differently
        # (k-NN leaves each row out of its own neighbourhood).
        raw = np.column_stack([det._calibration_scores(calibration) for det in self.estimators_])
        for det, member_scores in zip(self.estimators_, raw.T):
            det._set_threshold(member_scores)
        std = raw.std(axis=0)
        if self.normalize == "zscore":
            self.offsets_, spread = raw.mean(axis=0), std
        else:
            med, q90 = np.quantile(raw, [0.5, 0.9], axis=0)
            self.offsets_, spread = med, q90 - med
        self.scales_ = np.where(spread > 0, spread, np.where(std > 0, std, 1.0))
        # fit() calibrates the threshold on these same rows next: reuse the member scores.
        self._cached_calibration = (calibration.shape, self._combine((raw - self.offsets_) / self.scales_))

    def _calibration_scores(self, X):
        cached = self.__dict__.pop("_cached_calibration", None)
        if cached is not None and cached[0] == X.shape:
            return cached[1]
        return super()._calibration_scores(X)

    def _combine(self, m):
        return m.mean(axis=1) if self.combine == "mean" else m.max(axis=1)

    def member_scores(self, X) -> np.ndarray:
        """Normalised member scores (rows x members)."""
        X = self._impute(self._as_matrix(X, fitting=False))
        return self._member_scores(X)

    def _member_scores(self, X):
        cols = [(det._score(X) - o) / s for det, o, s in zip(self.estimators_, self.offsets_, self.scales_)]
        return np.column_stack(cols)

    def _score(self, X):
        return self._combine(self._member_scores(X))
