"""score_frame, group baselines, reasons, persistence and bad input, on real computations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dq_monitor.anomalies import (
    AnomalyInputError,
    AnomalySpec,
    AnomalySpecError,
    FeatureEncoder,
    FittedModel,
    fit_model,
    parse_spec,
    score_frame,
    score_with_model,
    sidecar_path,
)

SPEC = {"ignore_columns": ["txn_id"], "random_state": 0}


def payments(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Payments where each user has a typical amount of their own."""
    rng = np.random.default_rng(seed)
    users = rng.integers(0, 20, n)
    return pd.DataFrame(
        {
            "txn_id": np.arange(n) + seed * 1_000_000,
            "user_id": users,
            "amount": np.round(rng.lognormal(2 + users / 4, 0.25), 2),
            "fee": rng.normal(1.0, 0.1, n),
            "country": rng.choice(["FR", "DE", "US", "LU"], n, p=[0.5, 0.3, 0.199, 0.001]),
            "status": 200,
        }
    )


@pytest.fixture(scope="module")
def reference():
    return payments()


@pytest.fixture(scope="module")
def model(reference):
    """The default model on the reference, shared by tests that only score."""
    return fit_model(reference, SPEC)


def scores(model, frame):
    scored = score_with_model(model, frame)
    assert scored.ok, scored.problems
    return scored.scores


@pytest.fixture
def current():
    cur = payments(n=500, seed=1)
    cur.index = pd.RangeIndex(100, 600)  # scores must keep the snapshot's own index
    return cur


def test_scores_have_one_row_per_current_row_with_the_same_index(model, current):
    out = scores(model, current)
    assert out.index.equals(current.index)
    assert list(out.columns) == ["score", "raw_score", "is_anomaly", "severity", "reason"]
    assert np.isfinite(out["score"]).all()
    assert out["is_anomaly"].dtype == bool
    assert set(out["severity"]) <= {"none", "low", "medium", "high"}
    assert (out.loc[~out.is_anomaly, "severity"] == "none").all()
    assert (out.loc[out.is_anomaly, "reason"] != "").all()


def test_clean_data_from_the_same_distribution_has_a_low_anomaly_rate(model, current):
    out = scores(model, current)
    assert out["is_anomaly"].mean() < 0.03


def test_reasons_name_the_column_that_makes_each_planted_row_unusual(model, current):
    cur = current.copy()
    cur.loc[100, "amount"] = 98_000.0
    cur.loc[101, "country"] = "XX"
    cur.loc[102, "fee"] = -5.0
    cur.loc[103, "status"] = 500
    cur.loc[104, "fee"] = np.inf
    out = scores(model, cur)
    assert out.loc[100:104, "is_anomaly"].all()
    assert out.loc[100, "reason"].startswith("amount = 98,000 is ")
    assert "MADs above the median" in out.loc[100, "reason"]
    assert out.loc[101, "reason"] == "country = 'XX', never seen in the 3,000 reference rows"
    assert out.loc[102, "reason"].startswith("fee = -5 is ") and "below the median" in out.loc[102, "reason"]
    assert "status = 500, never seen in the 3,000 reference rows (always 200)" in out.loc[103, "reason"]
    assert out.loc[104, "reason"] == "fee is +infinite"
    # a value a thousand times too large outranks everything else
    assert out["score"].idxmax() in (100, 104)
    assert out.loc[100, "severity"] == "high"


def test_a_rare_category_is_reported_with_its_reference_share(model, reference, current):
    cur = current.copy()
    cur.loc[100, "country"] = "LU"
    cur.loc[100, "fee"] = 1.6  # also unusual, so the row is flagged
    out = scores(model, cur)
    assert out.loc[100, "is_anomaly"]
    reason = out.loc[100, "reason"]
    assert "fee = 1.6" in reason
    n_lu = int((reference["country"] == "LU").sum())
    if n_lu and "country" in reason:
        assert f"country = 'LU', rare: {n_lu} of 3,000 reference rows" in reason


def test_group_by_scores_each_row_against_its_own_groups_history(reference, current):
    cur = current.copy()
    big_spender = reference.groupby("user_id")["amount"].median().idxmax()
    small_spender = reference.groupby("user_id")["amount"].median().idxmin()
    typical_big = float(reference.loc[reference.user_id == big_spender, "amount"].median())
    cur.loc[100, ["user_id", "amount"]] = [small_spender, typical_big]  # normal for others, not for them
    cur.loc[101, ["user_id", "amount"]] = [big_spender, typical_big]
    grouped = score_frame(reference, cur, {**SPEC, "group_by": "user_id"})
    assert grouped.loc[100, "is_anomaly"]
    assert not grouped.loc[101, "is_anomaly"]
    assert f"for user_id {small_spender} (" in grouped.loc[100, "reason"]
    assert grouped.loc[100, "reason"].startswith("amount = ")
    plain = score_frame(reference, cur, SPEC)
    assert plain.loc[100, "score"] < grouped.loc[100, "score"]


