"""`suggest_suite`: a first suite learned from clean snapshots, checked with real GX on new ones."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dq_monitor.core.outcome import Severity
from dq_monitor.expectations import (
    load_suite,
    suggest_suite,
    validate_frame,
    write_suite,
)
from dq_monitor.expectations.bounds import numeric_range

STATUSES = np.array(["new", "paid", "shipped", "cancelled"], dtype=object)


def clean_snapshot(day: int, rows: int = 400) -> pd.DataFrame:
    """One day of orders: ids move forward every day, amounts are skewed, some discounts are null."""
    rng = np.random.default_rng(day)
    rows = rows + int(rng.integers(-20, 21))
    return pd.DataFrame({
        "order_id": np.arange(day * 10_000, day * 10_000 + rows),
        "amount": rng.lognormal(3, 0.5, rows).round(2),
        "qty": rng.integers(1, 6, rows),
        "status": rng.choice(STATUSES, rows, p=[0.2, 0.5, 0.25, 0.05]),
        "discount": np.where(rng.random(rows) < 0.3, np.nan, rng.uniform(0, 0.5, rows).round(3)),
        "created_at": pd.Timestamp("2024-03-01") + pd.Timedelta(days=day)
        + pd.to_timedelta(rng.integers(0, 86_400, rows), unit="s"),
    })


@pytest.fixture(scope="module")
def history() -> list[pd.DataFrame]:
    return [clean_snapshot(day) for day in range(6)]


@pytest.fixture(scope="module")
def suggested(history) -> dict:
    return suggest_suite(history, "orders", primary_key=["order_id"])


@pytest.fixture
def suite_path(tmp_path, suggested):
    return write_suite(suggested, tmp_path / "expectations" / "orders.json")


def by_key(suite: dict) -> dict[str, dict]:
    out = {}
    for e in suite["expectations"]:
        cols = e["kwargs"].get("column") or ",".join(e["kwargs"].get("column_list", []))
        out[f"{e['type']}:{cols}" if cols else e["type"]] = e
    return out


def test_the_suggestion_is_deterministic_sorted_and_explains_every_expectation(history, suggested):
    again = suggest_suite([f.copy() for f in history], "orders", primary_key=["order_id"])
    assert json.dumps(again, sort_keys=True) == json.dumps(suggested, sort_keys=True)
    assert suggested["name"] == "orders"
    assert suggested["expectations"][0]["type"] == "expect_table_row_count_to_be_between"
    columns = [e["kwargs"]["column"] for e in suggested["expectations"][1:-1]]
    assert columns == sorted(columns)
    for e in suggested["expectations"]:
        assert e["meta"]["reason"], e
        assert e["severity"] in ("critical", "warning")
    meta = suggested["meta"]["dq_monitor"]
    assert meta["snapshots"] == 6 and meta["rows"] == sum(len(f) for f in history)


def test_structure_is_learned_as_critical_and_bounds_as_warnings(history, suggested):
    e = by_key(suggested)
    for col in ("order_id", "amount", "qty", "status", "discount", "created_at"):
        assert e[f"expect_column_to_exist:{col}"]["severity"] == "critical"
    assert e["expect_column_values_to_be_in_type_list:amount"]["kwargs"]["type_list"] == ["float64"]
    assert e["expect_column_values_to_be_in_type_list:status"]["kwargs"]["type_list"] == ["str"]
    assert e["expect_column_values_to_not_be_null:amount"]["kwargs"] == {"column": "amount"}
    assert e["expect_column_values_to_not_be_null:amount"]["severity"] == "critical"
    # discount had ~30% nulls: a null-rate bound, not a not-null rule
    discount = e["expect_column_values_to_not_be_null:discount"]
    assert discount["severity"] == "warning" and 0.55 < discount["kwargs"]["mostly"] < 0.7
    assert e["expect_column_values_to_be_unique:order_id"]["meta"]["reason"] == "declared primary key"
    assert e["expect_column_values_to_be_in_set:status"]["kwargs"]["value_set"] == sorted(STATUSES)
    assert e["expect_column_values_to_be_in_set:qty"]["kwargs"]["value_set"] == [1, 2, 3, 4, 5]
    amount = e["expect_column_values_to_be_between:amount"]
    assert amount["severity"] == "warning"
    assert 0 < amount["kwargs"]["min_value"] <= amount["meta"]["learned"]["observed_min"]
    assert amount["kwargs"]["max_value"] >= amount["meta"]["learned"]["observed_max"]
    assert amount["meta"]["learned"]["log_scale"] is True
    row_count = e["expect_table_row_count_to_be_between"]
    counts = [len(f) for f in history]
    assert row_count["kwargs"]["min_value"] < min(counts) and row_count["kwargs"]["max_value"] > max(counts)
    assert "prediction interval" in row_count["meta"]["reason"]


def test_ids_that_move_forward_and_timestamps_get_no_range(suggested):
    e = by_key(suggested)
    assert "expect_column_values_to_be_between:order_id" not in e
    assert "expect_column_values_to_be_between:created_at" not in e
    notes = suggested["meta"]["dq_monitor"]["notes"]
    assert "identifier" in notes["order_id"] and "timestamps move forward" in notes["created_at"]


def test_a_column_that_trends_across_snapshots_gets_no_range():
    frames = [pd.DataFrame({"balance": np.random.default_rng(d).normal(1000 * d, 10, 200)}) for d in range(1, 6)]
    suite = suggest_suite(frames, "accounts")
    assert "expect_column_values_to_be_between:balance" not in by_key(suite)
    assert "move with every snapshot" in suite["meta"]["dq_monitor"]["notes"]["balance"]


def test_a_suggested_suite_passes_a_new_clean_snapshot(suite_path):
    outcome = validate_frame(clean_snapshot(30), suite_path, "orders", "day-30", ["order_id"])
    assert outcome.passed, outcome.message
    assert outcome.findings == () and outcome.metadata["suite_problems"] == 0


def test_a_suggested_suite_fails_on_injected_nulls_naming_the_rows(suite_path):
    frame = clean_snapshot(31)
    frame.loc[[3, 8], "amount"] = np.nan
    outcome = validate_frame(frame, suite_path, "orders", "day-31", ["order_id"])
    assert not outcome.passed and outcome.severity is Severity.ERROR
    finding = next(f for f in outcome.findings if f.key == "expect_column_values_to_not_be_null:amount")
    assert [r["order_id"] for r in finding.details["sample_failing_rows"]] == frame["order_id"][[3, 8]].tolist()


def test_a_suggested_suite_fails_on_out_of_range_values(suite_path):
    frame = clean_snapshot(32)
    frame.loc[5, "amount"] = 250_000.0   # a decimal-point slip
    frame.loc[6, "discount"] = -0.4      # never negative before
    outcome = validate_frame(frame, suite_path, "orders", "day-32", ["order_id"])
    keys = {f.key for f in outcome.findings}
    assert not outcome.passed and outcome.severity is Severity.WARN
    assert keys == {"expect_column_values_to_be_between:amount", "expect_column_values_to_be_between:discount"}


def test_a_suggested_suite_fails_on_a_new_category(suite_path):
    frame = clean_snapshot(33)
    frame.loc[10:12, "status"] = "refunded"
    outcome = validate_frame(frame, suite_path, "orders", "day-33", ["order_id"])
    (finding,) = outcome.findings
    assert finding.key == "expect_column_values_to_be_in_set:status"
    assert finding.details["sample_unexpected_values"] == [{"value": "refunded", "count": 3}]


def test_the_suggested_suite_loads_through_the_same_reader_as_hand_written_suites(suite_path, suggested):
    loaded = load_suite(suite_path)
    assert loaded.problems == () and len(loaded.expectations) == len(suggested["expectations"])


def test_rare_categories_get_no_value_set_because_unseen_values_are_likely():
    rng = np.random.default_rng(3)
    frames = []
    for day in range(4):
        city = rng.choice(["paris", "rome", "oslo"], 300).astype(object)
        city[:2] = [f"village-{day}-a", f"village-{day}-b"]  # one-offs: the long tail is open
        frames.append(pd.DataFrame({"city": city}))
    suite = suggest_suite(frames, "visits")
    assert "expect_column_values_to_be_in_set:city" not in by_key(suite)
    assert "seen only once" in suite["meta"]["dq_monitor"]["notes"]["city"]


def test_columns_present_in_only_some_snapshots_get_no_expectations():
    frames = [pd.DataFrame({"a": np.arange(50), "b": np.arange(50)}), pd.DataFrame({"a": np.arange(50)})]
    suite = suggest_suite(frames, "d")
    assert not any(e["kwargs"].get("column") == "b" for e in suite["expectations"])
    assert "only some snapshots" in suite["meta"]["dq_monitor"]["notes"]["b"]


def test_integer_columns_read_as_floats_because_of_nulls_also_accept_int64():
    frames = [pd.DataFrame({"n": [1.0, 2.0, np.nan, 4.0] * 10}) for _ in range(3)]
    types = by_key(suggest_suite(frames, "d"))["expect_column_values_to_be_in_type_list:n"]["kwargs"]["type_list"]
    assert types == ["float64", "int64"]


def test_no_snapshots_is_an_error_naming_the_dataset():
    with pytest.raises(ValueError, match="orders: no snapshots"):
        suggest_suite([], "orders")


@pytest.mark.parametrize("name, draw", [
    ("normal", lambda rng, n: rng.normal(100, 15, n)),
    ("lognormal", lambda rng, n: rng.lognormal(0, 1.2, n)),
    ("exponential", lambda rng, n: rng.exponential(5, n)),
    ("uniform", lambda rng, n: rng.uniform(-1, 1, n)),
    ("student_t3", lambda rng, n: rng.standard_t(3, n)),
])
def test_learned_ranges_rarely_flag_fresh_clean_snapshots_and_always_flag_gross_errors(name, draw):
    """Quality floor, no GX needed: 300 fresh clean snapshots against bounds learned from 5."""
    rng = np.random.default_rng(11)
    rows = 500
    history = np.concatenate([draw(rng, rows) for _ in range(5)])
    kwargs = numeric_range("x", history, False, rows, 0.01, 5)["kwargs"]
    lo, hi = kwargs["min_value"], kwargs["max_value"]
    false_alarms = 0
    for _ in range(300):
        fresh = draw(rng, rows)
        false_alarms += bool(fresh.min() < lo or fresh.max() > hi)
    assert false_alarms / 300 <= 0.04, (name, lo, hi, false_alarms)
    spread = np.quantile(history, 0.99) - np.quantile(history, 0.01)
    assert hi < np.median(history) + 1000 * spread and lo > np.median(history) - 1000 * spread


def test_on_real_bike_sharing_days_a_june_suite_passes_early_july_flags_a_storm_and_catches_planted_faults(tmp_path):
    """UCI bike sharing, hourly rows, one day = one snapshot: learn from June 2011, check July 1-7."""
    from dq_monitor_tests.support.paths import SHARED_DATASETS

    csv = SHARED_DATASETS / "bike_sharing" / "hour.csv"
    if not csv.is_file():
        pytest.skip(f"shared dataset not found at {csv}")
    hours = pd.read_csv(csv)
    days = {d: g.reset_index(drop=True) for d, g in hours.groupby("dteday", sort=False)}
    june = [days[f"6/{d}/11"] for d in range(1, 31)]
    path = write_suite(suggest_suite(june, "bike_hours", primary_key=["instant"]), tmp_path / "bike.json")

    notes = json.loads(path.read_text())["meta"]["dq_monitor"]["notes"]
    assert "rule of three" in notes["mnth"]  # June only: month is one value per day, never seen changing
    assert "snapshot attribute" in notes["weekday"]

    for date in ("7/1/11", "7/4/11"):  # 4 July is a holiday: holiday=1 never occurred in June
        outcome = validate_frame(days[date], path, "bike_hours", date, ["instant"])
        assert outcome.passed, (date, outcome.message)

    # 3 July 2011 had a real wind storm: the learned windspeed range flags it, and only that.
    storm = validate_frame(days["7/3/11"], path, "bike_hours", "7/3/11", ["instant"])
    assert not storm.passed and {f.key for f in storm.findings} == {"expect_column_values_to_be_between:windspeed"}

    day = days["7/1/11"]
    planted = day.assign(
        cnt=day["cnt"].astype(float).mask(day.index.isin([2, 9])),
        temp=day["temp"].where(day.index != 6, 3.5),
        weathersit=day["weathersit"].where(day.index != 8, 7),
    )
    outcome = validate_frame(planted, path, "bike_hours", "planted", ["instant"])
    assert not outcome.passed and outcome.severity is Severity.ERROR
    flagged = {c for f in outcome.findings if f.severity.rank > 0 for c in f.details.get("columns", [])}
    assert {"cnt", "temp", "weathersit"} <= flagged
    not_null = next(f for f in outcome.findings if f.key == "expect_column_values_to_not_be_null:cnt")
    assert [r["instant"] for r in not_null.details["sample_failing_rows"]] == day["instant"][[2, 9]].tolist()
