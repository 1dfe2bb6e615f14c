"""Checks whose partitions do not match their asset's: caught at definition time where the asset is known,
otherwise a clear step failure naming the target and what to do (never Dagster's bare input-load error)."""

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from dq_monitor import build_dq_checks, dq_resources
from dq_monitor.config import ConfigError
from dq_monitor.store import Store

DAILY = dg.DailyPartitionsDefinition("2026-01-01")
WEEKLY = dg.WeeklyPartitionsDefinition("2026-01-01")
SPEC = {"schema": {"learn": True}, "volume": {"min_rows": 1}}


@dg.asset(partitions_def=DAILY)
def visits(context: dg.AssetExecutionContext) -> pd.DataFrame:
    return pd.DataFrame({"visit_id": range(4)})


@dg.asset(io_manager_key="lake")
def stations() -> pd.DataFrame:
    return pd.DataFrame({"station_id": range(7), "name": ["s"] * 7})


def _instance(tmp_path: Path):
    (tmp_path / "dagster").mkdir(exist_ok=True)
    return dg.instance_for_test(temp_dir=str(tmp_path / "dagster"))


def test_unpartitioned_data_checks_on_a_partitioned_asset_fail_naming_the_target(tmp_path: Path) -> None:
    checks = build_dq_checks("visits", SPEC)  # only the key: nothing says the asset is partitioned
    with _instance(tmp_path) as instance:
        result = dg.materialize([visits, *checks], partition_key="2026-01-02", instance=instance,
                                resources=dq_resources(home=tmp_path / "dq"), raise_on_error=False)
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "visits_dq_checks"
    assert "build_dq_checks: target 'visits': the asset is partitioned (Daily, starting 2026-01-01 UTC.) but its " \
           "dq_monitor checks are not: pass its AssetsDefinition" in str(failure.event_specific_data)
    assert "DagsterExecutionLoadInputError" not in str(failure.event_specific_data)
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [visits.key]  # the asset itself ran


def test_a_key_target_on_an_unpartitioned_asset_loads_through_the_assets_own_io_manager(tmp_path: Path) -> None:
    checks = build_dq_checks("stations", SPEC)
    lake = dg.FilesystemIOManager(base_dir=str(tmp_path / "lake"))
    resources = {**dq_resources(home=tmp_path / "dq"), "lake": lake}
    job = dg.define_asset_job("check_stations", selection=dg.AssetSelection.checks(*checks))
    defs = dg.Definitions(assets=[stations], asset_checks=checks, jobs=[job], resources=resources)
    with _instance(tmp_path) as instance:
        together = dg.materialize([stations, *checks], instance=instance, resources=resources)
        alone = defs.resolve_job_def("check_stations").execute_in_process(instance=instance)  # checks only
    for result in (together, alone):
        assert {e.check_name: e.passed for e in result.get_asset_check_evaluations()} == {
            "stations_schema_matches_contract": True, "stations_schema_unchanged": True,
            "stations_row_count_in_bounds": True}
    assert (tmp_path / "lake" / "stations").is_file()
    store = Store(f"sqlite:///{tmp_path / 'dq' / 'findings.db'}")
    # Both runs judged the same materialization: one snapshot, its rows counted from the loaded value.
    assert [s.row_count for s in store.snapshots("stations")] == [7]


def test_partitions_that_disagree_with_a_known_asset_are_a_definition_time_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"build_dq_checks: target 'visits', field 'partitions_def': Weekly.* "
                                          r"disagrees with the asset's own partitions \(Daily"):
        build_dq_checks(visits, SPEC, partitions_def=WEEKLY)
    with pytest.raises(ConfigError, match=r"target 'stations', field 'partitions_def': .*not partitioned"):
        build_dq_checks(dg.AssetSpec("stations"), SPEC, partitions_def=DAILY)
    # A key with the wrong partitions_def: Dagster's own validation (what `dagster definitions validate` runs) refuses it.
    checks = build_dq_checks("visits", SPEC, partitions_def=WEEKLY)
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="different partitions definition"):
        dg.Definitions.validate_loadable(dg.Definitions(assets=[visits], asset_checks=checks,
                                                        resources=dq_resources(home=tmp_path / "dq")))
    spec = next(iter(build_dq_checks(visits, SPEC, partitions_def=DAILY)[0].check_specs))
    assert spec.partitions_def == DAILY
