"""`build_dq_checks` on a user's own assets: real materializations with the default (pickle) IO manager."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest
import yaml

from dq_monitor import build_dq_checks, dq_resources
from dq_monitor.config import ConfigError, parse_config
from dq_monitor.defs.alerts import _asset_of, build_check_evaluation_sensor
from dq_monitor.store import Store

DAILY = dg.DailyPartitionsDefinition("2026-01-01")
DAYS = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05"]
DROPPED, SMALL, NULLS = "2026-01-02", "2026-01-04", "2026-01-05"
SPEC = {
    "primary_key": ["order_id"], "timestamp_column": "created_at",
    "schema": {"columns": {"order_id": {"type": "int", "nullable": False}, "amount": "float",
                           "created_at": "datetime"}},
    "volume": {"min_rows": 50, "max_change_pct": 50, "adaptive": True},
    "freshness": {"max_age": "1d"},
    "monitors": [{"metric": "null_rate", "column": "amount"}],
}
EXPECTED_FAILURES = {
    DROPPED: {"orders_schema_matches_contract", "orders_schema_unchanged"},
    SMALL: {"orders_row_count_in_bounds", "orders_row_count_change_is_normal"},
    NULLS: {"orders_schema_matches_contract"},
}
CONSOLIDATED = {"event_log_storage": {"module": "dagster._core.storage.event_log",
                                      "class": "ConsolidatedSqliteEventLogStorage"}}


def orders_frame(day: str) -> pd.DataFrame:
    rows = 10 if day == SMALL else 100
    frame = pd.DataFrame({"order_id": range(rows), "amount": [12.5] * rows,
                          "created_at": pd.date_range(day, periods=rows, freq="min", tz="UTC")})
    if day == DROPPED:
        frame = frame.drop(columns="amount")
    if day == NULLS:
        frame["order_id"] = frame["order_id"].astype("float64")
        frame.loc[:4, "order_id"] = None
    return frame


@dg.asset(partitions_def=DAILY)
def orders(context: dg.AssetExecutionContext) -> pd.DataFrame:
    return orders_frame(context.partition_key)


@dg.asset(partitions_def=DAILY)
def order_totals(orders: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"total": [orders["amount"].sum()]})


@dg.asset
def customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 2, 3], "email": ["a@x.io", "b@x.io", None]})


def _instance(tmp_path: Path):
    events = {**CONSOLIDATED["event_log_storage"], "config": {"base_dir": str(tmp_path / "events")}}
    (tmp_path / "dagster").mkdir(exist_ok=True)
    return dg.instance_for_test(temp_dir=str(tmp_path / "dagster"), overrides={"event_log_storage": events})


def run_day(instance, checks, resources, day: str) -> tuple[set[str], set[str]]:
    """(failed checks, materialized assets) of one partition's run."""
    result = dg.materialize([orders, order_totals, *checks], partition_key=day, instance=instance,
                            resources=resources, raise_on_error=False)
    failed = {e.check_name for e in result.get_asset_check_evaluations() if not e.passed}
    built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    return failed, built


def test_exactly_the_bad_partitions_fail_their_checks_block_downstream_and_backfill_alike(
        tmp_path: Path, database_url: str) -> None:
    checks = build_dq_checks(orders, SPEC)
    resources = dq_resources(home=tmp_path / "dq", database_url=database_url)
    with _instance(tmp_path) as instance:
        on_the_day = {day: run_day(instance, checks, resources, day) for day in DAYS}
        backfill = {day: run_day(instance, checks, resources, day) for day in [NULLS, DAYS[2], DAYS[0], SMALL, DROPPED]}
        sensor = build_check_evaluation_sensor(parse_config({"datasets": []}))
        sensor(dg.build_sensor_context(instance=instance), dq_store=resources["dq_store"])
    assert {day: failed for day, (failed, _) in on_the_day.items()} == {
        day: EXPECTED_FAILURES.get(day, set()) for day in DAYS}
    # The ERROR contract blocks the downstream asset on the broken partitions only.
    assert {day for day, (_, built) in on_the_day.items() if "order_totals" in built} == {DAYS[0], DAYS[2], SMALL}
    assert all("orders" in built for _, built in on_the_day.values())
    assert backfill == on_the_day
    store = Store(database_url)
    open_findings = {(f.snapshot, f.check) for f in store.findings(dataset="orders", status="open")}
    assert open_findings == {(day, check) for day, failed in EXPECTED_FAILURES.items() for check in failed}
    assert {f.source for f in store.findings(dataset="orders")} == {"dq_monitor"}  # the sensor skipped them
    snapshots = {s.snapshot: s for s in store.snapshots("orders")}
    assert sorted(snapshots) == DAYS and snapshots[SMALL].row_count == 10
    assert snapshots[DAYS[0]].snapshot_time == pd.Timestamp("2026-01-01", tz="UTC")
    assert {e.snapshot for e in store.evaluations(dataset="orders")} == set(DAYS)
    assert [v for _, _, v in store.metric_series("orders", "row_count")] == [100, 100, 100, 10, 100]


