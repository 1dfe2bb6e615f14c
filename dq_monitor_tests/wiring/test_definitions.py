"""Real Dagster execution of the generated definitions."""

from pathlib import Path

import dagster as dg
import pytest

from dq_monitor.cli import main
from dq_monitor.config import load_config
from dq_monitor.defs.builder import build_definitions
from dq_monitor.store import Store
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset, write_config


def _orders_project(tmp_path: Path, days=(1, 2, 3), **overrides):
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True, exist_ok=True)
    for day in days:
        (folder / f"orders_2026-01-{day:02d}.csv").write_text(orders_csv(day))
    return load_config(write_config(tmp_path, [orders_dataset(**overrides)]))


def test_definitions_load_and_validate(tmp_path: Path) -> None:
    defs = build_definitions(_orders_project(tmp_path))
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey("orders_snapshot") in graph.get_all_asset_keys()
    check_names = {k.name for k in graph.asset_check_keys}
    assert check_names == {"orders_snapshot_is_readable", "orders_schema_matches_contract", "orders_schema_unchanged",
                           "orders_row_count_in_bounds", "orders_row_count_change_is_normal", "orders_is_fresh"}
    assert defs.resolve_schedule_def("orders_schedule").cron_schedule == "0 6 * * *"


def test_the_sensor_registers_new_snapshots_and_requests_one_run_each(tmp_path: Path) -> None:
    project = _orders_project(tmp_path)
    defs = build_definitions(project)
    sensor = defs.resolve_sensor_def("orders_new_snapshot_sensor")
    with dg.instance_for_test() as instance:
        ctx = dg.build_sensor_context(instance=instance, definitions=defs)
        result = sensor(ctx, dq_store=defs.resources["dq_store"])
        assert sorted(r.partition_key for r in result.run_requests) == [
            "orders_2026-01-01", "orders_2026-01-02", "orders_2026-01-03"]
        assert {r.run_key for r in result.run_requests} == {
            "orders:orders_2026-01-01", "orders:orders_2026-01-02", "orders:orders_2026-01-03"}
        instance.add_dynamic_partitions("orders_snapshots", [r.partition_key for r in result.run_requests])
        # Nothing new: no runs.
        again = sensor(dg.build_sensor_context(instance=instance, definitions=defs), dq_store=defs.resources["dq_store"])
        assert isinstance(again, dg.SkipReason)
        # One new file: exactly one run for it.
        (tmp_path / "data/orders/orders_2026-01-04.csv").write_text(orders_csv(4))
        third = sensor(dg.build_sensor_context(instance=instance, definitions=defs), dq_store=defs.resources["dq_store"])
        assert [r.partition_key for r in third.run_requests] == ["orders_2026-01-04"]


def test_a_missing_source_folder_becomes_a_finding_not_a_crash(tmp_path: Path) -> None:
    project = load_config(write_config(tmp_path, [orders_dataset(source={
        "kind": "files", "path": "nowhere", "pattern": "*.csv", "format": "csv"})]))
    defs = build_definitions(project)
    sensor = defs.resolve_sensor_def("orders_new_snapshot_sensor")
    with dg.instance_for_test() as instance:
        result = sensor(dg.build_sensor_context(instance=instance, definitions=defs), dq_store=defs.resources["dq_store"])
    assert isinstance(result, dg.SkipReason) and "does not exist" in result.skip_message
    findings = Store(f"sqlite:///{tmp_path / '.dq_monitor/findings.db'}").findings(dataset="orders")
    assert findings[0].check == "orders_source_is_available" and "nowhere" in findings[0].message


def test_materializing_a_snapshot_runs_its_checks_and_writes_metadata(tmp_path: Path) -> None:
    project = _orders_project(tmp_path, days=(1,))
    defs = build_definitions(project)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("orders_snapshots", ["orders_2026-01-01"])
        result = defs.resolve_job_def("orders_snapshot_job").execute_in_process(
            partition_key="orders_2026-01-01", instance=instance)
        assert result.success
        mat = result.asset_materializations_for_node("orders_snapshot")[0]
        assert mat.metadata["dagster/row_count"].value == 100
        assert [c.name for c in mat.metadata["dagster/column_schema"].schema.columns] == ["id", "ts", "amount", "country"]
        assert mat.metadata["snapshot_id"].text == "orders_2026-01-01"
        assert all(e.passed for e in result.get_asset_check_evaluations())
    parquet = tmp_path / ".dq_monitor/snapshots/orders_snapshot/orders_2026-01-01.parquet"
    assert parquet.exists()


