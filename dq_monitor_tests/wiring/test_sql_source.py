"""A `kind: sql` dataset through real sensor ticks and real Dagster runs on a real Postgres table.

The table holds five days of the bike-sharing hours (two of them with fewer than 20 rows). Runs are
executed for the run requests whose run key is new, as the Dagster daemon does.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from dq_monitor.config import load_config
from dq_monitor.defs.builder import build_definitions
from dq_monitor.store import Store
from dq_monitor_tests.snapshots.sql_tables import bike_hours, execute, write_table
from dq_monitor_tests.support.helpers import write_config

DAYS = ("2011-01-24", "2011-01-25", "2011-01-26", "2011-01-27", "2011-01-28")


def _day(frame: pd.DataFrame, day: str) -> pd.DataFrame:
    return frame[frame["ts"].dt.strftime("%Y-%m-%d") == day]


def _project(tmp_path: Path, store_url: str):
    bike = {"name": "bike", "source": {"kind": "sql", "url_env": "BIKE_DB_URL", "table": "hour",
                                       "partition_by": {"column": "ts", "grain": "day"}, "late_data": "2d",
                                       "sample_rows": 10},
            "timestamp_column": "ts", "schema": {"learn": True}, "volume": {"min_rows": 20}}
    broken = {"name": "ghost", "source": {"kind": "sql", "url_env": "BIKE_DB_URL", "table": "no_such_table",
                                          "partition_by": {"column": "ts", "grain": "day"}}}
    return load_config(write_config(tmp_path, [bike, broken], storage={"database_url": store_url}))


class Daemon:
    """Ticks a sensor and runs each request whose run key it has not seen (what the Dagster daemon does)."""

    def __init__(self, defs: dg.Definitions, instance: dg.DagsterInstance) -> None:
        self.defs, self.instance, self.seen = defs, instance, set()

    def tick(self, dataset: str) -> list[str]:
        sensor = self.defs.resolve_sensor_def(f"{dataset}_new_snapshot_sensor")
        result = sensor(dg.build_sensor_context(instance=self.instance, definitions=self.defs),
                        dq_store=self.defs.resources["dq_store"])
        if isinstance(result, dg.SkipReason):
            return []
        for request in result.dynamic_partitions_requests:
            self.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        ran = []
        for request in result.run_requests:
            if request.run_key in self.seen:
                continue
            self.seen.add(request.run_key)
            self.defs.resolve_job_def(f"{dataset}_snapshot_job").execute_in_process(
                partition_key=request.partition_key, instance=self.instance, tags=dict(request.tags),
                raise_on_error=False)
            ran.append(request.partition_key)
        return ran


def _open(store: Store, check: str) -> set[str]:
    return {f.snapshot for f in store.findings(dataset="bike", check=check, status="open")}


def test_sql_buckets_are_checked_and_late_rows_and_dropped_columns_change_the_verdict(
        tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hours = bike_hours()
    monkeypatch.setenv("BIKE_DB_URL", postgres_url)
    write_table(postgres_url, "hour", pd.concat([_day(hours, d) for d in DAYS]))
    store_url = f"sqlite:///{tmp_path / 'findings.db'}"
    defs = build_definitions(_project(tmp_path, store_url))
    store = Store(store_url)
    with dg.instance_for_test() as instance:
        daemon = Daemon(defs, instance)
        assert daemon.tick("bike") == list(DAYS)
        assert _open(store, "bike_row_count_in_bounds") == {"2011-01-26", "2011-01-27"}  # 16 and 8 rows
        assert store.get_snapshot("bike", "2011-01-27").row_count == 8
        assert daemon.tick("bike") == []  # nothing changed: the late window's run keys were all seen

        late = _day(hours, "2011-01-28").head(16).assign(ts=lambda f: f["ts"] - pd.Timedelta(days=1))
        write_table(postgres_url, "hour", late.assign(instant=late["instant"] + 100_000), append=True)
        assert daemon.tick("bike") == ["2011-01-27"]  # only the bucket whose data version changed
        assert _open(store, "bike_row_count_in_bounds") == {"2011-01-26"}
        assert store.get_snapshot("bike", "2011-01-27").row_count == 24

        execute(postgres_url, "ALTER TABLE hour DROP COLUMN windspeed")
        write_table(postgres_url, "hour", _day(hours, "2011-01-29").drop(columns=["windspeed"]), append=True)
        assert daemon.tick("bike") == ["2011-01-29"]
        (dropped,) = store.findings(dataset="bike", snapshot="2011-01-29", check="bike_schema_matches_contract")
        assert dropped.details["problem"] == "missing_column" and dropped.details["column"] == "windspeed"

        mat = instance.get_latest_materialization_event(dg.AssetKey("bike_snapshot")).asset_materialization
        assert mat.metadata["sampled"].value is True and mat.metadata["sample_rows"].value == 10
        exact = len(_day(hours, "2011-01-29"))
        assert mat.metadata["dagster/row_count"].value == exact > 10  # the exact count, not the sample's
        assert store.metrics_for_snapshot("bike", "2011-01-29")["row_count"] == exact

        assert daemon.tick("ghost") == []  # a broken dataset is a source finding; the others keep running
        (ghost,) = store.findings(dataset="ghost", status="open")
        assert "table no_such_table" in ghost.message and "does not exist" in ghost.message
