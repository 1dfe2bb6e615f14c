"""compare() gives Evidently's own DataDriftPreset verdicts, column by column and for the dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dq_monitor.drift import compare
from dq_monitor.drift.stattests import STATTESTS, wasserstein_sorted
from dq_monitor_tests.support.evidently_oracle import disagreements, evidently_drift

EVIDENTLY = {"mode": "evidently"}  # these tests pin parity with Evidently


def _frame(rng: np.random.Generator, n: int, drift: bool) -> pd.DataFrame:
    """Columns that never drift next to columns that drift when `drift` is set: a mean
    shift, a scale change, a categorical shift with a brand-new category, a binary shift."""
    k = 1.0 if drift else 0.0
    return pd.DataFrame(
        {
            "same_normal": rng.normal(0, 1, n),
            "shifted": rng.normal(0.6 * k, 1, n),
            "scaled": rng.normal(0, 1 + 0.6 * k, n),
            "exponential": rng.exponential(1, n),
            "wide_int": rng.integers(0, 100, n),
            "small_int": rng.integers(0, 4, n),
            "same_flag": rng.random(n) < 0.5,
            "shifted_flag": rng.random(n) < 0.5 + 0.25 * k,
            "float_3_values": rng.integers(0, 3, n).astype(float),
            "same_city": rng.choice(["a", "b", "c", "d"], n),
            "shifted_city": rng.choice(["a", "b", "c", "e" if drift else "d"], n, p=[0.1, 0.1, 0.1, 0.7] if drift else None),
            "with_nan": np.where(rng.random(n) < 0.1, np.nan, rng.normal(0, 1, n)),
        }
    )


def _pairs() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    rng = np.random.default_rng(42)
    return {
        "large reference (Wasserstein, Jensen-Shannon)": (_frame(rng, 3000, False), _frame(rng, 2500, True)),
        "small reference (K-S, chi-square, Z-test)": (_frame(rng, 600, False), _frame(rng, 1500, True)),
        "1001 reference rows, 10% NaN takes one column under 1000": (_frame(rng, 1001, False), _frame(rng, 999, False)),
    }


@pytest.mark.parametrize("name", list(_pairs()))
def test_every_verdict_and_method_equals_evidently_on_synthetic_pairs(name):
    reference, current = _pairs()[name]
    ours = compare(reference, current, EVIDENTLY)
    theirs = evidently_drift(reference, current)

    assert disagreements(ours, theirs) == []
    for column, verdict in theirs.columns.items():
        assert ours.column(column).score == pytest.approx(verdict.score, rel=1e-9, abs=1e-12)
        assert ours.column(column).threshold == verdict.threshold
    assert ours.drift_share == pytest.approx(theirs.drift_share)


def test_the_pairs_cover_every_automatic_method_and_both_verdicts():
    seen_methods, seen_verdicts, seen_dataset = set(), set(), set()
    for reference, current in _pairs().values():
        result = compare(reference, current, EVIDENTLY)
        seen_methods |= {c.method for c in result.compared}
        seen_verdicts |= {c.drifted for c in result.compared}
        seen_dataset.add(result.dataset_drift)
    assert seen_methods == {"ks", "chisquare", "z", "wasserstein", "jensenshannon"}
    assert seen_verdicts == {True, False}
    assert seen_dataset == {False}  # the dataset-level True case is the share-threshold test below
    large = compare(*_pairs()["large reference (Wasserstein, Jensen-Shannon)"], EVIDENTLY)
    assert set(large.drifted_columns) == {"shifted", "scaled", "shifted_flag", "shifted_city"}
    assert large.column("shifted_city").new_categories == ("e",)
    mixed = compare(*_pairs()["1001 reference rows, 10% NaN takes one column under 1000"], EVIDENTLY)
    assert mixed.column("same_normal").method == "wasserstein" and mixed.column("with_nan").method == "ks"


def test_column_types_follow_evidently_inference_including_binary():
    result = compare(*_pairs()["small reference (K-S, chi-square, Z-test)"], EVIDENTLY)
    types = {c.column: c.column_type for c in result.columns}
    assert types == {
        "same_normal": "numeric", "shifted": "numeric", "scaled": "numeric", "exponential": "numeric",
        "wide_int": "numeric", "small_int": "categorical", "same_flag": "binary", "shifted_flag": "binary",
        "float_3_values": "numeric", "same_city": "categorical", "shifted_city": "categorical", "with_nan": "numeric",
    }
    assert result.column("float_3_values").method == "chisquare"  # few values on a small reference


@pytest.mark.filterwarnings("ignore::UserWarning")  # scipy's anderson_ksamp notes inside Evidently's own function
def test_configured_methods_and_thresholds_match_evidently_options():
    rng = np.random.default_rng(7)
    reference, current = _frame(rng, 1500, False), _frame(rng, 1500, True)
    spec = {
        "mode": "evidently",
        "num_method": "psi",
        "cat_method": "chisquare",
        "threshold": 0.2,
        "per_column": {"shifted": {"method": "mannw", "threshold": 0.05}, "scaled": {"method": "kl_div"},
                       "wide_int": {"method": "anderson"}, "same_city": {"method": "jensenshannon", "threshold": 0.01}},
        "drift_share": 0.3,
    }
    ours = compare(reference, current, spec)
    theirs = evidently_drift(
        reference, current, drift_share=0.3, num_method="psi", cat_method="chisquare", threshold=0.2,
        per_column_method={"shifted": "mannw", "scaled": "kl_div", "wide_int": "anderson", "same_city": "jensenshannon"},
        per_column_threshold={"shifted": 0.05, "same_city": 0.01},
    )
    assert disagreements(ours, theirs) == []
    assert ours.column("shifted").method == "mannw" and ours.column("shifted").threshold == 0.05
    assert ours.column("scaled").threshold == 0.2
    assert ours.column("with_nan").method == "psi"
    for column, verdict in theirs.columns.items():
        assert ours.column(column).score == pytest.approx(verdict.score, rel=1e-9, abs=1e-12)


def test_dataset_drift_is_reached_at_exactly_the_share_threshold_like_evidently():
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({f"c{i}": rng.normal(size=1500) for i in range(4)})
    current = pd.DataFrame({f"c{i}": rng.normal(size=1500) for i in range(4)})
    current["c0"] += 1
    current["c1"] += 1
    ours = compare(reference, current, {"drift_share": 0.5, "mode": "evidently"})
    theirs = evidently_drift(reference, current, drift_share=0.5)
    assert ours.drift_share == 0.5 and ours.dataset_drift is True
    assert theirs.dataset_drift is True


def test_sorted_sample_wasserstein_equals_scipy_with_ties_and_unequal_sizes():
    rng = np.random.default_rng(0)
    for n, m in [(1, 1), (1, 7), (5, 3), (100, 100), (1000, 2999), (4096, 1000)]:
        u = np.sort(np.round(rng.normal(size=n), 1))
        v = np.sort(np.round(rng.normal(0.3, 2, size=m), 1))
        assert wasserstein_sorted(u, v) == pytest.approx(stats.wasserstein_distance(u, v), rel=1e-12, abs=1e-15)


def test_every_evidently_method_name_is_known_with_its_display_name():
    from evidently.legacy.calculations.stattests.registry import _registered_stat_tests

    registered = {name: next(iter(by_type.values())) for name, by_type in _registered_stat_tests.items()
                  if not name.startswith("dq_monitor_")}
    assert set(registered) <= set(STATTESTS)
    for name, test in registered.items():
        assert STATTESTS[name].display_name == test.display_name
        assert STATTESTS[name].default_threshold == test.default_threshold
        assert set(STATTESTS[name].types) == {t.value for t in test.allowed_feature_types}
