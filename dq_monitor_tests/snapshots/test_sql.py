"""SQL sources on real databases (Postgres, SQLite, DuckDB): buckets, schema, pushdown profile, sample.

The table is the bike-sharing hours (one row per hour, `ts` = dteday + hr), partitioned by day.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from dq_monitor.checks import (
    check_row_count_bounds,
    check_schema_contract,
    check_schema_unchanged,
)
from dq_monitor.checks.spec import SchemaContract, VolumeBounds
from dq_monitor.snapshots.sql_discover import discover_sql, sql_ref
from dq_monitor.snapshots.sql_read import read_sql_snapshot
from dq_monitor_tests.snapshots.sql_tables import (
    bike,
    bike_hours,
    execute,
    write_table,
)

MIN_ROWS = 20


@pytest.fixture(scope="module")
def hours() -> pd.DataFrame:
    return bike_hours()


def read(ds: SimpleNamespace, day: str):
    return read_sql_snapshot(ds, sql_ref(ds.name, ds.source, day))


def test_days_with_fewer_than_20_rows_are_the_volume_findings_and_no_other_day_is(
        bike_url: str, hours: pd.DataFrame) -> None:
    per_day = hours.groupby(hours["ts"].dt.strftime("%Y-%m-%d")).size()
    short = set(per_day[per_day < MIN_ROWS].index)
    assert len(short) == 8
    ds = bike()
    snapshots = discover_sql(ds)
    assert [s.ref.snapshot_id for s in snapshots] == list(per_day.index)
    assert snapshots[0].ref.snapshot_time.isoformat() == "2011-01-01T00:00:00+00:00"
    bounds = VolumeBounds(min_rows=MIN_ROWS)
    failed = {s.ref.snapshot_id for s in snapshots
              if not check_row_count_bounds("bike", s.ref.snapshot_id, s.row_count, bounds).passed}
    assert failed == short
    for day in sorted(short)[:3] + ["2011-01-01"]:  # the exact pushdown count agrees with discovery
        assert read(ds, day).row_count == per_day[day]


def test_the_pushdown_profile_has_the_metric_keys_and_values_of_the_frame_profile(
        bike_url: str, hours: pd.DataFrame) -> None:
    from dq_monitor.history import profile

    day = hours[hours["ts"].dt.strftime("%Y-%m-%d") == "2011-02-19"].reset_index(drop=True)
    expected = profile(day.assign(ts=day["ts"].dt.tz_localize("UTC")), timestamp_column="ts",
                       snapshot_time=pd.Timestamp("2011-02-20", tz="UTC"))  # a closed bucket lags behind its end
    got = read(bike(), "2011-02-19")
    assert got.metrics["freshness_lag_seconds"] == 3600  # the last row is the 23:00 hour
    assert set(got.metrics) == set(expected)
    for key, value in expected.items():
        assert got.metrics[key] == pytest.approx(value, rel=1e-9, nan_ok=True), key
    assert got.row_count == 24 and got.newest == pd.Timestamp("2011-02-19 23:00").to_pydatetime()
    assert got.columns["temp"] == {"type": "float", "dtype": got.columns["temp"]["dtype"], "nullable": True,
                                   "null_count": 0}
    assert got.columns["ts"]["type"] == "datetime" and got.columns["cnt"]["type"] == "int"
    if bike_url.startswith("sqlite"):
        assert any("quantiles" in n and "from the sample" in n for n in got.notes)


def test_a_dropped_column_is_a_schema_finding_without_reading_rows(bike_url: str) -> None:
    ds = bike()
    before = read(ds, "2011-01-02").columns
    execute(bike_url, "ALTER TABLE hour DROP COLUMN windspeed")
    after = read(ds, "2011-01-03").columns
    outcome = check_schema_unchanged("bike", "2011-01-03", after, before, "2011-01-02")
    assert not outcome.passed
    assert [f.details["problem"] for f in outcome.findings] == ["column_removed"]
    assert outcome.findings[0].details["column"] == "windspeed"


def test_rows_inserted_late_into_a_checked_day_change_its_data_version_and_verdict(
        bike_url: str, hours: pd.DataFrame) -> None:
    ds = bike()
    bounds = VolumeBounds(min_rows=MIN_ROWS)
    before = {s.ref.snapshot_id: s for s in discover_sql(ds)}["2011-01-27"]
    assert before.row_count == 8
    assert not check_row_count_bounds("bike", "2011-01-27", read(ds, "2011-01-27").row_count, bounds).passed
    late = hours[hours["ts"].dt.strftime("%Y-%m-%d") == "2011-01-28"].head(16).copy()
    late["ts"] = late["ts"] - pd.Timedelta(days=1)
    late["instant"] = late["instant"] + 100_000
    write_table(bike_url, "hour", late, append=True)
    after = {s.ref.snapshot_id: s for s in discover_sql(ds)}["2011-01-27"]
    assert after.row_count == 24 and after.data_version != before.data_version
    assert check_row_count_bounds("bike", "2011-01-27", read(ds, "2011-01-27").row_count, bounds).passed


def test_nulls_injected_into_one_day_are_a_null_rate_and_contract_finding_on_that_day_only(
        bike_url: str, hours: pd.DataFrame) -> None:
    ds = bike()
    day = hours[hours["ts"].dt.strftime("%Y-%m-%d") == "2011-03-10"]
    execute(bike_url, "UPDATE hour SET hum = NULL WHERE instant % 3 = 0 AND ts >= :lo AND ts < :hi",
            lo=pd.Timestamp("2011-03-10").to_pydatetime(), hi=pd.Timestamp("2011-03-11").to_pydatetime())
    hit, other = read(ds, "2011-03-10"), read(ds, "2011-03-11")
    assert hit.metrics["null_rate:hum"] == pytest.approx(hit.columns["hum"]["null_count"] / hit.row_count)
    assert hit.columns["hum"]["null_count"] == int((day["instant"] % 3 == 0).sum()) > 0 and other.metrics["null_rate:hum"] == 0
    contract = SchemaContract(columns={"hum": {"type": "float", "nullable": False}}, allow_extra_columns=True)
    outcome = check_schema_contract("bike", "2011-03-10", hit.columns, contract)
    assert [f.details["problem"] for f in outcome.findings] == ["unexpected_nulls"]
    assert check_schema_contract("bike", "2011-03-11", other.columns, contract).passed


def test_the_sample_is_bounded_seeded_and_marked_as_sampled(bike_url: str) -> None:
    ds = bike(profile_sample_rows=5, sample_seed=7)
    first, again = read(ds, "2011-01-05"), read(ds, "2011-01-05")
    assert len(first.frame) == 5 and first.sampled and first.row_count > 5
    assert first.frame["instant"].tolist() == again.frame["instant"].tolist()
    other_seed = read(bike(profile_sample_rows=5, sample_seed=8), "2011-01-05")
    assert sorted(other_seed.frame["instant"]) != sorted(first.frame["instant"])
    assert str(first.frame["ts"].dtype) == "datetime64[ns, UTC]"
    whole = read(bike(), "2011-01-05")
    assert not whole.sampled and len(whole.frame) == whole.row_count


def test_a_full_snapshot_is_one_snapshot_of_the_whole_table(bike_url: str, hours: pd.DataFrame) -> None:
    ds = bike(partition_by=None, snapshot="full", profile_sample_rows=200)
    when = pd.Timestamp("2026-01-02 03:04:05", tz="UTC").to_pydatetime()
    (snap,) = discover_sql(ds, now=when)
    assert snap.ref.snapshot_id == "2026-01-02T030405" and snap.row_count == len(hours)
    got = read_sql_snapshot(ds, snap.ref)
    assert got.row_count == len(hours) and len(got.frame) == 200 and got.sampled
    assert got.metrics["max:cnt"] == hours["cnt"].max()


def test_quantiles_and_distinct_counts_come_from_the_database_or_the_sample_as_the_dialect_decides(
        bike_url: str, hours: pd.DataFrame) -> None:
    got = read(bike(profile_sample_rows=10), "2011-06-01")  # 24 rows: sampled
    day = hours[hours["ts"].dt.strftime("%Y-%m-%d") == "2011-06-01"]
    exact = float(np.percentile(day["cnt"], 50))
    if bike_url.startswith("duckdb"):  # quantile_cont in the database: exact although the sample is 10 rows
        assert got.metrics["p50:cnt"] == pytest.approx(exact)
    else:  # from the 10-row sample, and said so
        assert got.metrics["p50:cnt"] == pytest.approx(float(np.percentile(got.frame["cnt"], 50)))
        assert any("quantiles" in n and "from the sample" in n and "estimated" in n for n in got.notes)
    # exact in the database (SQLite, DuckDB) or Duj1 from the sample (Postgres): all-distinct and constant
    # sampled columns give the same answer either way
    assert got.metrics["distinct_count:instant"] == got.metrics["distinct_count:hr"] == 24
    assert got.metrics["distinct_count:season"] == 1
    whole = read(bike(), "2011-06-01")  # the bucket fits in the sample: every metric is exact
    expected = {"p50:cnt": exact, "distinct_count:cnt": day["cnt"].nunique(), "p95:temp": np.percentile(day["temp"], 95)}
    assert {k: whole.metrics[k] for k in expected} == pytest.approx(expected)


def test_duj1_estimates_distinct_counts_from_a_uniform_sample() -> None:
    from dq_monitor.snapshots.sql_estimate import duj1

    rng = np.random.default_rng(0)
    # (heavy-tailed columns, e.g. Zipf 1.5, are underestimated several-fold: a limit of any sample-based estimate)
    for values in (np.arange(300_000), rng.integers(0, 50, 300_000), rng.integers(0, 100_000, 300_000),
                   rng.normal(0, 1, 300_000).round(2)):
        sample = pd.Series(rng.choice(values, 10_000, replace=False))
        truth = len(np.unique(values))
        assert duj1(sample.value_counts(), len(values)) == pytest.approx(truth, rel=0.35), truth
    assert duj1(pd.Series([3, 2]), 5) == 2  # the sample is the whole column: exact


def test_nulls_injected_into_one_day_fail_the_adaptive_null_rate_monitor_on_that_day(bike_url: str) -> None:
    from dq_monitor.history import MonitorSpec, evaluate_latest, monitor_outcome
    from dq_monitor.snapshots.sql_read import read_sql_snapshots

    execute(bike_url, "UPDATE hour SET hum = NULL WHERE instant % 3 = 0 AND ts >= :lo AND ts < :hi",
            lo=pd.Timestamp("2011-03-10").to_pydatetime(), hi=pd.Timestamp("2011-03-11").to_pydatetime())
    ds = bike(profile_sample_rows=10)  # null rates are exact counts in the database, whatever the sample
    days = [f"2011-03-{d:02d}" for d in range(1, 11)]
    reads = read_sql_snapshots(ds, [sql_ref("bike", ds.source, d) for d in days])
    series = pd.Series([r.metrics["null_rate:hum"] for r in reads], index=pd.to_datetime(days), name="null_rate:hum")
    assert (series.iloc[:-1] == 0).all() and series.iloc[-1] > 0.3
    spec = MonitorSpec(metric="null_rate", column="hum")
    hit = monitor_outcome("bike", evaluate_latest(series, spec), "2011-03-10")
    assert not hit.passed and [f.snapshot for f in hit.findings] == ["2011-03-10"]
    assert monitor_outcome("bike", evaluate_latest(series, spec, as_of=days[-2]), days[-2]).passed
