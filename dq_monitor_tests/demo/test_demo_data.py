"""The demo data: files, config, suites and ground truth agree with each other and with the data."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from dq_monitor.config import load_config
from dq_monitor.demo import (
    ALERTS,
    FAULTS,
    MIN_DAYS,
    SUPPORTED_FAULTS,
    generate_snapshot,
    ground_truth,
    load_ground_truth,
    read_snapshot,
    write_demo,
    write_snapshot,
)
from dq_monitor.demo import payments as payments_gen
from dq_monitor.demo import web_traffic as web_gen
from dq_monitor.demo.plan import fault_on, snapshot_id, snapshot_time

START = date(2026, 3, 1)
DAYS = 16
DATASETS = ("payments", "sensors", "web_traffic")
CHECK_SUFFIXES = {
    "schema_matches_contract", "schema_unchanged", "row_count_in_bounds", "row_count_change_is_normal",
    "is_fresh", "passes_expectation_suite", "has_no_dataset_drift", "anomaly_rate_is_normal",
    "row_count_is_normal",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return write_demo(tmp_path_factory.mktemp("demo"), days=DAYS, seed=7, start=START)


@pytest.fixture(scope="module")
def config(demo):
    return load_config(demo.config)


@pytest.fixture(scope="module")
def raw(demo):
    """The YAML as written, before validation (the typed config normalises shorthands)."""
    import yaml

    data = yaml.safe_load(demo.config.read_text())
    return {"alerts": data["alerts"], **{ds["name"]: ds for ds in data["datasets"]}}


@pytest.fixture(scope="module")
def frames(demo):
    return {ds: [read_snapshot(demo, ds, snapshot_id(ds, START, d)) for d in range(DAYS)] for ds in DATASETS}


@pytest.fixture(scope="module")
def truth(demo):
    return load_ground_truth(demo.ground_truth)


def _day(dataset: str, kind: str) -> int:
    (day,) = {f.day for f in FAULTS if f.dataset == dataset and f.kind == kind}
    return day


def _clean_days(dataset: str) -> list[int]:
    return [d for d in range(DAYS) if fault_on(dataset, d) is None]


def _all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- config, layout, determinism -------------------------------------------------------------


def test_the_generated_config_validates_and_points_at_the_written_files(demo, config, raw):
    assert [ds.name for ds in config.datasets] == list(DATASETS)
    for ds in config.datasets:
        assert ds.timestamp_column == "ts"
        assert ds.schedule and len(ds.owners) == 2
        assert any("@" in o and not o.startswith("@") for o in ds.owners)
        assert any(o.startswith("@") for o in ds.owners)
        assert ds.freshness.max_age == timedelta(hours=6) and ds.freshness.based_on == "max_timestamp"
        assert config.resolve(ds.source.path).is_dir()
        for key in ds.primary_key:
            assert ds.schema_.columns[key].nullable is False
    assert config.dataset("sensors").primary_key == ["sensor_id", "ts"]
    assert config.dataset("web_traffic").source.snapshot_unit == "folder"
    for name in ("payments", "web_traffic"):
        assert config.resolve(config.dataset(name).expectations.suite).is_file()
    assert config.dataset("payments").drift.reference.strategy == "previous"
    assert raw["payments"]["drift"]["reference"] == {"strategy": "previous"}
    assert raw["payments"]["anomalies"] == {"detector": "ensemble", "group_by": "user_id", "columns": ["amount"]}
    payments_anomalies = config.dataset("payments").anomalies
    assert (payments_anomalies.detector, payments_anomalies.group_by) == ("ensemble", "user_id")
    assert list(payments_anomalies.columns) == ["amount"]
    assert raw["payments"]["monitors"] == [{"metric": "row_count", "seasonality": "day_of_week"}]
    assert [(m.metric, m.seasonality) for m in config.dataset("payments").monitors] == [("row_count", "day_of_week")]
    assert list(config.dataset("sensors").anomalies.columns) == ["temperature", "humidity", "pressure"]
    assert config.storage.home == ".dq_monitor"


def test_the_alerts_section_is_exactly_the_alerts_constant(config, raw):
    assert raw["alerts"] == ALERTS
    assert raw["alerts"]["receivers"]["slack"]["slack_webhook"]["url_env"] == "DQ_MONITOR_SLACK_WEBHOOK_URL"
    assert raw["alerts"]["route"]["routes"][0] == {"receiver": "email", "matchers": ["severity=ERROR"],
                                                   "continue": True}
    assert config.alerts is not None and config.alerts.route.routes[0].receiver == "email"


def test_every_snapshot_is_written_in_the_documented_layout(demo):
    for d in range(DAYS):
        iso = (START + timedelta(days=d)).isoformat()
        assert (demo.data_dir / "payments" / f"payments_{iso}.csv").is_file()
        assert (demo.data_dir / "sensors" / f"sensors_{iso}.parquet").is_file()
        parts = sorted(p.name for p in (demo.data_dir / "web_traffic" / iso).iterdir())
        assert parts == ["part-000.jsonl", "part-001.jsonl"]
    assert len(list((demo.data_dir / "payments").iterdir())) == DAYS
    assert (demo.root / "expectations" / "payments.json").is_file()
    assert (demo.root / "expectations" / "web_traffic.json").is_file()


def test_web_traffic_requests_are_split_over_both_part_files(demo):
    folder = demo.data_dir / "web_traffic" / START.isoformat()
    sizes = [len(pd.read_json(folder / f"part-00{i}.jsonl", lines=True)) for i in (0, 1)]
    assert min(sizes) > 0.4 * sum(sizes)


def test_the_same_seed_writes_byte_identical_files_whatever_the_number_of_days(demo, tmp_path):
    longer = write_demo(tmp_path, days=DAYS + 4, seed=7, start=START)
    base, more = _all_files(demo.root), _all_files(longer.root)
    data_files = [name for name in base if name.startswith("data/")]
    assert len(data_files) == DAYS * 4
    assert all(base[name] == more[name] for name in data_files)
    assert len([n for n in more if n.startswith("data/sensors/")]) == DAYS + 4


def test_rewriting_a_demo_folder_removes_stale_snapshots_keeps_other_files_and_matches_a_fresh_write(demo, tmp_path):
    write_demo(tmp_path, days=DAYS + 1, seed=7, start=START)
    keep = tmp_path / "data" / "payments" / "notes.txt"
    keep.write_text("mine")
    archive = tmp_path / "data" / "web_traffic" / "archive" / "part-000.jsonl"
    archive.parent.mkdir()
    archive.write_text("{}\n")
    write_demo(tmp_path, days=DAYS, seed=7, start=START)
    assert keep.read_text() == "mine" and archive.read_text() == "{}\n"
    keep.unlink()
    shutil.rmtree(archive.parent)
    assert _all_files(tmp_path) == _all_files(demo.root)


def test_another_seed_gives_other_data():
    one, other = generate_snapshot("payments", 0, seed=7), generate_snapshot("payments", 0, seed=8)
    assert not one.frame.equals(other.frame)


def test_too_few_days_is_refused_with_a_message_naming_the_minimum(tmp_path):
    with pytest.raises(ValueError, match=f"at least {MIN_DAYS} days"):
        write_demo(tmp_path, days=MIN_DAYS - 1)
    assert not (tmp_path / "data").exists()


def test_generate_snapshot_matches_the_written_file_and_rejects_unknown_datasets(demo, frames):
    snap = generate_snapshot("sensors", 3, seed=7, start=START)
    pd.testing.assert_frame_equal(snap.frame, frames["sensors"][3])
    with pytest.raises(ValueError, match="unknown demo dataset 'orders'"):
        generate_snapshot("orders", 3)


def test_write_snapshot_drops_one_more_snapshot_clean_or_faulty_into_the_layout(demo, tmp_path):
    path = write_snapshot(tmp_path, "web_traffic", DAYS, fault="new_category")
    assert path == tmp_path / "data" / "web_traffic" / (START + timedelta(days=DAYS)).isoformat()
    extra = read_snapshot(replace(demo, data_dir=tmp_path / "data"), "web_traffic", path.name)
    assert web_gen.NEW_USER_AGENT in set(extra["user_agent"])
    clean = write_snapshot(tmp_path, "payments", DAYS, fault=None)
    assert clean.name == f"payments_{(START + timedelta(days=DAYS)).isoformat()}.csv"
    planned = write_snapshot(tmp_path, "payments", _day("payments", "schema_change"))
    assert planned.read_bytes() == (demo.data_dir / "payments" / planned.name).read_bytes()
    with pytest.raises(ValueError, match="cannot inject fault 'late_data'.*supported: schema_change"):
        write_snapshot(tmp_path, "payments", DAYS, fault="late_data")


def test_every_planned_fault_is_one_its_generator_supports():
    for f in FAULTS:
        assert f.kind in SUPPORTED_FAULTS[f.dataset]
    assert {k for kinds in SUPPORTED_FAULTS.values() for k in kinds} == {f.kind for f in FAULTS}


# --- ground truth ----------------------------------------------------------------------------


def test_ground_truth_rows_use_full_check_names_and_existing_snapshots(demo, truth):
    assert truth == ground_truth(days=DAYS, seed=7, start=START)
    for row in truth:
        dataset = row["dataset"]
        assert row["check"].startswith(f"{dataset}_") and row["check"][len(dataset) + 1:] in CHECK_SUFFIXES
        day = [d for d in range(DAYS) if snapshot_id(dataset, START, d) == row["snapshot"]]
        assert len(day) == 1 and day[0] >= 6, row
    checks = {(r["dataset"], r["fault"]): set() for r in truth}
    for r in truth:
        checks[(r["dataset"], r["fault"])].add(r["check"])
    assert {"payments_schema_matches_contract", "payments_schema_unchanged"} <= checks[("payments", "schema_change")]
    assert checks[("sensors", "volume_drop")] == {"sensors_row_count_in_bounds", "sensors_row_count_change_is_normal"}
    assert checks[("web_traffic", "late_data")] == {"web_traffic_is_fresh"}
    assert "payments_passes_expectation_suite" in checks[("payments", "nulls")]
    assert checks[("web_traffic", "new_category")] == {"web_traffic_passes_expectation_suite"}
    drift_days = {r["snapshot"] for r in truth if r["fault"] == "distribution_drift"}
    assert drift_days == {"sensors_2026-03-10", "sensors_2026-03-11"}


def test_no_two_data_faults_share_a_dataset_day_and_the_warm_up_is_clean():
    seen = set()
    for f in FAULTS:
        assert (f.dataset, f.day) not in seen
        seen.add((f.dataset, f.day))
        assert f.day >= 6
    for ds in DATASETS:
        assert all(fault_on(ds, d) is None for d in range(6))


# --- each labeled fault is in the data -------------------------------------------------------


def test_the_schema_change_day_lacks_amount_and_card_present_and_the_next_day_is_normal(frames):
    day = _day("payments", "schema_change")
    changed = frames["payments"][day]
    assert "amount" not in changed.columns and "card_present" not in changed.columns
    assert "amount_usd" in changed.columns
    assert list(frames["payments"][day + 1].columns) == payments_gen.COLUMNS


def test_the_volume_drop_day_is_below_min_rows_and_beyond_the_change_limit(frames, config):
    volume = config.dataset("sensors").volume
    day = _day("sensors", "volume_drop")
    rows, before = len(frames["sensors"][day]), len(frames["sensors"][day - 1])
    assert rows < volume.min_rows
    assert abs(rows - before) / before * 100 > volume.max_change_pct
    assert 0.2 < rows / before < 0.3
    assert frames["sensors"][day]["sensor_id"].nunique() == 5


def test_the_late_days_newest_record_is_more_than_24_hours_old(frames):
    day = _day("web_traffic", "late_data")
    lag = snapshot_time(START, day) - frames["web_traffic"][day]["ts"].max()
    assert timedelta(hours=29) < lag < timedelta(hours=31)
    assert len(frames["web_traffic"][day]) > 0.7 * len(frames["web_traffic"][day - 1])


def test_the_nulls_day_has_null_emails_and_merchants(frames):
    nulls = frames["payments"][_day("payments", "nulls")].isna().mean()
    assert 0.06 < nulls["email"] < 0.10
    assert 0.01 < nulls["merchant"] < 0.05
    assert nulls.drop(["email", "merchant"]).sum() == 0


def test_the_drift_days_shift_temperature_and_rescale_humidity(frames):
    clean = pd.concat([frames["sensors"][d] for d in range(6)])
    for day in (d for d in range(DAYS) if fault_on("sensors", d) == "distribution_drift"):
        drifted = frames["sensors"][day]
        assert drifted["temperature"].mean() - clean["temperature"].mean() == pytest.approx(6.0, abs=0.3)
        assert drifted["humidity"].mean() / clean["humidity"].mean() == pytest.approx(0.7, abs=0.03)


def test_payment_anomaly_keys_exist_and_are_extreme_against_their_own_users_history(frames, truth):
    (row,) = [r for r in truth if r["dataset"] == "payments" and r["fault"] == "point_anomalies"]
    assert row["primary_key_columns"] == ["txn_id"] and len(row["primary_keys"]) == 15
    history = pd.concat([frames["payments"][d] for d in range(6)])
    user_median = history.groupby("user_id")["amount"].median()
    day = frames["payments"][_day("payments", "point_anomalies")].set_index("txn_id")
    anomalies = day.loc[row["primary_keys"]]
    ratio = anomalies["amount"] / anomalies["user_id"].map(user_median)
    assert ratio.min() > 15 and ratio.max() < 100
    normal = day.drop(index=row["primary_keys"])
    normal_ratio = normal["amount"] / normal["user_id"].map(user_median)
    assert normal_ratio.max() < 12
    # Contextual: some anomalies are smaller than the day's largest normal payment.
    assert (anomalies["amount"] < normal["amount"].max()).any()


def test_sensor_spike_keys_exist_and_are_far_outside_the_normal_readings(frames, truth):
    (row,) = [r for r in truth if r["dataset"] == "sensors" and r["fault"] == "point_anomalies"]
    assert row["primary_key_columns"] == ["sensor_id", "ts"] and len(row["primary_keys"]) == 10
    day = frames["sensors"][_day("sensors", "point_anomalies")]
    keys = pd.DataFrame(row["primary_keys"]).assign(ts=lambda k: pd.to_datetime(k["ts"]))
    spikes = day.merge(keys, on=["sensor_id", "ts"])
    assert len(spikes) == 10
    clean = pd.concat([frames["sensors"][d] for d in range(6)])
    z_t = (spikes["temperature"] - clean["temperature"].median()).abs() / clean["temperature"].std()
    z_p = (spikes["pressure"] - clean["pressure"].median()).abs() / clean["pressure"].std()
    assert ((z_t > 6) | (z_p > 6)).all()
    marked = day.merge(keys, on=["sensor_id", "ts"], how="left", indicator=True)
    rest = marked[marked["_merge"] == "left_only"]
    assert len(rest) == len(day) - 10
    assert rest["temperature"].max() < clean["temperature"].max() + 2
    assert rest["pressure"].max() < clean["pressure"].max() + 2


def test_the_new_category_day_has_an_unknown_user_agent_and_a_burst_of_503s(frames):
    day = frames["web_traffic"][_day("web_traffic", "new_category")]
    assert web_gen.NEW_USER_AGENT in set(day["user_agent"])
    assert (day["status_code"] == 503).sum() > 100
    for d in _clean_days("web_traffic"):
        assert set(frames["web_traffic"][d]["user_agent"]) <= set(web_gen.USER_AGENTS)
        assert set(frames["web_traffic"][d]["status_code"]) <= set(web_gen.STATUS_CODES)


# --- clean days are clean for every check ----------------------------------------------------


def test_clean_days_are_within_the_volume_bounds_and_change_limit(frames, config):
    for ds in DATASETS:
        volume = config.dataset(ds).volume
        passed: list[int] = []  # "previous" = the latest earlier snapshot without a volume failure
        for d in range(DAYS):
            rows = len(frames[ds][d])
            in_bounds = volume.min_rows <= rows <= volume.max_rows
            change = abs(rows - len(frames[ds][passed[-1]])) / len(frames[ds][passed[-1]]) * 100 if passed else 0
            if fault_on(ds, d) == "volume_drop":
                assert not in_bounds
                continue
            assert in_bounds, (ds, d, rows)
            assert change <= volume.max_change_pct, (ds, d, change)
            passed.append(d)
    assert 1500 <= min(len(f) for f in frames["payments"]) and max(len(f) for f in frames["payments"]) <= 2500


def test_clean_days_match_the_contract_types_and_have_no_nulls_in_non_nullable_columns(frames, config):
    accepts = {
        "int": pd.api.types.is_integer_dtype,
        "float": pd.api.types.is_float_dtype,
        "bool": pd.api.types.is_bool_dtype,
        "datetime": pd.api.types.is_datetime64_any_dtype,
        "string": pd.api.types.is_object_dtype,
        "category": lambda s: isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(s),
    }
    for ds in DATASETS:
        contract = config.dataset(ds).schema_.columns
        for d in _clean_days(ds):
            frame = frames[ds][d]
            assert list(frame.columns) == list(contract), (ds, d)
            for column, spec in contract.items():
                assert accepts[spec.type](frame[column]), (ds, d, column, frame[column].dtype)
                if not spec.nullable:
                    assert frame[column].notna().all(), (ds, d, column)
            assert not frame.duplicated(config.dataset(ds).primary_key).any(), (ds, d)


def test_every_snapshot_holds_only_the_previous_days_records_and_clean_days_are_fresh(frames, config):
    for ds in DATASETS:
        max_age = config.dataset(ds).freshness.max_age
        for d in range(DAYS):
            taken = snapshot_time(START, d)
            ts = frames[ds][d]["ts"]
            if fault_on(ds, d) == "late_data":
                assert taken - ts.max() > max_age
                continue
            assert ts.min() >= taken - timedelta(days=1) and ts.max() < taken, (ds, d)
            assert taken - ts.max() < timedelta(hours=1), (ds, d)


def _column_drifts(ref: pd.Series, cur: pd.Series) -> bool:
    """Evidently's default per-column test (DataDriftPreset): normed Wasserstein / Jensen-Shannon at 0.1
    for references over 1,000 rows, K-S / chi-square at p < 0.05 for smaller ones."""
    ref, cur = ref.dropna(), cur.dropna()
    numeric = pd.api.types.is_numeric_dtype(ref) and not pd.api.types.is_bool_dtype(ref)
    if numeric and pd.concat([ref, cur]).nunique() > 5:
        if len(ref) > 1000:
            return stats.wasserstein_distance(ref, cur) / max(float(np.std(ref)), 0.001) >= 0.1
        return stats.ks_2samp(ref, cur).pvalue < 0.05
    keys = sorted(set(ref.astype(str)) | set(cur.astype(str)))
    r = ref.astype(str).value_counts().reindex(keys, fill_value=0).to_numpy(float)
    c = cur.astype(str).value_counts().reindex(keys, fill_value=0).to_numpy(float)
    if len(ref) > 1000:
        return distance.jensenshannon(r / r.sum(), c / c.sum()) >= 0.1
    return stats.chisquare(c, r / r.sum() * c.sum()).pvalue < 0.05


def _dataset_drifts(ref: pd.DataFrame, cur: pd.DataFrame, ignore: list[str]) -> bool:
    columns = [c for c in cur.columns if c in ref.columns and c not in ignore]
    return sum(_column_drifts(ref[c], cur[c]) for c in columns) / len(columns) >= 0.5


@pytest.mark.parametrize("strategy", ["previous clean snapshot", "first snapshot"])
def test_dataset_drift_appears_exactly_on_the_labeled_snapshots(frames, config, truth, strategy):
    """Against a clean reference: the first snapshot, or the latest earlier one that neither drifted
    nor broke the schema (how dq_monitor's `previous` strategy picks it)."""
    for ds in ("payments", "sensors"):
        ignore = list(config.dataset(ds).drift.ignore_columns)
        expected = {r["snapshot"] for r in truth if r["check"] == f"{ds}_has_no_dataset_drift"}
        usable, observed = [0], set()
        for d in range(1, DAYS):
            reference = frames[ds][usable[-1] if strategy.startswith("previous") else 0]
            if _dataset_drifts(reference, frames[ds][d], ignore):
                observed.add(snapshot_id(ds, START, d))
            elif fault_on(ds, d) != "schema_change":
                usable.append(d)
        assert observed == expected, (ds, strategy)


# --- the Great Expectations suites ----------------------------------------------------------


def test_suite_value_sets_match_what_the_generators_produce(demo):
    pay = json.loads((demo.expectations_dir / "payments.json").read_text())
    web = json.loads((demo.expectations_dir / "web_traffic.json").read_text())
    sets = {(s["name"], e["kwargs"]["column"]): set(e["kwargs"]["value_set"])
            for s in (pay, web) for e in s["expectations"] if e["type"] == "expect_column_values_to_be_in_set"}
    assert sets[("payments", "merchant")] == set(payments_gen.MERCHANTS)
    assert sets[("payments", "country")] == set(payments_gen.COUNTRIES)
    assert sets[("payments", "currency")] == {c for c, _ in payments_gen.COUNTRIES.values()}
    assert sets[("web_traffic", "status_code")] == set(web_gen.STATUS_CODES)
    assert sets[("web_traffic", "user_agent")] == set(web_gen.USER_AGENTS)
    for suite in (pay, web):
        assert 6 <= len(suite["expectations"]) <= 10
        assert all(e["severity"] in ("critical", "warning", "info") for e in suite["expectations"])


def test_real_gx_passes_the_suites_on_clean_snapshots_and_fails_them_on_the_labeled_faults(
    demo, frames, truth, monkeypatch
):
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", os.environ.get("GX_ANALYTICS_ENABLED", "False"))
    gx = pytest.importorskip("great_expectations")
    from great_expectations.core.expectation_suite import ExpectationSuite

    batch_definition = (gx.get_context(mode="ephemeral").data_sources.add_pandas("demo")
                        .add_dataframe_asset("snapshot").add_batch_definition_whole_dataframe("whole"))
    for ds in ("payments", "web_traffic"):
        suite = ExpectationSuite(**json.loads((demo.expectations_dir / f"{ds}.json").read_text()))
        labeled = {r["snapshot"] for r in truth if r["check"] == f"{ds}_passes_expectation_suite"}
        assert labeled
        clean = [d for d in _clean_days(ds) if d < 3]
        faulty = [d for d in range(DAYS) if snapshot_id(ds, START, d) in labeled]
        for d in clean + faulty:
            result = batch_definition.get_batch(batch_parameters={"dataframe": frames[ds][d]}).validate(suite)
            assert result.success is (d in clean), (ds, d, [r.expectation_config.type for r in result.results
                                                            if not r.success])
