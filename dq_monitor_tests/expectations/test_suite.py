"""Suite files and the `expectations:` config section: loading, problems, writing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dq_monitor.config import ConfigError
from dq_monitor.core.outcome import Severity
from dq_monitor.expectations import (
    ExpectationsSpec,
    check_name,
    default_suite_path,
    load_suite,
    parse_expectations_spec,
    write_suite,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def _write(path: Path, doc) -> Path:
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def test_the_check_is_named_as_an_assertion_about_the_dataset():
    assert check_name("orders") == "orders_passes_expectation_suite"


def test_the_default_suite_is_expectations_slash_dataset_json_next_to_the_config(tmp_path):
    assert default_suite_path("orders", tmp_path) == tmp_path / "expectations" / "orders.json"
    assert ExpectationsSpec().suite_path("orders", tmp_path) == tmp_path / "expectations" / "orders.json"


def test_a_relative_suite_path_resolves_against_the_config_folder_and_an_absolute_one_is_kept(tmp_path):
    assert ExpectationsSpec(suite="suites/o.json").suite_path("orders", tmp_path) == tmp_path / "suites" / "o.json"
    absolute = tmp_path / "elsewhere" / "o.json"
    assert ExpectationsSpec(suite=str(absolute)).suite_path("orders", tmp_path / "cfg") == absolute


def test_spec_defaults_are_non_blocking_with_twenty_evidence_rows():
    spec = parse_expectations_spec(None, "orders")
    assert (spec.suite, spec.blocking, spec.sample_size) == (None, False, 20)
    assert parse_expectations_spec({"blocking": True, "sample_size": 5}, "orders").blocking is True


def test_unknown_keys_and_bad_values_in_the_section_are_config_errors_naming_dataset_and_field():
    with pytest.raises(ConfigError) as err:
        parse_expectations_spec({"suit": "x.json"}, "orders")
    assert "dataset 'orders'" in str(err.value) and "expectations.suit" in str(err.value)
    assert "unknown key" in str(err.value)
    with pytest.raises(ConfigError, match="expectations.sample_size"):
        parse_expectations_spec({"sample_size": 0}, "orders")


def test_a_suite_serialised_by_gx_itself_loads_with_every_expectation_and_its_severity(tmp_path):
    import great_expectations as gx

    suite = gx.ExpectationSuite(name="orders", expectations=[
        gx.expectations.ExpectColumnValuesToNotBeNull(column="id"),
        gx.expectations.ExpectColumnValuesToBeBetween(column="amount", min_value=0, max_value=10,
                                                       severity="warning"),
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1, severity="info"),
    ])
    path = _write(tmp_path / "orders.json", suite.to_json_dict())
    loaded = load_suite(path)
    assert loaded.problems == ()
    assert loaded.name == "orders"
    assert [(e.key, e.severity) for e in loaded.expectations] == [
        ("expect_column_values_to_not_be_null:id", Severity.ERROR),
        ("expect_column_values_to_be_between:amount", Severity.WARN),
        ("expect_table_row_count_to_be_between", Severity.INFO),
    ]


def test_bad_expectations_become_problems_naming_file_and_position_and_the_rest_still_load(tmp_path):
    path = _write(tmp_path / "s.json", {"name": "s", "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}},
        {"type": "expect_column_values_to_be_purple", "kwargs": {"column": "a"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"colum": "a", "min_value": 1}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "b"}, "severity": "urgent"},
        "expect_column_to_exist",
        {"kwargs": {"column": "a"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "c"}, "colour": "red"},
    ]})
    loaded = load_suite(path)
    assert [e.key for e in loaded.expectations] == ["expect_column_values_to_not_be_null:a"]
    described = [p.describe() for p in loaded.problems]
    assert all(text.startswith(str(path)) for text in described)
    assert "expectation #2 expect_column_values_to_be_purple: unknown expectation type" in described[0]
    assert "expectation #3 expect_column_values_to_be_between: invalid configuration" in described[1]
    assert "column: field required" in described[1] and "colum" in described[1]
    assert "expectation #4" in described[2] and "invalid severity 'urgent'" in described[2]
    assert "expectation #5: each expectation must be a JSON object" in described[3]
    assert "expectation #6: missing 'type'" in described[4]
    assert "expectation #7" in described[5] and "unknown key(s) 'colour'" in described[5]


@pytest.mark.parametrize("content, expected", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ('{"name": "s", "expectations": {"type": "x"}}', "'expectations' must be a list"),
])
def test_a_file_that_is_not_a_suite_is_one_problem_naming_the_file(tmp_path, content, expected):
    path = _write(tmp_path / "bad.json", content)
    loaded = load_suite(path)
    assert loaded.expectations == ()
    assert len(loaded.problems) == 1 and expected in loaded.problems[0].describe()
    assert str(path) in loaded.problems[0].describe()


def test_a_missing_suite_file_is_a_problem_that_says_how_to_create_one(tmp_path):
    loaded = load_suite(tmp_path / "nope.json")
    assert loaded.problems[0].key == "suite_missing"
    assert "not found" in loaded.problems[0].message and "suggest-expectations" in loaded.problems[0].message


def test_the_gx_0x_spelling_of_a_suite_is_accepted(tmp_path):
    path = _write(tmp_path / "old.json", {"expectation_suite_name": "legacy", "expectations": [
        {"expectation_type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}, "meta": {}}]})
    loaded = load_suite(path)
    assert loaded.name == "legacy" and loaded.problems == ()
    assert loaded.expectations[0].type == "expect_column_values_to_not_be_null"


def test_repeated_expectations_get_distinct_stable_ids(tmp_path):
    exp = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}}
    pair = {"type": "expect_column_pair_values_a_to_be_greater_than_b", "kwargs": {"column_A": "a", "column_B": "b"}}
    loaded = load_suite(_write(tmp_path / "s.json", {"name": "s", "expectations": [exp, exp, pair]}))
    assert [e.key for e in loaded.expectations] == [
        "expect_column_values_to_not_be_null:a",
        "expect_column_values_to_not_be_null:a#2",
        "expect_column_pair_values_a_to_be_greater_than_b:a,b",
    ]


def test_write_suite_produces_identical_sorted_json_that_loads_back(tmp_path):
    suite = {"name": "s", "meta": {"z": 1, "a": 2}, "expectations": [
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"value_set": ["b", "a"], "column": "c"},
         "meta": {"reason": "r"}, "severity": "warning"}]}
    first = write_suite(suite, tmp_path / "deep" / "s.json").read_bytes()
    second = write_suite(suite, tmp_path / "deep" / "s.json").read_bytes()
    assert first == second and first.endswith(b"\n")
    text = first.decode()
    assert text.index('"a": 2') < text.index('"z": 1')
    loaded = load_suite(tmp_path / "deep" / "s.json")
    assert loaded.problems == () and loaded.expectations[0].gx_severity == "warning"


def test_write_suite_refuses_nan_which_json_readers_reject(tmp_path):
    with pytest.raises(ValueError):
        write_suite({"name": "s", "expectations": [], "meta": {"x": float("nan")}}, tmp_path / "s.json")


def test_the_suites_shipped_in_the_expectations_folder_load_without_problems():
    shipped = sorted((REPO_ROOT / "expectations").glob("*.json"))
    if not shipped:
        pytest.skip("no suites shipped in expectations/ yet")
    for path in shipped:
        loaded = load_suite(path)
        assert loaded.problems == (), [p.describe() for p in loaded.problems]
        assert loaded.expectations, f"{path} has no expectations"


def test_the_expectations_package_never_imports_dagster():
    code = ("import sys, dq_monitor.expectations as e, pandas as pd\n"
            "assert 'dagster' not in sys.modules, 'dagster imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)