def test_new_or_small_groups_fall_back_to_the_global_baseline(reference, current):
    cur = current.copy()
    cur.loc[100, ["user_id", "amount"]] = [999, 98_000.0]  # a user never seen before
    out = score_frame(reference, cur, {**SPEC, "group_by": "user_id", "min_group_size": 30})
    assert out.loc[100, "is_anomaly"]
    assert "of all rows (user_id 999 has too little history of its own)" in out.loc[100, "reason"]
    everyone_small = score_frame(reference, cur, {**SPEC, "group_by": "user_id", "min_group_size": 10_000})
    assert "no user_id group has 10000 reference rows" in everyone_small.attrs["notes"][0]
    assert everyone_small.loc[100, "is_anomaly"]


def test_contamination_flags_the_requested_share_of_reference_rows(reference):
    out = score_frame(reference, reference, {**SPEC, "contamination": 0.05})
    assert out["is_anomaly"].mean() == pytest.approx(0.05, abs=0.01)


def test_every_registered_detector_finds_a_planted_extreme_value(reference, current):
    from dq_monitor.detectors import available

    cur = current.iloc[:100].copy()
    cur.loc[100, "amount"] = 98_000.0
    for name in available():
        params = {"epochs": 5} if name == "autoencoder" else {}
        out = score_frame(reference.iloc[:1000], cur, {**SPEC, "detector": name, "params": params})
        assert out.loc[100, "is_anomaly"], name
        assert out.loc[100, "reason"].startswith("amount = 98,000"), name


def test_a_model_saved_and_loaded_scores_identically_and_keeps_its_metadata(reference, current, tmp_path):
    model = fit_model(reference, {**SPEC, "group_by": "user_id"}, snapshot_ids=["2024-01-01", "2024-01-02"])
    path = model.save(tmp_path / "models" / "payments.joblib")
    loaded = FittedModel.load(path)
    pd.testing.assert_frame_equal(score_with_model(loaded, current).scores, score_with_model(model, current).scores)
    meta = json.loads(sidecar_path(path).read_text())
    assert meta["version"] == model.version == loaded.version
    assert meta["snapshot_ids"] == ["2024-01-01", "2024-01-02"]
    assert meta["features"] == ["amount", "fee", "country", "status"]
    assert meta["dtypes"]["amount"] == "float64"
    assert meta["feature_kinds"] == {"amount": "numeric", "fee": "numeric", "country": "categorical", "status": "categorical"}
    assert meta["detector"] == "ensemble" and meta["group_by"] == "user_id"
    assert meta["groups_with_own_baseline"] == 20
    assert meta["fitted_at"] == model.fitted_at
    assert meta["n_reference_rows"] == 3000


def test_loading_something_that_is_not_a_model_is_a_clear_error(tmp_path):
    import joblib

    joblib.dump({"not": "a model"}, tmp_path / "x.joblib")
    with pytest.raises(AnomalyInputError, match="does not hold a dq_monitor anomaly model"):
        FittedModel.load(tmp_path / "x.joblib")
    with pytest.raises(FileNotFoundError, match="anomaly model file not found"):
        FittedModel.load(tmp_path / "missing.joblib")


def test_a_snapshot_missing_model_columns_is_a_clear_problem_not_a_crash(model, reference, current):
    scored = score_with_model(model, current.drop(columns=["fee", "country"]))
    assert not scored.ok
    assert scored.problems == ("column(s) fee, country used by the anomaly model are missing from the snapshot",)
    assert scored.scores.empty
    with pytest.raises(AnomalyInputError, match="fee, country used by the anomaly model are missing"):
        score_frame(reference, current.drop(columns=["fee", "country"]), SPEC)


def test_a_numeric_column_turned_into_text_is_a_clear_problem(model, current):
    cur = current.copy()
    cur["amount"] = cur["amount"].astype(str)
    assert score_with_model(model, cur).ok  # numbers written as text still parse
    cur.loc[100, "amount"] = "n/a"
    scored = score_with_model(model, cur)
    assert scored.problems == (
        "column 'amount' was numeric when the model was trained but now has dtype object with 1 non-numeric value(s)",
    )


def test_columns_added_since_training_are_noted_and_ignored(model, current):
    scored = score_with_model(model, current.assign(channel="web"))
    assert scored.ok
    assert "column(s) not in the model (added since it was trained): channel" in scored.notes


def test_an_empty_snapshot_gives_an_empty_result(reference, current):
    out = score_frame(reference, current.iloc[:0], SPEC)
    assert out.empty and list(out.columns) == ["score", "raw_score", "is_anomaly", "severity", "reason"]


