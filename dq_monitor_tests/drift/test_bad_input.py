"""Bad input never crashes compare(): each column says clearly why it was not compared."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dq_monitor.drift import compare, to_check_outcome
from dq_monitor_tests.support.evidently_oracle import disagreements, evidently_drift


@pytest.fixture
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    n = 400
    reference = pd.DataFrame({"amount": rng.normal(10, 2, n), "kind": rng.choice(["a", "b", "c"], n)})
    current = pd.DataFrame({"amount": rng.normal(10, 2, n), "kind": rng.choice(["a", "b", "c"], n)})
    return reference, current


def _no_bogus_scores(result) -> None:
    for col in result.columns:
        if col.status == "compared":
            assert col.score is not None and not math.isnan(col.score)
        else:
            assert col.score is None and col.drifted is False and col.problem


def test_an_empty_current_frame_is_a_dataset_problem_not_a_crash(frames):
    reference, current = frames
    result = compare(reference, current.iloc[0:0])
    assert result.problem == "current data is empty (0 rows)"
    assert result.dataset_drift is False and result.number_of_columns == 0
    assert {c.problem for c in result.columns} == {"current data is empty (0 rows)"}
    outcome = to_check_outcome(result, "orders", "s2")
    assert outcome.passed is False
    assert "could not be computed: current data is empty" in outcome.message
    _no_bogus_scores(result)


def test_both_frames_empty_are_named_together(frames):
    reference, current = frames
    result = compare(reference.iloc[0:0], current.iloc[0:0])
    assert result.problem == "reference and current data are empty (0 rows)"


def test_a_column_missing_on_one_side_is_a_schema_level_problem_and_the_rest_is_compared(frames):
    reference, current = frames
    reference = reference.assign(old_only=1.0)
    current = current.assign(new_only="x")
    result = compare(reference, current)
    old, new = result.column("old_only"), result.column("new_only")
    assert old.status == new.status == "problem" and old.schema_level and new.schema_level
    assert old.problem == "column is missing from the current data (present in the reference)"
    assert new.problem == "column is missing from the reference data (new in the current data)"
    assert result.number_of_columns == 2 and result.column("amount").status == "compared"
    outcome = to_check_outcome(result, "orders", "s2")
    messages = [f.message for f in outcome.findings]
    assert "column 'old_only' could not be compared for drift (schema problem): column is missing from the current " \
           "data (present in the reference)" in messages
    assert outcome.passed is False
    _no_bogus_scores(result)


def test_all_nan_columns_are_data_problems_on_either_side(frames):
    reference, current = frames
    reference = reference.assign(gone_in_ref=np.nan, gone_in_cur=1.5, only_inf=np.inf)
    current = current.assign(gone_in_ref=2.0, gone_in_cur=np.nan, only_inf=np.inf)
    result = compare(reference, current)
    assert result.column("gone_in_ref").problem == "all values are missing (or infinite) in the reference data"
    assert result.column("gone_in_cur").problem == "all values are missing (or infinite) in the current data"
    assert result.column("only_inf").problem == "all values are missing (or infinite) in the reference data"
    assert not any(result.column(c).schema_level for c in ("gone_in_ref", "gone_in_cur", "only_inf"))
    _no_bogus_scores(result)


def test_constant_columns_compare_cleanly_and_agree_with_evidently():
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"const": np.full(1500, 3.0), "const_cat": ["x"] * 1500, "noise": rng.normal(size=1500)})
    current = pd.DataFrame({"const": np.full(1500, 3.0), "const_cat": ["x"] * 1500, "noise": rng.normal(size=1500)})
    current_moved = current.assign(const=rng.normal(3.0, 0.01, 1500))
    same = compare(reference, current, {"mode": "evidently"})
    assert same.column("const").score == 0.0 and same.column("const").drifted is False
    assert same.column("const_cat").score == 0.0 and same.column("const_cat").drifted is False
    moved = compare(reference, current_moved, {"mode": "evidently"})
    assert moved.column("const").method == "wasserstein" and moved.column("const").drifted is True
    assert "reference column is constant" in moved.column("const").note
    assert "divided by 0.001" in moved.column("const").note
    assert disagreements(moved, evidently_drift(reference, current_moved)) == []


def test_mixed_value_types_in_one_column_are_a_schema_problem(frames):
    reference, current = frames
    current = current.assign(kind=["a", 1, "b", 2.5] * (len(current) // 4))
    result = compare(reference, current)
    col = result.column("kind")
    assert col.status == "problem" and col.schema_level
    assert col.problem.startswith("mixed value types (float, int, str) in the current data")
    _no_bogus_scores(result)


def test_a_type_change_between_reference_and_current_is_a_schema_problem(frames):
    reference, current = frames
    current = current.assign(amount=current["amount"].round(1).astype(str))
    col = compare(reference, current).column("amount")
    assert col.status == "problem" and col.schema_level
    assert col.problem == "type mismatch: reference is numeric (float64), current is text (object)"


def test_a_brand_new_category_is_named_and_its_chi_square_verdict_matches_evidently(frames):
    reference, current = frames
    current = current.copy()
    current.loc[current.index[:5], "kind"] = "zeta"
    result = compare(reference, current, {"mode": "evidently"})
    col = result.column("kind")
    assert col.new_categories == ("zeta",)
    assert col.method == "chisquare" and col.score == 0.0 and col.drifted is True
    assert "1 value(s) never seen in the reference: 'zeta'" in col.note
    assert "expected count is 0" in col.note
    assert disagreements(result, evidently_drift(reference, current)) == []


def test_datetime_columns_are_skipped_unless_asked_for_by_name(frames):
    reference, current = frames
    reference = reference.assign(ts=pd.Timestamp("2024-01-01"))
    current = current.assign(ts=pd.Timestamp("2024-02-01"))
    implicit = compare(reference, current).column("ts")
    assert implicit.status == "skipped"
    assert implicit.problem == "datetime columns are not compared by Evidently's drift preset"
    explicit = compare(reference, current, {"columns": ["amount", "ts"]}).column("ts")
    assert explicit.status == "problem"
    assert to_check_outcome(compare(reference, current), "orders", "s2").passed is True


def test_a_method_that_does_not_fit_the_column_type_is_reported_per_column(frames):
    reference, current = frames
    result = compare(reference, current, {"per_column": {"kind": {"method": "ks"}}})
    assert result.column("kind").problem == "method 'ks' does not apply to a categorical column (it takes: numeric)"
    assert result.column("amount").status == "compared"


def test_a_misspelt_method_or_unknown_key_is_rejected_when_the_spec_is_read(frames):
    reference, current = frames
    with pytest.raises(ValueError, match="unknown drift method 'wasserstien'"):
        compare(reference, current, {"per_column": {"amount": {"method": "wasserstien"}}})
    with pytest.raises(ValueError, match="drift_shares"):
        compare(reference, current, {"drift_shares": 0.3})


def test_a_column_requested_but_absent_everywhere_is_named(frames):
    reference, current = frames
    result = compare(reference, current, {"columns": ["amount", "nope"]})
    assert result.column("nope").problem == "column is in neither the reference nor the current data"
    assert result.number_of_columns == 1
