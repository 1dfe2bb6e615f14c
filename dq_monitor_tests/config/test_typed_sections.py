"""Every section is typed in `ProjectConfig`: errors at load time naming file, dataset and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dq_monitor.anomalies.spec import DEFAULT_DETECTOR, DETECTOR_PARAMETERS
from dq_monitor.config import ConfigError, load_config
from dq_monitor.config.reference import render
from dq_monitor.core.cron import cron_problem
from dq_monitor.drift.methods import METHOD_NAMES
from dq_monitor.history.keys import COLUMN_METRICS, DATASET_METRICS
from dq_monitor_tests.support.helpers import orders_dataset, write_config

REPO = Path(__file__).resolve().parents[2]


def _error(tmp_path: Path, **overrides) -> str:
    path = write_config(tmp_path, [orders_dataset(**overrides)])
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert str(path) in text and "dataset 'orders'" in text
    return text


def test_sections_load_as_typed_models_with_their_shorthands(tmp_path: Path) -> None:
    project = load_config(write_config(tmp_path, [orders_dataset(
        volume="adaptive", drift={"reference": "first", "ignore_columns": "id"}, anomalies={"group_by": "country"},
        expectations={}, monitors=[{"metric": "null_rate", "column": "amount"}])],
        alerts={"receivers": {"team": {"email": {"smtp_host_env": "SMTP_HOST", "to": "a@example.com"}}},
                "route": {"receiver": "team", "group_wait": "30s"}}))
    ds = project.dataset("orders")
    assert ds.volume is not None and ds.volume.adaptive
    assert ds.drift is not None and ds.drift.reference.strategy == "first" and ds.drift.ignore_columns == ["id"]
    assert ds.anomalies is not None and ds.anomalies.detector == DEFAULT_DETECTOR
    assert ds.expectations is not None and ds.expectations.sample_size == 20
    assert ds.monitors[0].key == "null_rate:amount"
    assert project.alerts is not None and project.alerts.route.group_wait.total_seconds() == 30


def test_a_bad_field_inside_a_feature_section_names_dataset_and_field(tmp_path: Path) -> None:
    assert "field 'drift.drift_share'" in _error(tmp_path, drift={"drift_share": 2})
    assert "field 'monitors[0].sensitivty': unknown key" in _error(tmp_path, monitors=[{"metric": "row_count",
                                                                                          "sensitivty": 3}])
    assert "field 'expectations.sample_size'" in _error(tmp_path, expectations={"sample_size": 0})


def test_an_unknown_detector_or_detector_parameter_is_a_load_error(tmp_path: Path) -> None:
    text = _error(tmp_path, anomalies={"detector": "forest"})
    assert "field 'anomalies'" in text and "unknown detector 'forest'" in text
    assert "has no parameter(s) trees" in _error(tmp_path, anomalies={"detector": "iforest", "params": {"trees": 3}})


def test_an_unknown_metric_or_a_missing_column_is_a_load_error(tmp_path: Path) -> None:
    text = _error(tmp_path, monitors=[{"metric": "row_cnt"}])
    assert "dataset 'orders', field 'monitors[0]': unknown metric 'row_cnt'" in text and "row_count" in text
    assert "field 'monitors[0]': metric 'null_rate' is recorded per column: give `column`" in _error(
        tmp_path, monitors=[{"metric": "null_rate"}])


@pytest.mark.parametrize(("overrides", "field"), [
    ({"primary_key": ["order_id"]}, "primary_key[0]"),
    ({"timestamp_column": "created"}, "timestamp_column"),
    ({"monitors": [{"metric": "null_rate", "column": "emial"}]}, "monitors[0].column"),
    ({"anomalies": {"columns": ["amount", "fee"]}}, "anomalies.columns[1]"),
    ({"anomalies": {"group_by": "user"}}, "anomalies.group_by"),
    ({"drift": {"per_column": {"amt": {"method": "psi"}}}}, "drift.per_column.amt"),
    ({"drift": {"ignore_columns": ["instant"]}}, "drift.ignore_columns[0]"),
])
def test_a_column_outside_a_closed_schema_is_a_load_error(tmp_path: Path, overrides: dict, field: str) -> None:
    assert f"field {field!r}: column" in _error(tmp_path, **overrides)


def test_columns_are_not_checked_when_the_schema_allows_extra_columns_or_is_learned(tmp_path: Path) -> None:
    open_schema = {"columns": {"id": "int"}, "allow_extra_columns": True}
    load_config(write_config(tmp_path, [orders_dataset(schema=open_schema, timestamp_column="anything")]))
    load_config(write_config(tmp_path, [orders_dataset(schema={"learn": True}, primary_key=["x"])]))


def test_an_impossible_schedule_is_a_load_error_naming_the_field(tmp_path: Path) -> None:
    assert "field 'schedule'" in _error(tmp_path, schedule="99 99 * * *")
    assert "field 'anomalies.retrain_schedule'" in _error(tmp_path, anomalies={"retrain_schedule": "0 3 * * 9"})


@pytest.mark.parametrize("cron", [
    "0 6 * * *", "*/15 * * * *", "0 0 1 1 *", "0 3 * * 0", "0 3 * * 7", "0 9-17 * * mon-fri", "5,35 */2 1-15 * *",
    "0 0 * jan,jul *", "99 99 * * *", "0 24 * * *", "0 0 0 * *", "0 0 30 2 *", "0 0 * 13 *", "0 0 * * 8",
    "a b c d e", "0 0 * *", "0 0 * * * *", "0 5-1 * * *", "0 0 31 2,3 *",
])
def test_the_cron_check_agrees_with_dagster(cron: str) -> None:
    from dagster._utils.schedules import is_valid_cron_string

    assert (cron_problem(cron) is None) == is_valid_cron_string(cron), cron


def test_a_dataset_name_longer_than_a_dagster_tag_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="field 'name': dataset name is 64 characters long; Dagster tags allow 63"):
        load_config(write_config(tmp_path, [orders_dataset(name="o" * 64)]))


def test_the_light_name_tables_match_the_heavy_implementations() -> None:
    from dq_monitor.detectors.registry import _REGISTRY, build
    from dq_monitor.detectors.registry import DEFAULT_DETECTOR as REGISTRY_DEFAULT
    from dq_monitor.drift.stattests import STATTESTS

    assert DEFAULT_DETECTOR == REGISTRY_DEFAULT
    assert {n: tuple(sorted(build(n).get_params())) for n in _REGISTRY} == {
        n: p for n, p in DETECTOR_PARAMETERS.items() if n in _REGISTRY}
    assert set(METHOD_NAMES) == set(STATTESTS)


def test_the_profile_records_only_declared_metrics() -> None:
    import pandas as pd

    from dq_monitor.history.keys import parse_metric_key
    from dq_monitor.history.profile import profile

    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"], "t": pd.to_datetime(["2026-01-01", "2026-01-02"])})
    for key in profile(frame, "t", "2026-01-03", byte_size=10):
        metric, column = parse_metric_key(key)
        assert metric in (COLUMN_METRICS if column else DATASET_METRICS), key


def test_loading_the_demo_config_imports_no_heavy_library(tmp_path: Path) -> None:
    from dq_monitor.demo import generate

    assert generate  # the demo writer itself may be heavy; run it here, load in a clean process
    subprocess.run([sys.executable, "-m", "dq_monitor.cli", "demo", "--dir", str(tmp_path)], check=True,
                   capture_output=True)
    code = ("import dq_monitor.config, sys; dq_monitor.config.load_config(sys.argv[1]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'sklearn','great_expectations','evidently','torch','scipy','dagster'}))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "dq_monitor.yaml")], check=True,
                         capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def test_the_committed_config_reference_is_up_to_date() -> None:
    committed = (REPO / "docs" / "config-reference.md").read_text(encoding="utf-8")
    assert committed == render(), "run: python -m dq_monitor.config.reference > docs/config-reference.md"