def test_a_one_row_snapshot_is_scored(model, current):
    out = scores(model, current.iloc[:1])
    assert len(out) == 1 and np.isfinite(out["score"]).all()


@pytest.mark.parametrize("rows", [0, 1])
def test_a_reference_too_small_to_learn_from_is_a_clear_error(reference, current, rows):
    with pytest.raises(AnomalyInputError, match=f"the reference window has {rows} row\\(s\\); at least 30"):
        score_frame(reference.iloc[:rows], current, SPEC)


def test_all_missing_constant_and_identifier_columns_are_handled(reference, current):
    ref = reference.assign(empty=np.nan, code=[f"c{i}" for i in range(len(reference))], when=pd.Timestamp("2024-01-01"))
    cur = current.assign(empty=np.nan, code=[f"d{i}" for i in range(len(current))], when=pd.Timestamp("2024-01-02"))
    out = score_frame(ref, cur, SPEC)
    notes = out.attrs["notes"]
    assert "column 'empty' is entirely missing in the reference; not used" in notes
    assert "column 'code' looks like an identifier (3,000 distinct values in 3,000 rows); not used" in notes
    assert "column 'when' is a date/time; not used for point anomalies" in notes
    assert out["is_anomaly"].mean() < 0.03  # new identifiers are not anomalies


def test_a_categorical_with_a_million_distinct_values_is_skipped_not_scored():
    n = 1_000_000
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"session": np.char.add("s", np.arange(n).astype("U7")).astype(object), "amount": rng.normal(size=n)})
    encoder = FeatureEncoder.fit(ref, columns=["session", "amount"])
    assert encoder.columns == ["amount"]
    assert encoder.notes == [
        "column 'session' looks like an identifier (10,000 distinct values in a random sample of 10,000 "
        "of its 1,000,000 rows); not used"
    ]
    # end to end on a smaller frame: new session ids are not anomalies
    model = fit_model(ref.iloc[:20_000], {"columns": ["session", "amount"]})
    scored = score_with_model(model, ref.iloc[20_000:21_000])
    assert model.features == ["amount"] and scored.scores["is_anomaly"].mean() < 0.03


def test_a_frame_with_only_unusable_columns_explains_why(reference):
    ref = pd.DataFrame({"empty": [np.nan] * 50, "id": [f"x{i}" for i in range(50)] + [], "n": 1})
    ref = ref.assign(id=[f"x{i}" for i in range(50)], n=range(50))
    with pytest.raises(AnomalyInputError, match="no usable feature columns .*'empty' is entirely missing"):
        fit_model(ref, {"ignore_columns": ["n", "id"]})


def test_configured_columns_absent_from_the_reference_are_named(reference):
    with pytest.raises(AnomalyInputError, match="configured anomaly columns not in the reference data: amt"):
        fit_model(reference, {"columns": ["amt", "fee"]})


def test_lof_works_with_fewer_reference_rows_than_neighbours(reference, current):
    model = fit_model(reference.iloc[:12], {**SPEC, "detector": "lof", "min_reference_rows": 5})
    assert model.detector.n_neighbors_ == 11
    assert "only 12 reference rows: LOF uses 11 neighbours instead of 20" in model.notes
    scored = score_with_model(model, current)
    assert np.isfinite(scored.scores["score"]).all()


def test_nan_values_in_current_rows_are_neutral_not_anomalous(model, current):
    cur = current.copy()
    cur.loc[100:120, "fee"] = np.nan
    cur.loc[121:140, "country"] = None
    out = scores(model, cur)
    assert not out.loc[100:120, "is_anomaly"].any()
    assert out.loc[121:140, "is_anomaly"].all()
    assert out.loc[121, "reason"].startswith("country is missing, never seen in the 3,000 reference rows")


def test_the_spec_rejects_unknown_keys_detectors_and_parameters_with_the_field():
    with pytest.raises(AnomalySpecError, match="dataset 'payments', field 'anomalies.threshold'"):
        parse_spec({"threshold": 3}, dataset="payments")
    with pytest.raises(AnomalySpecError, match="unknown detector 'forest'"):
        parse_spec({"detector": "forest"})
    with pytest.raises(AnomalySpecError, match="has no parameter\\(s\\) trees"):
        parse_spec({"detector": "iforest", "params": {"trees": 5}})
    with pytest.raises(AnomalySpecError, match="set contamination at the top level"):
        parse_spec({"params": {"contamination": 0.1}})
    with pytest.raises(AnomalySpecError, match="severity tier scores must be >= 1.0"):
        parse_spec({"severity_tiers": {"low": 0.5}})
    with pytest.raises(AnomalySpecError, match="fail_on_tier 'critical' is not one of the severity tiers"):
        parse_spec({"fail_on_tier": "critical"})
    with pytest.raises(AnomalySpecError, match="not a 5-field cron"):
        parse_spec({"retrain_schedule": "daily"})


