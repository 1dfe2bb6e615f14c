"""The same contract battery for every registered detector, plus quality floors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from pyod.models.ecod import ECOD as PyODECOD
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import (
    check_dont_overwrite_parameters,
    check_estimators_pickle,
    check_fit_idempotent,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

import dq_monitor.detectors.base as detector_base
from dq_monitor.detectors import DEFAULT_DETECTOR, DetectorInputError, available, build

# Small, fast settings for the slow ones; every other parameter stays at its default.
FAST = {"autoencoder": {"epochs": 8, "hidden_sizes": (8, 3)}}


def make(name: str, seed: int | None = 0, **params):
    params = {**FAST.get(name, {}), **params}
    if seed is not None and "random_state" in build(name).get_params():
        params["random_state"] = seed
    return build(name, **params)


def planted(seed: int = 0, n: int = 600, n_out: int = 20, d: int = 4):
    """Correlated Gaussian inliers and outliers 7 units away in random directions."""
    rng = np.random.default_rng(seed)
    cov = 0.5 * np.ones((d, d)) + 0.5 * np.eye(d)
    inliers = rng.multivariate_normal(np.zeros(d), cov, size=n)
    directions = rng.normal(size=(n_out, d))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    outliers = 7.0 * directions
    X = np.vstack([inliers, outliers])
    y = np.r_[np.zeros(n), np.ones(n_out)]
    return X, y


@pytest.fixture(scope="module")
def data():
    return planted()


_FITTED: dict[str, object] = {}


@pytest.fixture
def fitted(name, data):
    """One detector per name fitted on all planted data, shared by the read-only tests."""
    if name not in _FITTED:
        _FITTED[name] = make(name).fit(data[0])
    return _FITTED[name]


@pytest.mark.parametrize("name", available())
class TestEveryDetector:
    def test_fit_returns_the_detector_itself(self, name, data):
        det = make(name)
        assert det.fit(data[0]) is det

    def test_clone_round_trips_the_parameters_and_drops_fitted_state(self, name, fitted):
        det = fitted
        copy = clone(det)
        assert copy.get_params() == det.get_params()
        assert not hasattr(copy, "threshold_")

    def test_planted_outliers_score_higher_and_predict_returns_one_for_them(self, name, data):
        X, y = data
        det = make(name).fit(X[y == 0])
        scores = det.score_samples(X)
        assert scores[y == 1].mean() > scores[y == 0].mean()
        pred = det.predict(X)
        assert set(np.unique(pred)) <= {0, 1}
        assert pred[y == 1].mean() > 0.7
        assert pred[y == 0].mean() < 0.05
        np.testing.assert_allclose(det.decision_function(X), scores - det.threshold_)

    def test_roc_auc_on_planted_anomalies_is_above_the_floor(self, name, data, fitted):
        X, y = data
        scores = fitted.score_samples(X)  # contaminated training data, as in production
        assert roc_auc_score(y, scores) >= 0.9

    def test_the_same_seed_gives_the_same_scores(self, name, data, fitted):
        X, _ = data
        a = fitted.score_samples(X)
        b = make(name).fit(X).score_samples(X)
        np.testing.assert_array_equal(a, b)

    def test_nan_and_inf_are_scored_without_errors_or_nonsense(self, name, data):
        X = data[0].copy()
        X[::17, 1] = np.nan
        det = make(name).fit(X)
        probe = X[:5].copy()
        probe[0, 0] = np.nan
        probe[1, :] = np.nan
        probe[2, 2] = np.inf
        scores = det.score_samples(probe)
        assert np.isfinite(scores).all()
        assert det.predict(probe).shape == (5,)

    def test_scores_do_not_depend_on_the_batch(self, name, data, fitted, monkeypatch):
        X, _ = data
        whole = fitted.score_samples(X[:60])
        one_by_one = np.array([fitted.score_samples(X[i : i + 1])[0] for i in range(0, 60, 6)])
        np.testing.assert_allclose(one_by_one, whole[::6], rtol=1e-5, atol=1e-6)
        monkeypatch.setattr(detector_base, "SCORE_CHUNK_ROWS", 7)
        np.testing.assert_allclose(fitted.score_samples(X[:60]), whole, rtol=1e-5, atol=1e-6)

    def test_a_wrong_number_of_features_is_a_clear_error(self, name, data, fitted):
        det = fitted
        with pytest.raises(DetectorInputError, match="fitted on 4 features but got 3"):
            det.score_samples(data[0][:, :3])

    def test_too_few_training_rows_is_a_clear_error(self, name):
        with pytest.raises(DetectorInputError, match="needs at least"):
            make(name).fit(np.empty((0, 3)))

    @pytest.mark.parametrize(
        "check",
        [
            check_no_attributes_set_in_init,
            check_parameters_default_constructible,
            check_get_params_invariance,
            check_set_params,
            check_dont_overwrite_parameters,
            check_fit_idempotent,
            check_estimators_pickle,
        ],
        ids=lambda c: c.__name__,
    )
    def test_passes_the_scikit_learn_estimator_check(self, name, check):
        det = make(name)
        check(type(det).__name__, det)


def test_contamination_fixes_the_share_flagged_on_the_training_data(data):
    X, _ = data
    det = build("iforest", contamination=0.1, random_state=0).fit(X)
    assert det.predict(X).mean() == pytest.approx(0.1, abs=0.01)
    assert det.expected_rate_ == pytest.approx(0.1, abs=0.01)


def test_without_contamination_the_threshold_is_the_conformal_quantile_of_training_scores(data):
    X, _ = data
    det = build("robust_z", threshold_quantile=0.95).fit(X)
    n = len(X)
    rank = int(np.ceil((n + 1) * 0.95))  # the conformal order statistic
    assert det.threshold_ == np.sort(det.score_samples(X))[rank - 1]
    assert det.calibration_rows_ == n
    assert det.expected_rate_ == pytest.approx((n + 1 - rank) / (n + 1))


def test_invalid_contamination_is_rejected_with_the_value(data):
    with pytest.raises(ValueError, match="contamination must be a share"):
        build("zscore", contamination=0.9).fit(data[0])


def test_the_iforest_wrapper_reproduces_scikit_learn_with_the_sign_flipped(data):
    X, _ = data
    ours = build("iforest", random_state=3).fit(X).score_samples(X)
    theirs = IsolationForest(random_state=3).fit(X).score_samples(X)
    np.testing.assert_allclose(ours, -theirs, rtol=1e-6)


def test_ecod_ranks_rows_like_pyod_ecod(data):
    X, _ = data
    train, test = X[::2], X[1::2]
    ours = build("ecod").fit(train).score_samples(test)
    theirs = PyODECOD().fit(train).decision_function(test)
    assert spearmanr(ours, theirs).statistic > 0.97


def test_ecod_ranks_a_wildly_wrong_value_above_a_merely_unusual_one(data):
    X, _ = data
    det = build("ecod").fit(X)
    probe = np.zeros((2, 4))
    probe[0, 0], probe[1, 0] = 8.0, 800.0
    low, high = det.score_samples(probe)
    assert high > low * 5


def test_lof_shrinks_its_neighbourhood_when_there_are_fewer_rows_than_neighbours():
    X = np.random.default_rng(0).normal(size=(6, 2))
    det = build("lof", n_neighbors=20).fit(X)
    assert det.n_neighbors_ == 5
    assert np.isfinite(det.score_samples(X)).all()


def test_univariate_detectors_ignore_columns_that_were_constant():
    X = np.c_[np.random.default_rng(0).normal(size=200), np.full(200, 3.0)]
    for name in ("zscore", "robust_z", "iqr"):
        det = build(name).fit(X)
        assert np.isfinite(det.feature_scores([[0.0, 1e9]])).all()
        assert det.feature_scores([[0.0, 1e9]])[0, 1] == 0.0


def test_the_ensemble_can_take_the_max_of_named_members_with_parameters(data):
    X, y = data
    det = build("ensemble", members=["robust_z", ("iforest", {"n_estimators": 50})], combine="max", random_state=0)
    scores = det.fit(X).score_samples(X)
    assert [type(m).__name__ for m in det.estimators_] == ["RobustZDetector", "IsolationForestDetector"]
    assert det.estimators_[1].n_estimators == 50
    assert roc_auc_score(y, scores) > 0.9
    np.testing.assert_allclose(scores, det.member_scores(X).max(axis=1))


def _refit(member, X):
    member = clone(member)
    member._fit(member._prepare_fit(X)[0])
    return member


def test_the_default_ensemble_averages_z_standardised_iforest_ecod_and_knn(data):
    X, y = data
    det = build(DEFAULT_DETECTOR, random_state=0).fit(X)
    assert [type(m).__name__ for m in det.estimators_] == ["IsolationForestDetector", "ECODDetector", "KNNDetector"]
    assert det.combine == "mean" and det.normalize == "zscore"
    np.testing.assert_allclose(det.score_samples(X), det.member_scores(X).mean(axis=1))
    # members are standardised on their training scores taken out-of-sample (k-NN's and ECOD's
    # leave-one-out, computed right after the member's fit, as the ensemble does)
    calibration = np.column_stack([_refit(m, X)._calibration_scores(X) for m in det.estimators_])
    z = (calibration - det.offsets_) / det.scales_
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-9)


def test_knn_compares_with_a_bounded_reference_sample_and_calibrates_leave_one_out():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 3))
    det = build("knn", max_samples=256, random_state=0).fit(X)
    assert det.estimator_.n_samples_fit_ == 256
    small = build("knn", random_state=0).fit(X[:100])
    # every training row is in the reference: in-sample scores would count the row itself
    assert small.threshold_ > np.quantile(small.score_samples(X[:100]), 0.99) * 0.99
    loo = small._calibration_scores(X[:100])
    assert (loo > 0).all() and (loo >= small.score_samples(X[:100])).all()
    far = small.score_samples(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 50.0]]))
    assert far[1] > 10 * far[0]


def test_knn_log_distance_keeps_the_ranking_and_tames_the_tail(data):
    X, _ = data
    linear = build("knn", random_state=0).fit(X)
    logged = build("knn", log_distance=True, random_state=0).fit(X)
    a, b = linear.score_samples(X), logged.score_samples(X)
    assert spearmanr(a, b).statistic == pytest.approx(1.0)
    np.testing.assert_allclose(b, np.log1p(a / logged.unit_))
    assert _default_knn_params()["log_distance"] is True


def _default_knn_params():
    from dq_monitor.detectors.ensemble import DEFAULT_MEMBERS

    return next(item[1] for item in DEFAULT_MEMBERS if not isinstance(item, str) and item[0] == "knn")


def test_knn_shrinks_its_neighbourhood_when_the_reference_is_tiny():
    det = build("knn", n_neighbors=5).fit(np.random.default_rng(0).normal(size=(3, 2)))
    assert det.n_neighbors_ == 2
    assert np.isfinite(det.score_samples(np.zeros((4, 2)))).all()


def test_the_default_detector_is_registered():
    assert DEFAULT_DETECTOR in available()


def test_unknown_detectors_and_parameters_are_named_in_the_error():
    with pytest.raises(ValueError, match="unknown detector 'nope'; available: .*iforest"):
        build("nope")
    with pytest.raises(ValueError, match="has no parameter\\(s\\) n_trees"):
        build("iforest", n_trees=5)


def test_the_autoencoder_is_registered_when_torch_is_installed():
    pytest.importorskip("torch", reason="torch (the dq-monitor[deep] extra) is not installed")
    assert "autoencoder" in available()
    X, y = planted(seed=1)
    det = make("autoencoder").fit(X[y == 0])
    assert roc_auc_score(y, det.score_samples(X)) > 0.9


# ADBench dev sets with fewer than 400 rows (fast; chosen by size, not by result).
SMALL_ADBENCH = (
    "14_glass", "15_Hepatitis", "21_Lymphography", "37_Stamps", "39_vertebral", "42_WBC", "45_wine", "46_WPBC"
)
_SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
ADBENCH = Path(os.environ.get("DQ_MONITOR_SHARED_DATASETS", _SHARED)) / "adbench"


def test_the_default_frame_detector_is_not_below_plain_isolation_forest_on_small_adbench_sets():
    """Quality floor (ADBench protocol): default mean ROC-AUC >= plain IForest's minus one point.

    The full comparison over every dev set is bench/eval_point_anomalies.py.
    """
    import pandas as pd
    from sklearn.model_selection import train_test_split

    from dq_monitor.anomalies import score_frame

    missing = [s for s in SMALL_ADBENCH if not (ADBENCH / f"{s}.npz").is_file()]
    if missing:
        pytest.skip(f"ADBench dev sets not found under {ADBENCH} (missing {', '.join(missing)}); "
                    "set DQ_MONITOR_SHARED_DATASETS to the shared datasets folder")
    ours, plain = [], []
    for name in SMALL_ADBENCH:
        data = np.load(ADBENCH / f"{name}.npz")
        X, y = data["X"].astype(float), data["y"].astype(int)
        for seed in (0, 1, 2):
            X_tr, X_te, _, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
            cols = [f"x{j}" for j in range(X.shape[1])]
            s = score_frame(pd.DataFrame(X_tr, columns=cols), pd.DataFrame(X_te, columns=cols), None)
            ours.append(roc_auc_score(y_te, s["raw_score"]))
            plain.append(roc_auc_score(y_te, -IsolationForest(random_state=seed).fit(X_tr).score_samples(X_te)))
    assert 100 * np.mean(ours) >= 100 * np.mean(plain) - 1.0, (np.mean(ours), np.mean(plain))