def test_an_unpartitioned_asset_gets_one_snapshot_per_materialization(tmp_path: Path) -> None:
    checks = build_dq_checks(customers, {"schema": {"learn": True}, "volume": {"min_rows": 1},
                                         "drift": {"reference": "previous"}})
    resources = dq_resources(home=tmp_path / "dq")
    references = []
    with _instance(tmp_path) as instance:
        for i in range(2):
            result = dg.materialize([customers, *checks], instance=instance, resources=resources)
            assert {e.check_name: e.passed for e in result.get_asset_check_evaluations()} == {
                "customers_schema_matches_contract": True, "customers_schema_unchanged": True,
                # the first materialization has no drift reference: not evaluated, so not a pass
                "customers_row_count_in_bounds": True, "customers_has_no_dataset_drift": i > 0}
            references += [e.metadata["reference"].value for e in result.get_asset_check_evaluations()
                           if e.check_name == "customers_has_no_dataset_drift"]
    store = Store(f"sqlite:///{tmp_path / 'dq' / 'findings.db'}")
    first, second = (s.snapshot for s in store.snapshots("customers"))
    # Drift of an unpartitioned asset: each materialization against the one before it.
    assert references == ["none", f"snapshot {first}"] and second > first


def test_a_metadata_only_target_is_judged_from_its_materialization_metadata(tmp_path: Path) -> None:
    table = dg.AssetSpec(dg.AssetKey(["warehouse", "payments"]))
    checks = build_dq_checks(table, {"schema": {"columns": {"id": "int", "amount": "float"}},
                                     "volume": {"min_rows": 1}})
    spec = next(iter(checks[0].check_specs))
    assert "metadata" in (spec.description or "")
    job = dg.define_asset_job("check_payments", selection=dg.AssetSelection.checks_for_assets(table.key))
    defs = dg.Definitions(assets=[table], asset_checks=checks, jobs=[job], resources=dq_resources(home=tmp_path / "dq"))
    verdicts = []
    with _instance(tmp_path) as instance:
        for columns, rows in ([("id", "int64"), ("amount", "float64")], 5), ([("id", "int64")], 0):
            schema = dg.TableSchema(columns=[dg.TableColumn(name, kind) for name, kind in columns])
            instance.report_runless_asset_event(dg.AssetMaterialization(table.key, metadata={
                "dagster/row_count": rows, "dagster/column_schema": schema}))
            result = defs.resolve_job_def("check_payments").execute_in_process(instance=instance, raise_on_error=False)
            verdicts.append({e.check_name: e.passed for e in result.get_asset_check_evaluations()})
    assert verdicts[0] == {"warehouse_payments_schema_matches_contract": True,
                           "warehouse_payments_schema_unchanged": True, "warehouse_payments_row_count_in_bounds": True}
    assert verdicts[1] == {"warehouse_payments_schema_matches_contract": False,
                           "warehouse_payments_schema_unchanged": False,
                           "warehouse_payments_row_count_in_bounds": False}
    store = Store(f"sqlite:///{tmp_path / 'dq' / 'findings.db'}")
    found = store.findings(dataset="warehouse_payments", status="open")
    assert {f.check for f in found} == set(verdicts[1])
    # Alerts name the user's asset, not a dq_monitor snapshot asset.
    assert {_asset_of(parse_config({"datasets": []}), f) for f in found} == {"warehouse/payments"}


ORDERS_PY = """
import dagster as dg
from dq_monitor_tests.wiring.test_asset_checks import orders_frame

@dg.asset(partitions_def=dg.DailyPartitionsDefinition("2026-01-01"))
def orders(context):
    return orders_frame(context.partition_key)
"""


@contextmanager
def user_project(tmp_path: Path, target: dict[str, Any]) -> Iterator[Any]:
    """A project's defs folder: `pipelines/orders.py` (the asset) and `quality/defs.yaml` (a DqChecksComponent)."""
    from dagster.components.testing import create_defs_folder_sandbox

    with create_defs_folder_sandbox() as sandbox:
        (sandbox.defs_folder_path / "pipelines").mkdir(parents=True)
        (sandbox.defs_folder_path / "pipelines" / "orders.py").write_text(ORDERS_PY)
        (sandbox.defs_folder_path / "quality").mkdir()
        (sandbox.defs_folder_path / "quality" / "defs.yaml").write_text(yaml.safe_dump({
            "type": "dq_monitor.DqChecksComponent",
            "attributes": {"storage": {"home": str(tmp_path / "dq")}, "targets": [target]},
        }))
        yield sandbox


