"""`validate_frame`: real Great Expectations on real frames, evidence, severities, bad suites."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dq_monitor.core.outcome import Severity
from dq_monitor.expectations import gx_runtime, validate_frame


def orders(rows: int = 60) -> pd.DataFrame:
    """A small orders frame whose index is NOT the primary key, so key lookups are really tested."""
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "order_id": np.arange(5000, 5000 + rows) * 3,
        "region": ["eu", "us"] * (rows // 2),
        "amount": rng.uniform(10, 100, rows).round(2),
        "status": rng.choice(["new", "paid", "shipped"], rows),
    })
    frame.index = np.arange(rows) * 10 + 1000
    return frame


def suite_file(tmp_path: Path, expectations: list[dict], name: str = "orders") -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"name": name, "expectations": expectations, "meta": {}}), encoding="utf-8")
    return path


NOT_NULL = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "amount"}}
AMOUNT_RANGE = {"type": "expect_column_values_to_be_between",
                "kwargs": {"column": "amount", "min_value": 0, "max_value": 1000}, "severity": "warning"}
STATUS_SET = {"type": "expect_column_values_to_be_in_set",
              "kwargs": {"column": "status", "value_set": ["new", "paid", "shipped"]}, "severity": "info",
              "meta": {"reason": "the order lifecycle"}}


def test_a_clean_frame_passes_and_records_success_and_unexpected_percent_per_expectation(tmp_path):
    path = suite_file(tmp_path, [NOT_NULL, AMOUNT_RANGE, STATUS_SET,
                                 {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 10}}])
    outcome = validate_frame(orders(), path, "orders", "2024-01-01", ["order_id"])
    assert outcome.passed and outcome.findings == ()
    assert outcome.check == "orders_passes_expectation_suite"
    assert outcome.metrics["gx_success:expect_column_values_to_not_be_null:amount"] == 1.0
    assert outcome.metrics["gx_unexpected_percent:expect_column_values_to_be_between:amount"] == 0.0
    assert outcome.metrics["gx_success:expect_table_row_count_to_be_between"] == 1.0
    assert outcome.metrics["gx_success_percent"] == 100.0
    assert outcome.metadata["expectations_evaluated"] == 4 and outcome.metadata["expectations_failed"] == 0


def test_a_failed_expectation_carries_its_evidence_including_the_primary_keys_of_failing_rows(tmp_path):
    frame = orders()
    bad_positions = [3, 17, 41]
    frame.iloc[bad_positions, frame.columns.get_loc("amount")] = [1500.0, -2.0, 2500.0]
    expected_keys = frame["order_id"].iloc[bad_positions].tolist()
    path = suite_file(tmp_path, [AMOUNT_RANGE])

    outcome = validate_frame(frame, path, "orders", "snap-1", ["order_id"])

    assert not outcome.passed and outcome.severity is Severity.WARN
    (finding,) = outcome.findings
    d = finding.details
    assert finding.key == "expect_column_values_to_be_between:amount"
    assert (finding.dataset, finding.snapshot, finding.check) == ("orders", "snap-1", outcome.check)
    assert d["expectation_type"] == "expect_column_values_to_be_between" and d["column"] == "amount"
    assert d["kwargs"] == {"column": "amount", "min_value": 0, "max_value": 1000}
    assert d["unexpected_count"] == 3 and d["element_count"] == 60
    assert d["unexpected_percent"] == pytest.approx(5.0)
    assert sorted(v["value"] for v in d["sample_unexpected_values"]) == [-2.0, 1500.0, 2500.0]
    assert d["primary_key"] == ["order_id"]
    assert [r["order_id"] for r in d["sample_failing_rows"]] == expected_keys
    assert [r["amount"] for r in d["sample_failing_rows"]] == [1500.0, -2.0, 2500.0]
    assert d["suite_file"] == str(path) and d["gx_severity"] == "warning"
    assert str(expected_keys[0]) in finding.message and "3 of 60 rows" in finding.message
    assert outcome.metrics["gx_success:expect_column_values_to_be_between:amount"] == 0.0
    assert outcome.metrics["gx_unexpected_percent:expect_column_values_to_be_between:amount"] == pytest.approx(5.0)
    table = outcome.metadata["failed_expectations"]
    assert table.startswith("| expectation | column | severity |")
    assert f"order_id={expected_keys[0]}" in table and "| WARN |" in table


def test_evidence_is_limited_to_the_configured_sample_size(tmp_path):
    frame = orders()
    frame.loc[:, "amount"] = 5000.0
    outcome = validate_frame(frame, suite_file(tmp_path, [AMOUNT_RANGE]), "orders", "s", ["order_id"],
                             sample_size=5)
    d = outcome.findings[0].details
    assert d["unexpected_count"] == 60
    assert [r["order_id"] for r in d["sample_failing_rows"]] == frame["order_id"].iloc[:5].tolist()


def test_primary_keys_are_right_even_when_the_frame_index_has_duplicates(tmp_path):
    frame = orders()
    frame.index = [0] * len(frame)  # e.g. concatenated files without ignore_index
    frame.iloc[[5, 6], frame.columns.get_loc("amount")] = np.nan
    outcome = validate_frame(frame, suite_file(tmp_path, [NOT_NULL]), "orders", "s", ["order_id"])
    rows = outcome.findings[0].details["sample_failing_rows"]
    assert [r["order_id"] for r in rows] == frame["order_id"].iloc[[5, 6]].tolist()
    assert all(r["amount"] is None for r in rows)


def test_a_composite_primary_key_is_reported_column_by_column(tmp_path):
    frame = orders()
    frame.iloc[9, frame.columns.get_loc("status")] = "lost"
    outcome = validate_frame(frame, suite_file(tmp_path, [STATUS_SET]), "orders", "s", ["region", "order_id"])
    (row,) = outcome.findings[0].details["sample_failing_rows"]
    assert row == {"region": frame["region"].iloc[9], "order_id": int(frame["order_id"].iloc[9]), "status": "lost"}


def test_severity_follows_gx_critical_error_warning_warn_info_recorded_only(tmp_path):
    frame = orders()
    frame.iloc[0, frame.columns.get_loc("status")] = "lost"      # info expectation fails
    only_info = validate_frame(frame, suite_file(tmp_path, [STATUS_SET]), "orders", "s", ["order_id"])
    assert only_info.passed, "info failures are recorded, they do not fail the check"
    assert [f.severity for f in only_info.findings] == [Severity.INFO]
    assert "recorded only" in only_info.message

    frame.iloc[1, frame.columns.get_loc("amount")] = 5000.0      # warning expectation fails
    with_warning = validate_frame(frame, suite_file(tmp_path, [STATUS_SET, AMOUNT_RANGE]), "orders", "s")
    assert not with_warning.passed and with_warning.severity is Severity.WARN

    frame.iloc[2, frame.columns.get_loc("amount")] = np.nan       # critical (default) expectation fails
    everything = validate_frame(frame, suite_file(tmp_path, [STATUS_SET, AMOUNT_RANGE, NOT_NULL]), "orders", "s")
    assert not everything.passed and everything.severity is Severity.ERROR
    assert sorted(f.severity.value for f in everything.findings) == ["ERROR", "INFO", "WARN"]


def test_an_aggregate_expectation_reports_its_observed_value(tmp_path):
    path = suite_file(tmp_path, [
        {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "amount", "max_value": 1}},
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 100}, "severity": "warning"},
    ])
    frame = orders()
    outcome = validate_frame(frame, path, "orders", "s", ["order_id"])
    by_key = {f.key: f.details for f in outcome.findings}
    assert by_key["expect_column_mean_to_be_between:amount"]["observed_value"] == pytest.approx(
        frame["amount"].mean())
    assert by_key["expect_table_row_count_to_be_between"]["observed_value"] == 60
    assert "observed 60" in outcome.findings[1].message or "observed 60" in outcome.findings[0].message


def test_uniqueness_failures_name_every_duplicated_key(tmp_path):
    frame = orders()
    frame.iloc[10, frame.columns.get_loc("order_id")] = frame["order_id"].iloc[20]
    path = suite_file(tmp_path, [{"type": "expect_column_values_to_be_unique", "kwargs": {"column": "order_id"}}])
    outcome = validate_frame(frame.reset_index(drop=True), path, "orders", "s", ["order_id"])
    d = outcome.findings[0].details
    assert d["unexpected_count"] == 2
    assert {r["order_id"] for r in d["sample_failing_rows"]} == {int(frame["order_id"].iloc[20])}


def test_a_missing_suite_file_is_one_error_finding_naming_the_file(tmp_path):
    missing = tmp_path / "expectations" / "orders.json"
    outcome = validate_frame(orders(), missing, "orders", "s", ["order_id"])
    assert not outcome.passed and outcome.severity is Severity.ERROR
    (finding,) = outcome.findings
    assert finding.key == "suite_missing" and str(missing) in finding.message
    assert "suite_file" in finding.details and outcome.metadata["suite_problems"] == 1


def test_invalid_json_is_one_error_finding_naming_the_file(tmp_path):
    path = tmp_path / "orders.json"
    path.write_text('{"name": "orders", "expectations": [', encoding="utf-8")
    outcome = validate_frame(orders(), path, "orders", "s")
    assert not outcome.passed and outcome.severity is Severity.ERROR
    assert "not valid JSON" in outcome.findings[0].message and str(path) in outcome.findings[0].message


def test_unknown_types_and_missing_columns_are_errors_while_the_valid_expectations_still_run(tmp_path):
    frame = orders()
    frame.iloc[4, frame.columns.get_loc("amount")] = 4000.0
    path = suite_file(tmp_path, [
        {"type": "expect_column_values_to_be_sparkly", "kwargs": {"column": "amount"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "discount"}},
        AMOUNT_RANGE,
        NOT_NULL,
    ])
    outcome = validate_frame(frame, path, "orders", "s", ["order_id"])
    assert not outcome.passed and outcome.severity is Severity.ERROR
    by_key = {f.key: f for f in outcome.findings}
    unknown = by_key["invalid#1"]
    assert unknown.severity is Severity.ERROR
    assert str(path) in unknown.message and "expect_column_values_to_be_sparkly" in unknown.message
    missing = by_key["expect_column_values_to_not_be_null:discount"]
    assert missing.severity is Severity.ERROR and missing.details["missing_columns"] == ["discount"]
    assert "expectation #2" in missing.message and "'discount' not in the snapshot" in missing.message
    evaluated = by_key["expect_column_values_to_be_between:amount"]
    assert evaluated.severity is Severity.WARN and evaluated.details["unexpected_count"] == 1
    assert outcome.metrics["gx_success:expect_column_values_to_not_be_null:amount"] == 1.0
    assert outcome.metadata["suite_problems"] == 2 and outcome.metadata["expectations_failed"] == 1


def test_expect_column_to_exist_on_an_absent_column_is_an_ordinary_failure(tmp_path):
    path = suite_file(tmp_path, [{"type": "expect_column_to_exist", "kwargs": {"column": "discount"},
                                  "severity": "warning"}])
    outcome = validate_frame(orders(), path, "orders", "s")
    (finding,) = outcome.findings
    assert finding.severity is Severity.WARN and finding.details["expectation_type"] == "expect_column_to_exist"
    assert outcome.metadata["suite_problems"] == 0


def test_without_a_primary_key_failing_rows_are_identified_by_their_frame_label(tmp_path):
    frame = orders()
    frame.iloc[7, frame.columns.get_loc("amount")] = np.nan
    outcome = validate_frame(frame, suite_file(tmp_path, [NOT_NULL]), "orders", "s", ["order_no"])
    d = outcome.findings[0].details
    assert d["sample_failing_rows"] == [{"_row": int(frame.index[7]), "amount": None}]
    assert d["primary_key_missing"] == ["order_no"] and outcome.metadata["primary_key_missing"] == "order_no"


def test_findings_are_plain_json_even_with_nan_timestamps_and_numpy_values(tmp_path):
    frame = orders()
    frame["ts"] = pd.Timestamp("2024-05-01") + pd.to_timedelta(np.arange(len(frame)), unit="h")
    frame.iloc[3, frame.columns.get_loc("ts")] = pd.NaT
    frame.iloc[4, frame.columns.get_loc("amount")] = np.nan
    path = suite_file(tmp_path, [NOT_NULL, {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "ts"}},
                                 {"type": "expect_column_max_to_be_between",
                                  "kwargs": {"column": "amount", "max_value": 1}}])
    outcome = validate_frame(frame, path, "orders", "s", ["order_id"])
    assert len(outcome.findings) == 3
    for finding in outcome.findings:
        json.dumps(finding.to_dict(), allow_nan=False)
    json.dumps(outcome.metadata, allow_nan=False)


def test_the_gx_context_is_built_once_per_process_and_reused():
    assert gx_runtime() is gx_runtime()
    assert gx_runtime().context.progress_bars.globally is False


def test_check_expectations_uses_the_dataset_spec_and_names_the_suite_relative_to_the_config(tmp_path):
    from dq_monitor.expectations import ExpectationsSpec, check_expectations

    (tmp_path / "expectations").mkdir()
    suite_file(tmp_path / "expectations", [AMOUNT_RANGE])
    frame = orders()
    frame.loc[:, "amount"] = 5000.0
    outcome = check_expectations(frame, "orders", "s", ExpectationsSpec(sample_size=2), tmp_path, ["order_id"])
    (finding,) = outcome.findings
    assert finding.details["suite_file"] == "expectations/orders.json"
    assert len(finding.details["sample_failing_rows"]) == 2

    missing = check_expectations(frame, "payments", "s", ExpectationsSpec(), tmp_path)
    assert "expectations/payments.json: suite file not found" in missing.findings[0].message


def test_expectations_gx_cannot_evaluate_are_errors_and_do_not_stop_the_others(tmp_path):
    path = suite_file(tmp_path, [
        # GX refuses the whole suite when a suite parameter has no value: isolated, the rest still runs
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "amount",
                                                                  "min_value": {"$PARAMETER": "floor"}}},
        # GX evaluates but raises inside the expectation: numbers compared with a string column
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "status", "min_value": 1}},
        NOT_NULL,
    ])
    outcome = validate_frame(orders(), path, "orders", "s", ["order_id"])
    assert not outcome.passed and outcome.severity is Severity.ERROR
    by_key = {f.key: f for f in outcome.findings}
    parameter = by_key["expect_column_values_to_be_between:amount"]
    assert "expectation #1" in parameter.message and "$PARAMETER floor" in parameter.message
    raised = by_key["expect_column_values_to_be_between:status"]
    assert "expectation #2" in raised.message and "Great Expectations raised" in raised.message
    assert outcome.metrics["gx_success:expect_column_values_to_not_be_null:amount"] == 1.0
    assert outcome.metadata["suite_problems"] == 2
