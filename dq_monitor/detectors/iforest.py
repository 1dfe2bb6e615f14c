"""Isolation Forest: scikit-learn's implementation, re-oriented and made fast on big frames."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from joblib import parallel_backend
from sklearn.ensemble import IsolationForest
from sklearn.ensemble._iforest import _average_path_length

from dq_monitor.detectors.base import BaseDetector

#: Trees only ever see `max_samples` rows each, so fitting on a random subset of this
#: many rows gives the same forest distribution while skipping scikit-learn's
#: per-tree sampling over millions of rows.
MAX_FIT_ROWS = 32_768


class IsolationForestDetector(BaseDetector):
    """Wraps `sklearn.ensemble.IsolationForest`; score = -`score_samples` (higher = more anomalous).

    Scoring runs the trees on `n_jobs` threads (scikit-learn releases the GIL there) and adds their
    path lengths in tree order, so a row's score does not depend on thread timing.
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
        est = self.estimator_
        if not all(hasattr(est, a) for a in _TREE_ARRAYS):  # a scikit-learn without them: its own, in tree order
            with parallel_backend("threading", n_jobs=1):
                return -est.score_samples(X)
        return _forest_scores(est, X, 1 if X.shape[0] < 5_000 else _workers(self.n_jobs))


#: What `IsolationForest._compute_score_samples` reads (scikit-learn >= 1.4).
_TREE_ARRAYS = ("estimators_", "estimators_features_", "_decision_path_lengths", "_average_path_length_per_tree",
                "_max_features", "_max_samples")
_POOL: list[tuple[int, ThreadPoolExecutor]] = []


def _workers(n_jobs) -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if n_jobs is None:
        return 1
    return max(1, min(cpus, n_jobs if n_jobs > 0 else cpus + 1 + n_jobs))


def _forest_scores(est: IsolationForest, X: np.ndarray, workers: int) -> np.ndarray:
    """`-est.score_samples(X)`, the trees' path lengths added in tree order (the same bits on every run).

    scikit-learn adds them in the order its threads finish, so its scores vary in the last bits from run
    to run; here the trees run on `workers` threads (their traversal releases the GIL) and the main
    thread adds their path lengths in tree order.
    """
    subsample = est._max_features != X.shape[1]

    def path_lengths(t: int) -> np.ndarray:
        tree, features = est.estimators_[t], est.estimators_features_[t]
        leaves = tree.apply(X[:, features] if subsample else X, check_input=False)
        # Per node first, then gathered: the same sum, element by element, as scikit-learn's per row.
        return (est._decision_path_lengths[t] + est._average_path_length_per_tree[t] - 1.0)[leaves]

    depths = np.zeros(X.shape[0], order="f")
    trees = range(len(est.estimators_))
    if workers <= 1:
        for t in trees:
            depths += path_lengths(t)
    else:
        if not _POOL or _POOL[0][0] != os.getpid():  # a forked child has none of its parent's threads
            _POOL[:] = [(os.getpid(), ThreadPoolExecutor(max_workers=max(2, _workers(-1)),
                                                         thread_name_prefix="dq-iforest"))]
        wave = 2 * workers  # bounded: at most this many trees' path lengths wait to be added
        for first in range(0, len(trees), wave):
            for lengths in _POOL[0][1].map(path_lengths, trees[first:first + wave]):
                depths += lengths
    denominator = len(est.estimators_) * _average_path_length([est._max_samples])
    return 2 ** (-np.divide(depths, denominator, out=np.ones_like(depths), where=denominator != 0))
