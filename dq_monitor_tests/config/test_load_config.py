from pathlib import Path

import pytest

from dq_monitor.config import ConfigError, load_config, parse_duration
from dq_monitor_tests.support.helpers import orders_dataset, write_config


def test_a_complete_dataset_config_loads_with_paths_resolved_against_the_file(tmp_path: Path) -> None:
    project = load_config(write_config(tmp_path, [orders_dataset()]))
    ds = project.dataset("orders")
    assert ds.primary_key == ["id"]
    assert ds.schema_ is not None and ds.schema_.columns["amount"].type == "float"
    assert ds.freshness is not None and ds.freshness.max_age.total_seconds() == 6 * 3600
    assert project.resolve(ds.source.path) == (tmp_path / "data/orders").resolve()
    assert project.home_dir == (tmp_path / ".dq_monitor").resolve()


def test_an_unknown_key_is_an_error_naming_file_dataset_and_field(tmp_path: Path) -> None:
    path = write_config(tmp_path, [orders_dataset(volume={"min_rows": 1, "max_rowz": 5})])
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert str(path) in text and "dataset 'orders'" in text and "volume.max_rowz" in text and "unknown key" in text


def test_a_missing_required_field_names_the_field(tmp_path: Path) -> None:
    ds = orders_dataset()
    del ds["source"]["format"]
    with pytest.raises(ConfigError, match=r"dataset 'orders', field 'source.format': required field is missing"):
        load_config(write_config(tmp_path, [ds]))


def test_inconsistent_volume_bounds_and_bad_cron_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="min_rows .* greater than max_rows"):
        load_config(write_config(tmp_path, [orders_dataset(volume={"min_rows": 10, "max_rows": 5})]))
    with pytest.raises(ConfigError, match="5-field cron"):
        load_config(write_config(tmp_path, [orders_dataset(schedule="every day")]))


def test_duplicate_dataset_names_and_bad_names_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="declared twice"):
        load_config(write_config(tmp_path, [orders_dataset(), orders_dataset()]))
    with pytest.raises(ConfigError, match="must be a Python identifier"):
        load_config(write_config(tmp_path, [orders_dataset(name="my-orders")]))


def test_sql_sources_fit_the_same_union(tmp_path: Path) -> None:
    ds = orders_dataset(source={"kind": "sql", "url_env": "WAREHOUSE_URL", "table": "orders"})
    assert load_config(write_config(tmp_path, [ds])).datasets[0].source.kind == "sql"
    bad = orders_dataset(source={"kind": "sql", "url_env": "WAREHOUSE_URL"})
    with pytest.raises(ConfigError, match="exactly one of 'table' or 'query'"):
        load_config(write_config(tmp_path, [bad]))


def test_invalid_yaml_and_missing_files_are_readable_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("datasets: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("15m", 900), ("6h", 21600), ("2d", 172800), (30, 30)])
def test_durations_parse(text, seconds) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_a_bad_duration_says_how_to_write_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid duration 'soon'"):
        load_config(write_config(tmp_path, [orders_dataset(freshness={"max_age": "soon"})]))
