from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from dq_monitor.checks import (
    check_freshness,
    check_row_count_bounds,
    check_row_count_change,
    check_schema_contract,
    check_schema_unchanged,
    describe_columns,
    logical_type,
)
from dq_monitor.config import Freshness, SchemaContract, VolumeBounds
from dq_monitor.core.outcome import Severity

CONTRACT = SchemaContract.model_validate(
    {"columns": {"id": {"type": "int", "nullable": False}, "amount": "float", "country": "string"}}
)


def frame(**cols):
    return pd.DataFrame(cols)


def test_logical_types_cover_what_csv_readers_produce() -> None:
    assert logical_type(pd.Series([1, 2])) == "int"
    assert logical_type(pd.Series([1.0, np.nan])) == "int"  # an int column with nulls after CSV parsing
    assert logical_type(pd.Series([1.5, 2.0])) == "float"
    assert logical_type(pd.Series(["a", None])) == "string"
    assert logical_type(pd.Series([1, "a"], dtype=object)) == "mixed"
    assert logical_type(pd.Series(pd.to_datetime(["2026-01-01"]))) == "datetime"
    assert logical_type(pd.Series([True, False])) == "bool"


def test_a_conforming_frame_passes_the_contract() -> None:
    profile = describe_columns(frame(id=[1, 2], amount=[1.0, 2.5], country=["DE", "FR"]))
    outcome = check_schema_contract("orders", "s1", profile, CONTRACT)
    assert outcome.passed and not outcome.findings
    assert outcome.check == "orders_schema_matches_contract"


def test_missing_extra_retyped_and_null_columns_are_each_a_finding() -> None:
    profile = describe_columns(frame(id=[1, None, 3], amount=["x", "y", "z"], extra=[1, 2, 3]))
    outcome = check_schema_contract("orders", "s1", profile, CONTRACT)
    assert not outcome.passed and outcome.severity == Severity.ERROR
    problems = {(f.details["problem"], f.details["column"]) for f in outcome.findings}
    assert problems == {
        ("missing_column", "country"),
        ("extra_column", "extra"),
        ("type_changed", "amount"),
        ("unexpected_nulls", "id"),
    }
    assert all("orders/s1" in f.message for f in outcome.findings)
    assert outcome.metadata["missing_columns"] == ["country"]
    assert "| amount | float | string |" in outcome.metadata["columns"]


def test_a_learned_contract_is_used_when_the_config_has_none() -> None:
    learned = {"a": {"type": "int", "nullable": False}}
    outcome = check_schema_contract("d", "s2", describe_columns(frame(a=["x"])), None, learned)
    assert not outcome.passed and outcome.metadata["contract_source"] == "learned from the first snapshot"
    first = check_schema_contract("d", "s1", describe_columns(frame(a=[1])), None, None)
    assert first.passed


def test_schema_changes_since_the_previous_snapshot_warn() -> None:
    before = describe_columns(frame(a=[1], b=["x"], c=[1.0]))
    after = describe_columns(frame(a=["1"], c=[2.0], d=[True]))
    outcome = check_schema_unchanged("d", "s2", after, before, "s1")
    assert not outcome.passed and outcome.severity == Severity.WARN
    assert {f.key for f in outcome.findings} == {"removed:b", "added:d", "type:a"}
    assert check_schema_unchanged("d", "s2", before, before, "s1").passed
    assert check_schema_unchanged("d", "s1", before, None, None).passed


def test_row_count_bounds_fail_below_and_above() -> None:
    bounds = VolumeBounds(min_rows=10, max_rows=20)
    assert check_row_count_bounds("d", "s", 15, bounds).passed
    low = check_row_count_bounds("d", "s", 3, bounds)
    high = check_row_count_bounds("d", "s", 30, bounds)
    assert not low.passed and "below the minimum of 10" in low.message
    assert not high.passed and "above the maximum of 20" in high.message
    assert low.findings[0].details == {"problem": "row_count_out_of_bounds", "observed": 3, "min_rows": 10,
                                       "max_rows": 20}


def test_row_count_change_is_judged_against_the_previous_snapshot() -> None:
    ok = check_row_count_change("d", "s2", 110, 100, "s1", 20)
    bad = check_row_count_change("d", "s2", 50, 100, "s1", 20, Severity.ERROR)
    assert ok.passed and ok.metadata["change_pct"] == 10.0
    assert not bad.passed and bad.severity == Severity.ERROR and bad.findings[0].details["change_pct"] == -50.0
    assert check_row_count_change("d", "s1", 50, None, None, 20).passed


def test_freshness_uses_the_newest_record_relative_to_the_snapshot_time() -> None:
    spec = Freshness(max_age="6h")
    snap = datetime(2026, 3, 2, tzinfo=timezone.utc)
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    fresh = check_freshness("d", "s", spec, snapshot_time=snap, max_timestamp=snap - timedelta(minutes=5), now=now,
                            timestamp_column="ts")
    stale = check_freshness("d", "s", spec, snapshot_time=snap, max_timestamp=snap - timedelta(hours=30), now=now,
                            timestamp_column="ts")
    assert fresh.passed and fresh.metrics["freshness_lag_seconds"] == 300
    assert not stale.passed and "1.2d" in stale.message and stale.findings[0].details["lag_seconds"] == 108000
    empty = check_freshness("d", "s", spec, snapshot_time=snap, max_timestamp=None, now=now, timestamp_column="ts")
    assert not empty.passed and "no valid timestamps" in empty.message


def test_snapshot_age_freshness_compares_with_now() -> None:
    spec = Freshness(max_age="1d", based_on="snapshot")
    now = datetime(2026, 3, 5, tzinfo=timezone.utc)
    old = check_freshness("d", "s", spec, snapshot_time=now - timedelta(days=3), max_timestamp=None, now=now,
                          timestamp_column=None)
    assert not old.passed and "snapshot age" in old.message