def test_the_spec_reads_every_documented_key():
    spec = AnomalySpec.model_validate(
        {
            "detector": "iforest",
            "params": {"n_estimators": 200},
            "columns": ["amount"],
            "ignore_columns": "txn_id",
            "group_by": "user_id",
            "min_group_size": 10,
            "contamination": 0.02,
            "severity_tiers": {"high": 5, "low": 1},
            "fail_on_tier": "high",
            "alert_threshold": 2,
            "reference_snapshots": 14,
            "retrain_schedule": "0 3 * * 0",
            "max_findings": 5,
            "severity": "ERROR",
        }
    )
    assert spec.ignore_columns == ["txn_id"]
    assert list(spec.severity_tiers) == ["low", "high"]
    assert spec.tier(0.5) == "none" and spec.tier(1.2) == "low" and spec.tier(7) == "high"
    assert spec.detector_params() == {"n_estimators": 200, "contamination": 0.02, "threshold_quantile": 0.995, "random_state": 0}


def test_every_injected_point_anomaly_in_the_demo_payments_is_found_with_its_user_as_context():
    from dq_monitor.demo import generate_snapshot
    from dq_monitor.demo.project import project_config

    spec = next(d["anomalies"] for d in project_config()["datasets"] if d["name"] == "payments")
    reference = pd.concat([generate_snapshot("payments", day).frame for day in range(6)], ignore_index=True)
    snap = generate_snapshot("payments", 12)
    out = score_frame(reference, snap.frame, spec)
    flagged = set(snap.frame.loc[out["is_anomaly"], "txn_id"])
    assert set(snap.anomaly_keys) <= flagged  # recall 1.0
    planted = snap.frame["txn_id"].isin(snap.anomaly_keys)
    assert (out.loc[planted, "score"] >= 2.0).sum() >= 13  # nearly all at the 'medium' tier or above
    reasons = out.loc[planted, "reason"]
    # users with enough history are judged against their own median, the others globally
    assert reasons.str.match(r"amount = .* MADs above the median (for user_id |of all rows \(user_id )").all()
    assert reasons.str.contains("MADs above the median for user_id ").sum() >= 5
    assert out.loc[~planted, "is_anomaly"].mean() < 0.02


def test_nullable_integers_booleans_and_missing_group_keys_are_handled():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame(
        {
            "shop": rng.choice(["a", "b", None], 600),
            "amount": rng.normal(100, 5, 600),
            "items": pd.array(rng.integers(1, 10, 600), dtype="Int64"),
            "paid": rng.random(600) > 0.5,
        }
    )
    ref.loc[5, "items"] = pd.NA
    model = fit_model(ref, {"group_by": "shop", "min_group_size": 10})
    assert model.encoder.kinds == {"amount": "numeric", "items": "numeric", "paid": "categorical"}
    cur = ref.iloc[:50].copy()
    cur.loc[3, "amount"] = 500.0
    scored = score_with_model(model, cur)
    assert scored.scores.loc[3, "is_anomaly"] and scored.scores["score"].notna().all()
    renamed = cur.assign(shop=cur["shop"].map({"a": 1, "b": 2}))
    notes = score_with_model(model, renamed).notes
    assert any("no shop value of the snapshot has its own baseline" in n for n in notes)


def test_reasons_say_what_each_number_is_and_write_identifiers_without_thousands_separators():
    rng = np.random.default_rng(3)
    n = 3000
    ref = pd.DataFrame(
        {
            "user_id": rng.choice([12_345, 67_890], n),
            "amount": rng.normal(33.4, 2.0, n),
            "zip": pd.Categorical(rng.choice([10_001, 10_002, 10_003], n), categories=[10_001, 10_002, 10_003, 99_999]),
        }
    )
    cur = ref.head(50).copy()
    cur.loc[0, "amount"] = 5_000.0
    cur.loc[1, "zip"] = 99_999  # a categorical code: written as it is
    out = score_frame(ref, cur, {"group_by": "user_id", "random_state": 0})
    amount = out.loc[0, "reason"]
    user = cur.loc[0, "user_id"]
    assert amount.startswith("amount = 5,000 is ") and f"above the median for user_id {user} (median 33" in amount
    assert "12,345" not in amount and "67,890" not in amount
    assert out.loc[1, "reason"].startswith("zip = 99999, never seen in the 3,000 reference rows")


def test_format_key_writes_integer_ids_as_they_are():
    from dq_monitor.anomalies.features import format_value
    from dq_monitor.anomalies.reasons import format_key

    assert format_key(1234567) == "1234567" and format_key(np.int64(20_000)) == "20000"
    assert format_key(20_000.0) == "20000" and format_key("A-1") == "'A-1'" and format_key(1.5) == "1.500"
    assert format_value(1234567) == "1,234,567"  # measurements keep their separators
