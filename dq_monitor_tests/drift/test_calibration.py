"""mode: dq_monitor (the default): calibrated drift verdicts.

No drift by construction must give (almost) no flags at any size, a volume-only change must not
drift, sparse or one-sided categories must not give p ~ 0, and real drift must still be found.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dq_monitor.drift import compare, markdown_table, parse_spec, to_check_outcome
from dq_monitor.drift.calibrated import benjamini_hochberg, categorical_test, pool_rare

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("DQ_MONITOR_SHARED_DATASETS", REPO_ROOT.parent / "shared" / "datasets"))
HOUR_CSV = DATASETS / "bike_sharing" / "hour.csv"
needs_bike = pytest.mark.skipif(not HOUR_CSV.exists(), reason=f"shared dataset not found: {HOUR_CSV}")


def _mixed(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    """Numeric, small-int, binary and a long-tailed categorical (many rare levels)."""
    levels = [f"z{k:02d}" for k in range(40)]
    weights = 1.0 / np.arange(1, 41) ** 1.5
    return pd.DataFrame({
        "temp": rng.normal(10 + shift, 3, n),
        "count": rng.poisson(4, n),
        "flag": rng.random(n) < 0.1,
        "zone": rng.choice(levels, n, p=weights / weights.sum()),
        "amount": rng.lognormal(3, 1, n),
    })


def test_the_default_mode_is_dq_monitor_and_evidently_stays_selectable():
    spec = parse_spec(None)
    assert spec.mode == "dq_monitor" and spec.alpha == 0.05
    assert spec.num_effect_floor == 0.1 and spec.cat_effect_floor == 0.1
    assert parse_spec({"mode": "evidently"}).mode == "evidently"
    with pytest.raises(ValueError, match="dq_monitor"):
        parse_spec({"mode": "calibrated"})


@needs_bike
def test_random_splits_of_bike_hours_rarely_flag_a_column_and_never_the_dataset():
    frame = pd.read_csv(HOUR_CSV).drop(columns=["instant", "dteday"])
    rng = np.random.default_rng(300)
    shares, drifted = [], 0
    for _ in range(20):
        rows = rng.choice(len(frame), size=600, replace=False)
        result = compare(frame.iloc[np.sort(rows[:300])], frame.iloc[np.sort(rows[300:])])
        shares.append(result.drift_share)
        drifted += result.dataset_drift
    assert drifted == 0
    assert np.mean(shares) <= 0.05 + 0.02  # BH at alpha 0.05 plus sampling slack over 20 x 15 columns


@pytest.mark.parametrize("n", [300, 3000])
def test_a_snapshot_with_three_times_the_rows_and_the_same_distribution_does_not_drift(n):
    rng = np.random.default_rng(n)
    reference = _mixed(rng, n)
    for current in (pd.concat([reference] * 3, ignore_index=True), _mixed(rng, 3 * n)):
        result = compare(reference, current)
        assert result.dataset_drift is False and result.drifted_columns == ()
        assert result.number_of_columns == 5


def test_a_large_snapshot_does_not_drift_on_a_negligible_shift_but_does_on_a_real_one():
    rng = np.random.default_rng(4)
    n = 200_000
    reference = pd.DataFrame({f"c{i}": rng.normal(size=n) for i in range(6)})
    current = pd.DataFrame({f"c{i}": rng.normal(size=n) for i in range(6)})
    current["c0"] += 0.03  # significant at this size (K-S p ~ 0), far below the 0.1 std floor
    current["c1"] += 0.3
    result = compare(reference, current)
    assert result.column("c0").p_value_adjusted < 0.05 and result.column("c0").drifted is False
    assert result.drifted_columns == ("c1",)
    assert result.column("c1").effect_size == pytest.approx(0.3, abs=0.02)


@pytest.mark.filterwarnings("error")
def test_sparse_and_one_sided_categories_are_pooled_not_given_p_zero():
    rng = np.random.default_rng(9)
    levels = [f"country_{k}" for k in range(60)]
    weights = 1.0 / np.arange(1, 61) ** 1.2
    reference = pd.DataFrame({"country": rng.choice(levels, 200, p=weights / weights.sum())})
    current = pd.DataFrame({"country": rng.choice(levels, 200, p=weights / weights.sum())})
    current.loc[current.index[:2], "country"] = "country_new"  # never seen in the reference
    col = compare(reference, current).column("country")
    assert "country_new" in col.new_categories and len(col.new_categories) > 1  # rare levels seen on one side
    assert col.p_value > 0.01 and col.drifted is False
    assert "pooled" in col.note
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evidently = compare(reference, current, {"mode": "evidently"}).column("country")
    assert evidently.method == "chisquare" and evidently.score == 0.0 and evidently.drifted  # the false alarm


def test_pooling_reaches_an_expected_count_of_5_in_every_cell():
    rng = np.random.default_rng(1)
    ref_counts = rng.poisson(3, 50).astype(float)
    cur_counts = rng.poisson(3, 50).astype(float)
    ref_counts[:5], cur_counts[5:10] = 0, 0  # absent on one side
    ref, cur, pooled = pool_rare(ref_counts, cur_counts)
    assert pooled > 0 and ref.sum() == ref_counts.sum() and cur.sum() == cur_counts.sum()
    n = ref.sum() + cur.sum()
    expected = np.outer([ref.sum(), cur.sum()], ref + cur) / n
    assert expected.min() >= 5


def test_a_frequent_new_category_and_a_shifted_binary_still_drift():
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"city": rng.choice(["a", "b", "c", "d"], 400), "flag": rng.random(400) < 0.5})
    current = pd.DataFrame({"city": rng.choice(["a", "b", "c", "e"], 400, p=[0.1, 0.1, 0.1, 0.7]),
                            "flag": rng.random(400) < 0.75})
    result = compare(reference, current)
    assert set(result.drifted_columns) == {"city", "flag"}
    assert result.column("flag").method == "dq_fisher" and result.column("city").method == "dq_permutation"
    assert result.column("city").effect_size > 0.5


def test_categorical_p_values_are_reproducible_and_roughly_uniform_under_no_drift():
    rng = np.random.default_rng(3)
    p_values = []
    for _ in range(200):
        totals = rng.multinomial(300, [0.4, 0.3, 0.2, 0.07, 0.02, 0.01])
        cur = rng.multivariate_hypergeometric(totals, 150).astype(float)
        p_values.append(categorical_test(totals - cur, cur, [0, 1]).p_value)
    assert 0.02 <= np.mean(np.array(p_values) < 0.05) <= 0.10
    table = (np.array([40.0, 30, 20, 2]), np.array([35.0, 33, 22, 1]))
    assert categorical_test(*table, [0, 7]).p_value == categorical_test(*table, [0, 7]).p_value


def test_benjamini_hochberg_matches_the_step_up_definition():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5])
    expected = np.array([0.025, 0.05, 0.05, 0.025, 0.5])
    assert benjamini_hochberg(p) == pytest.approx(expected)
    assert benjamini_hochberg(np.array([])).size == 0


def test_findings_name_the_test_the_adjusted_p_value_and_the_effect_against_its_floor():
    rng = np.random.default_rng(5)
    reference = pd.DataFrame({"temp": rng.normal(10, 3, 500), "hum": rng.normal(50, 10, 500)})
    current = pd.DataFrame({"temp": rng.normal(13, 3, 500), "hum": rng.normal(50, 10, 500)})
    result = compare(reference, current)
    outcome = to_check_outcome(result, "bikes", "s2")
    finding = next(f for f in outcome.findings if f.key == "drift:temp")
    assert finding.message.startswith("column 'temp' drifted: K-S p_adj ")
    assert "(alpha 0.05), effect 1." in finding.message and "(normed Wasserstein, floor 0.1)" in finding.message
    details = finding.details
    assert details["method"] == "dq_ks" and details["effect_floor"] == 0.1 and details["alpha"] == 0.05
    assert details["p_value"] <= details["p_value_adjusted"] < 1e-6
    assert outcome.metadata["mode"] == "dq_monitor"
    assert outcome.metrics["drift_score:temp"] == result.column("temp").effect_size
    lines = markdown_table(result).splitlines()
    assert lines[2] == "| column | type | test | p-value | p_adj | effect | floor | drifted | remarks |"
    assert lines[4].startswith("| temp | numeric | K-S |")


def test_a_method_configured_for_a_column_keeps_evidently_semantics_in_dq_monitor_mode():
    rng = np.random.default_rng(6)
    reference = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    current = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    result = compare(reference, current, {"per_column": {"a": {"method": "psi", "threshold": 0.2}}})
    assert result.column("a").method == "psi" and result.column("a").threshold == 0.2
    assert result.column("a").p_value_adjusted is None
    assert result.column("b").method == "dq_ks" and result.column("b").p_value_adjusted is not None


def test_the_sorted_sample_ks_statistic_equals_scipy_with_ties_and_unequal_sizes():
    from scipy import stats

    from dq_monitor.drift.calibrated import ks_statistic_sorted, numeric_test

    rng = np.random.default_rng(8)
    for n, m in [(1, 1), (1, 5), (7, 3), (1000, 2999), (12_000, 20_000)]:
        u = np.sort(np.round(rng.normal(size=n), 1))
        v = np.sort(np.round(rng.normal(0.1, 1, size=m), 1))
        assert ks_statistic_sorted(u, v) == pytest.approx(stats.ks_2samp(u, v).statistic, abs=1e-12)
    u, v = np.sort(rng.normal(size=20_000)), np.sort(rng.normal(0.03, 1, size=30_000))
    assert numeric_test(u, v).p_value == pytest.approx(stats.ks_2samp(u, v).pvalue, rel=0.05)


def test_the_one_search_ks_statistic_equals_scipy_on_random_tied_samples_in_any_block_size(monkeypatch):
    """One search of u's distinct values in v, block by block, gives scipy's sup |F_u - F_v| both ways round."""
    from scipy import stats

    import dq_monitor.drift.calibrated as calibrated

    rng = np.random.default_rng(11)
    pairs = []
    for _ in range(300):
        n, m = rng.integers(1, 40, 2)
        u, v = (np.sort(rng.integers(0, rng.integers(1, 10), size).astype(float) + rng.choice([0, 0.5]))
                for size in (n, m))
        pairs.append((u, v))
    expected = [stats.ks_2samp(u, v, method="asymp").statistic for u, v in pairs]
    for block in (1, 2, 7, 1 << 16):
        monkeypatch.setattr(calibrated, "KS_BLOCK", block)
        assert [calibrated.ks_statistic_sorted(u, v) for u, v in pairs] == pytest.approx(expected, abs=1e-12)
        assert [calibrated.ks_statistic_sorted(v, u) for u, v in pairs] == pytest.approx(expected, abs=1e-12)