def _write_bad_snapshots(folder: Path) -> None:
    (folder / "orders_2026-01-04.csv").write_bytes(b"")  # empty
    (folder / "orders_2026-01-05.csv").write_text("id,ts,amount,country\n")  # header only
    (folder / "orders_2026-01-06.csv").write_text(orders_csv(6) + "1,2,3,4,5,6\n")  # malformed row
    (folder / "orders_2026-01-07.csv").write_bytes(orders_csv(7).replace("DE", "D\xe9").encode("latin-1"))
    (folder / "orders_2026-01-08.csv").write_text("id,amount,amount\n1,2,3\n")  # duplicate columns
    flipped = ["id,ts,amount,country"] + [f"{i},2026-01-09T00:{i:02d}:00,{i}.5 EUR,DE" for i in range(60)]
    (folder / "orders_2026-01-09.csv").write_text("\n".join(flipped) + "\n")  # amount flips to text


def test_bad_snapshots_each_yield_a_failed_check_and_a_finding_naming_the_file(tmp_path: Path) -> None:
    _orders_project(tmp_path)
    _write_bad_snapshots(tmp_path / "data/orders")
    code = main(["check", "--config", str(tmp_path / "dq_monitor.yaml"), "--all"])
    assert code == 1
    store = Store(f"sqlite:///{tmp_path / '.dq_monitor/findings.db'}")
    by_snapshot: dict[str, list[dict]] = {}
    for f in store.findings(status="open"):
        by_snapshot.setdefault(f.snapshot, []).append(f)
    def messages(day: int) -> str:
        return "\n".join(f.message for f in by_snapshot[f"orders_2026-01-{day:02d}"])
    assert "orders_2026-01-04.csv: file is empty (0 bytes)" in messages(4)
    assert "orders_2026-01-05.csv: file has a header but no data rows" in messages(5)
    assert "orders_2026-01-06.csv: 1 malformed row(s) skipped" in messages(6)
    assert "orders_2026-01-07.csv: file is not valid UTF-8" in messages(7)
    assert "orders_2026-01-08.csv: duplicate column names in header: ['amount']" in messages(8)
    assert "column 'amount' has type string" in messages(9)
    assert "column 'amount' changed type float -> string" in messages(9)
    assert not any(s.startswith("orders_2026-01-0") and s[-1] in "123" for s in by_snapshot)


def test_one_bad_dataset_does_not_stop_the_others(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True)
    (folder / "orders_2026-01-01.csv").write_text(orders_csv(1))
    broken = orders_dataset(name="returns", source={"kind": "files", "path": "missing", "pattern": "*.csv",
                                                     "format": "csv"})
    path = write_config(tmp_path, [broken, orders_dataset()])
    code = main(["check", "--config", str(path)])
    out = capsys.readouterr()
    assert code == 1
    assert "returns': source folder" in out.err
    assert "| orders | orders_2026-01-01 | orders_schema_matches_contract | PASS |" in out.out


def test_check_exit_codes(tmp_path: Path) -> None:
    _orders_project(tmp_path, days=(1, 2))
    cfg = str(tmp_path / "dq_monitor.yaml")
    assert main(["check", "--config", cfg, "--all"]) == 0
    assert main(["check", "--config", cfg, "--snapshot", "nope"]) == 2
    assert main(["check", "--config", str(tmp_path / "missing.yaml")]) == 2
    assert main(["check", "--config", cfg, "--dataset", "unknown"]) == 2


def test_the_component_loads_from_a_defs_yaml_in_a_users_project(tmp_path: Path) -> None:
    import yaml
    from dagster.components.testing import create_defs_folder_sandbox

    from dq_monitor.defs.component import DqMonitorComponent

    with create_defs_folder_sandbox() as sandbox:
        defs_path = sandbox.defs_folder_path / "quality"
        defs_path.mkdir(parents=True)
        _orders_project(defs_path)
        (defs_path / "defs.yaml").write_text(yaml.safe_dump({
            "type": "dq_monitor.defs.component.DqMonitorComponent",
            "attributes": {"config_file": "dq_monitor.yaml", "automation_running": False},
        }))
        with sandbox.load_component_and_build_defs(defs_path=defs_path) as (component, defs):
            assert isinstance(component, DqMonitorComponent)
            assert dg.AssetKey("orders_snapshot") in defs.resolve_asset_graph().get_all_asset_keys()
            sensor = defs.resolve_sensor_def("orders_new_snapshot_sensor")
            assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
