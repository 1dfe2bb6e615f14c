"""The shared base of every detector: input checks, NaN handling and thresholding.

One orientation everywhere: a higher `score_samples` / `decision_function` value
means *more anomalous*, and `predict` returns 1 for an anomaly and 0 otherwise
(PyOD's convention; scikit-learn's own outlier detectors are converted at the
boundary, in the wrappers).

Subclasses implement `_fit(X)` and `_score(X)` on a clean float matrix (no NaN or
inf: the base class imputes them with the training medians) and list every
constructor parameter explicitly, as scikit-learn requires. `__init__` only stores
parameters; everything learned ends in an underscore.
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from dq_monitor.core.robust import MEAN_AD_TO_SIGMA, SIGMA_TO_IQR, robust_scale

#: Threshold calibration and ensemble normalisation look at no more than this many
#: training rows, so fitting on a million rows does not score a million rows twice.
MAX_CALIBRATION_ROWS = 50_000

#: Scoring works on chunks of this many rows so memory stays bounded.
SCORE_CHUNK_ROWS = 262_144


class DetectorInputError(ValueError):
    """The data cannot be fitted or scored; the message says why."""


class BaseDetector(BaseEstimator):
    """Base class owning validation, missing-value handling and thresholding.

    Thresholding
        `contamination` (a share in (0, 0.5]) when the user knows the anomaly rate:
        the threshold is the (1 - contamination) quantile of the training scores.
        Otherwise (`contamination=None`) the threshold is the `threshold_quantile`
        quantile of the training score distribution, and `expected_rate_` records the
        share of fresh rows expected above it, so nothing forces a rate on new data.
        Calibration scores must be out-of-sample (`_calibration_scores`): a detector whose
        training rows score lower than fresh rows (a row is its own neighbour, or inside
        its own ECDF) overrides it, or fresh clean rows exceed the threshold too often.
    """

    #: Smallest number of training rows a detector accepts.
    _min_fit_rows = 2

    def _more_tags(self):  # pragma: no cover - old scikit-learn tag API
        return {"allow_nan": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------------ public API
    def fit(self, X, y=None):
        """Learn what normal looks like from `X` (labels are ignored)."""
        X, rows = self._prepare_fit(X)
        self._fit(X)
        calibration = X if rows is None else X[rows]
        self._set_threshold(self._calibration_scores(calibration))
        return self

    def score_samples(self, X) -> np.ndarray:
        """Anomaly score per row; higher means more anomalous."""
        check_is_fitted(self, "threshold_")
        X = self._impute(self._as_matrix(X, fitting=False))
        return self._score_chunked(X)

    def decision_function(self, X) -> np.ndarray:
        """Score minus threshold: positive means anomalous."""
        return self.score_samples(X) - self.threshold_

    def predict(self, X) -> np.ndarray:
        """1 for an anomaly, 0 otherwise."""
        return (self.score_samples(X) > self.threshold_).astype(np.int64)

    def fit_predict(self, X, y=None) -> np.ndarray:
        return self.fit(X).predict(X)

    def _prepare_fit(self, X) -> tuple[np.ndarray, np.ndarray | None]:
        """Validate, learn the fill values and impute; returns the matrix and the calibration rows."""
        self._check_threshold_params()
        X = self._as_matrix(X, fitting=True)
        n_rows = X.shape[0]
        if n_rows < self._min_fit_rows:
            raise DetectorInputError(
                f"{type(self).__name__} needs at least {self._min_fit_rows} training rows, got {n_rows}"
            )
        rows = self._calibration_rows(n_rows)
        sample = X if rows is None else X[rows]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column: filled with 0 below
            medians = np.nanmedian(np.where(np.isfinite(sample), sample, np.nan), axis=0)
        self.fill_values_ = np.where(np.isfinite(medians), medians, 0.0)
        return self._impute(X), rows

    # ------------------------------------------------------------ subclass hooks
    def _fit(self, X: np.ndarray) -> None:
        raise NotImplementedError

    def _score(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # --------------------------------------------------------------- internals
    def _calibration_rows(self, n_rows: int) -> np.ndarray | None:
        """The (seeded, sorted) training rows used for fill values and the threshold; None = all."""
        if n_rows <= MAX_CALIBRATION_ROWS:
            return None
        rng = np.random.default_rng(self._calibration_seed())
        return np.sort(rng.choice(n_rows, MAX_CALIBRATION_ROWS, replace=False))

    def _calibration_scores(self, X: np.ndarray) -> np.ndarray:
        return self._score_chunked(X)

    def _calibration_seed(self) -> int:
        seed = getattr(self, "random_state", None)
        return seed if isinstance(seed, (int, np.integer)) else 0

    def _check_threshold_params(self) -> None:
        c = self.contamination
        if c is not None and (not isinstance(c, Real) or not 0.0 < c <= 0.5):
            raise ValueError(f"contamination must be a share in (0, 0.5] or None, got {c!r}")
        q = self.threshold_quantile
        if not isinstance(q, Real) or not 0.5 <= q < 1.0:
            raise ValueError(f"threshold_quantile must be in [0.5, 1), got {q!r}")

    def _set_threshold(self, train_scores: np.ndarray) -> None:
        """Conformal threshold on held-out-like calibration scores (see `_calibration_scores`).

        The threshold is the ceil((n + 1) q)-th smallest of the n calibration scores (the
        largest when n is too small for q), and `expected_rate_` = (rows above it + 1) / (n + 1):
        for exchangeable scores exactly the expected share of *fresh* rows above the threshold.
        A fresh snapshot's count above it is then beta-binomial with `calibration_rows_`
        (the rate check's null distribution), not binomial around the in-sample share.
        """
        q = 1.0 - self.contamination if self.contamination is not None else self.threshold_quantile
        n = len(train_scores)
        ordered = np.sort(np.asarray(train_scores, dtype=np.float64))
        rank = min(n, int(np.ceil((n + 1) * q - 1e-9)))
        self.threshold_ = float(ordered[rank - 1])
        self.calibration_rows_ = int(n)
        self.expected_rate_ = float((np.sum(ordered > self.threshold_) + 1) / (n + 1))
        self.train_score_median_ = float(np.median(ordered))
        # The calibration scores at or above the threshold: what the rate check's tier rule counts against
        # (`dq_monitor.anomalies.significance.tier_verdict`; every tier is at or above the threshold).
        self.calibration_tail_ = ordered[int(np.searchsorted(ordered, self.threshold_, side="left")):].copy()
        self.train_score_quantiles_ = {
            str(p): float(np.quantile(ordered, p)) for p in (0.5, 0.9, 0.99, 0.999)
        }

    def _as_matrix(self, X, *, fitting: bool) -> np.ndarray:
        if hasattr(X, "to_numpy"):
            X = X.to_numpy(dtype=np.float64, na_value=np.nan)
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DetectorInputError(f"{type(self).__name__} needs numeric input: {exc}") from None
        if X.ndim == 1:
            X = X.reshape(-1, 1)
        if X.ndim != 2:
            raise DetectorInputError(f"{type(self).__name__} needs a 2-D matrix, got {X.ndim} dimensions")
        if fitting:
            if X.shape[1] == 0:
                raise DetectorInputError(f"{type(self).__name__} needs at least one feature column")
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise DetectorInputError(
                f"{type(self).__name__} was fitted on {self.n_features_in_} features but got {X.shape[1]}"
            )
        return X

    def _impute(self, X: np.ndarray) -> np.ndarray:
        """Replace NaN and +-inf by the training median of their column (a neutral value)."""
        bad = ~np.isfinite(X)
        if bad.any():
            X = np.where(bad, self.fill_values_[np.newaxis, :], X)
        return X

    def _score_chunked(self, X: np.ndarray) -> np.ndarray:
        if X.shape[0] <= SCORE_CHUNK_ROWS:
            return np.asarray(self._score(X), dtype=np.float64)
        out = np.empty(X.shape[0], dtype=np.float64)
        for start in range(0, X.shape[0], SCORE_CHUNK_ROWS):
            stop = start + SCORE_CHUNK_ROWS
            out[start:stop] = self._score(X[start:stop])
        return out


def robust_center_scale(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column median and a robust scale that is never zero for a varying column.

    The scale falls back from MAD (x1.4826) to IQR/1.349, to the mean absolute deviation
    (x1.2533), to the standard deviation, so a column where most values are identical
    (zero-inflated counts, say) still gets a sensible unit. A truly constant column gets
    scale 0; callers treat it as carrying no information.
    """
    center = np.median(X, axis=0)
    dev = np.abs(X - center)

    def fallbacks():  # extra passes over X: robust_scale only asks for them when the MAD is 0 somewhere
        q75, q25 = np.quantile(X, [0.75, 0.25], axis=0)
        yield (q75 - q25) / SIGMA_TO_IQR
        yield MEAN_AD_TO_SIGMA * dev.mean(axis=0)
        yield X.std(axis=0)

    scale = robust_scale(np.median(dev, axis=0), fallbacks())
    scale = np.where(np.isfinite(scale), scale, 0.0)
    return center, scale