def _component_checks(tmp_path: Path, target: dict[str, Any]) -> set[tuple[Any, ...]]:
    """Check specs of the project's DqChecksComponent."""
    from dq_monitor import DqChecksComponent

    with user_project(tmp_path, target) as sandbox:
        defs_path = sandbox.defs_folder_path / "quality"
        with sandbox.load_component_and_build_defs(defs_path=defs_path) as (component, defs):
            assert isinstance(component, DqChecksComponent) and "dq_store" in defs.resources
            return {(s.key, s.name, s.blocking, s.partitions_def) for c in defs.asset_checks for s in c.check_specs}


def test_unpartitioned_checks_on_a_partitioned_asset_fail_saying_so(tmp_path: Path) -> None:
    checks = build_dq_checks("warehouse/events", {"volume": {"min_rows": 1}, "read": "metadata"})
    job = dg.define_asset_job("check_events", selection=dg.AssetSelection.checks(*checks))
    defs = dg.Definitions(asset_checks=checks, jobs=[job], resources=dq_resources(home=tmp_path / "dq"))
    with _instance(tmp_path) as instance:
        instance.report_runless_asset_event(dg.AssetMaterialization(
            dg.AssetKey(["warehouse", "events"]), partition="2026-01-01", metadata={"dagster/row_count": 3}))
        result = defs.resolve_job_def("check_events").execute_in_process(instance=instance, raise_on_error=False)
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "warehouse/events is partitioned but its dq_monitor checks are not" in str(failure.event_specific_data)


def test_the_component_loads_from_a_defs_yaml_and_builds_the_same_checks(tmp_path: Path) -> None:
    from_code = {(s.key, s.name, s.blocking, s.partitions_def)
                 for c in build_dq_checks(orders, SPEC) for s in c.check_specs}
    assert len(from_code) == 7 and {p for *_, p in from_code} == {DAILY}
    # The target names the asset by key only: its partitions come from the asset in the code location.
    assert _component_checks(tmp_path, {"asset": "orders", **SPEC}) == from_code
    assert _component_checks(tmp_path, {"asset": "orders", "partitions": {"type": "daily",
                                                                          "start_date": "2026-01-01"}, **SPEC}) == from_code
    with pytest.raises(Exception) as raised:  # Dagster wraps it in the component tree's error
        _component_checks(tmp_path, {"asset": "orders", "partitions": {"type": "daily", "start_date": "2026-02-01"},
                                     **SPEC})
    cause = raised.value
    while not isinstance(cause, ConfigError) and cause.__cause__ is not None:
        cause = cause.__cause__
    assert isinstance(cause, ConfigError)
    assert str(cause).endswith("target 'orders', field 'partitions': Daily, starting 2026-02-01 UTC. disagrees with "
                               "the asset's own partitions (Daily, starting 2026-01-01 UTC., defined in "
                               "pipelines/orders.py); drop 'partitions:' or make it match")


@pytest.mark.parametrize(("asset", "spec", "message"), [
    ("orders", {"volume": {"min_rowz": 1}}, "target 'orders', field 'volume.min_rowz': unknown key"),
    ("orders", {"drift": {"reference": "latest"}}, "target 'orders', field 'drift.reference.strategy'"),
    (dg.AssetSpec("raw"), {"drift": {}}, "target 'raw', field 'drift': needs the asset's data"),
    (dg.AssetSpec("raw"), {"anomalies": {}}, "target 'raw', field 'anomalies': needs the asset's data"),
    ("orders", {"source": {"kind": "files"}}, "target 'orders', field 'source': unknown key"),
    (dg.AssetSpec("raw"), {"expectations": {}}, "target 'raw', field 'expectations': needs the asset's data"),
    (dg.AssetSpec("raw"), {"monitors": [{"metric": "null_rate", "column": "a"}]}, "field 'monitors'"),
])
def test_a_bad_spec_is_a_load_time_error_naming_target_and_field(asset, spec, message) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        build_dq_checks(asset, spec)


def test_the_whole_code_location_runs_the_components_checks_with_the_same_verdicts(tmp_path: Path) -> None:
    with user_project(tmp_path, {"asset": "orders", **SPEC}) as sandbox, sandbox.build_all_defs() as defs, \
            _instance(tmp_path) as instance:
        job = defs.resolve_implicit_global_asset_job_def()
        failed = {}
        for day in (DAYS[0], DROPPED):
            result = job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False)
            failed[day] = {e.check_name for e in result.get_asset_check_evaluations() if not e.passed}
    assert failed == {DAYS[0]: set(), DROPPED: EXPECTED_FAILURES[DROPPED]}
