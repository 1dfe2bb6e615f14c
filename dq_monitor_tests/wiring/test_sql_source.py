"""A `kind: sql` dataset through real sensor ticks and real Dagster runs on real Postgres, SQLite and DuckDB tables.

The table holds five days of the bike-sharing hours (two of them with fewer than 20 rows, one of them
ending at 17:00). Runs are executed for the run requests whose run key is new, as the Dagster daemon does.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from dq_monitor.config import load_config
from dq_monitor.core import names
from dq_monitor.defs.builder import build_definitions
from dq_monitor.store import Store
from dq_monitor_tests.snapshots.sql_tables import (
    DIALECTS,
    StatementLog,
    bike_hours,
    database_url,
    execute,
    write_table,
)
from dq_monitor_tests.support.helpers import store_text, write_config

DAYS = ("2011-01-24", "2011-01-25", "2011-01-26", "2011-01-27", "2011-01-28")


def _day(frame: pd.DataFrame, day: str) -> pd.DataFrame:
    return frame[frame["ts"].dt.strftime("%Y-%m-%d") == day]


def _project(tmp_path: Path, store_url: str):
    bike = {"name": "bike", "source": {"kind": "sql", "url_env": "BIKE_DB_URL", "table": "hour",
                                       "partition_by": {"column": "ts", "grain": "day"}, "late_data": "2d",
                                       "sample_rows": 10},
            "timestamp_column": "ts", "schema": {"learn": True}, "volume": {"min_rows": 20},
            "freshness": {"max_age": "2h"}, "drift": {"reference": "previous"}}
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


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sql_buckets_are_checked_and_late_rows_and_dropped_columns_change_the_verdict(
        tmp_path: Path, dialect: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    hours = bike_hours()
    db_url = database_url(dialect, request, tmp_path)
    monkeypatch.setenv("BIKE_DB_URL", db_url)
    write_table(db_url, "hour", pd.concat([_day(hours, d) for d in DAYS]))
    store_url = f"sqlite:///{tmp_path / 'findings.db'}"
    defs = build_definitions(_project(tmp_path, store_url))
    store = Store(store_url)
    with dg.instance_for_test() as instance:
        daemon = Daemon(defs, instance)
        log = StatementLog()
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", log)
        try:
            assert daemon.tick("bike") == list(DAYS)
        finally:
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", log)
        # one sample read per bucket in its run: the sample_rows one drift needs, reused for the estimates
        assert len(log.samples("hour")) == len(DAYS)
        assert _open(store, "bike_row_count_in_bounds") == {"2011-01-26", "2011-01-27"}  # 16 and 8 rows
        assert store.get_snapshot("bike", "2011-01-27").row_count == 8
        # freshness: a closed day's newest row vs the day's end (2011-01-26 stops at 17:00: 7 h; others 1 h)
        assert _open(store, names.freshness_check("bike")) == {"2011-01-26"}
        assert daemon.tick("bike") == []  # nothing changed: the late window's run keys were all seen

        late = _day(hours, "2011-01-28").head(16).assign(ts=lambda f: f["ts"] - pd.Timedelta(days=1))
        write_table(db_url, "hour", late.assign(instant=late["instant"] + 100_000), append=True)
        assert daemon.tick("bike") == ["2011-01-27"]  # only the bucket whose data version changed
        assert _open(store, "bike_row_count_in_bounds") == {"2011-01-26"}
        assert store.get_snapshot("bike", "2011-01-27").row_count == 24

        execute(db_url, "ALTER TABLE hour DROP COLUMN windspeed")
        write_table(db_url, "hour", _day(hours, "2011-01-29").drop(columns=["windspeed"]), append=True)
        assert daemon.tick("bike") == ["2011-01-29"]
        (dropped,) = store.findings(dataset="bike", snapshot="2011-01-29", check="bike_schema_matches_contract")
        assert dropped.details["problem"] == "missing_column" and dropped.details["column"] == "windspeed"

        mat = instance.get_latest_materialization_event(dg.AssetKey("bike_snapshot")).asset_materialization
        assert mat.metadata["sampled"].value is True and mat.metadata["sample_rows"].value == 10
        exact = len(_day(hours, "2011-01-29"))
        assert mat.metadata["dagster/row_count"].value == exact > 10  # the exact count, not the sample's
        assert store.metrics_for_snapshot("bike", "2011-01-29")["row_count"] == exact
        assert store.metrics_for_snapshot("bike", "2011-01-29")["freshness_lag_seconds"] == 3600

        # drift of 2011-01-25 (vs 2011-01-24) was computed on its 10-row sample, and says so (metadata, message
        # and every finding's evidence)
        (drift,) = [e for e in store.evaluations(dataset="bike", snapshot="2011-01-25")
                    if e.check == names.drift_check("bike")]
        sample = drift.metadata["sample"]
        assert sample["sampled"] is True and sample["sample_rows"] == 10 and sample["rows_in_snapshot"] == 23
        assert "LIMIT 10" in sample["sample_method"] and "sample of 10 of 23 rows" in drift.message
        for finding in store.findings(dataset="bike", snapshot="2011-01-25", check=names.drift_check("bike")):
            assert finding.details["sample"] == sample

        assert daemon.tick("ghost") == []  # a broken dataset is a source finding; the others keep running
        (ghost,) = store.findings(dataset="ghost", status="open")
        assert "table no_such_table" in ghost.message and "does not exist" in ghost.message


def test_an_unreachable_database_is_a_finding_naming_dataset_and_table_and_its_password_appears_nowhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    secret = "pwS3CRETsql77"
    monkeypatch.setenv("VAULT_DB_URL", f"postgresql+psycopg2://reader:{secret}@127.0.0.1:1/warehouse")
    db_url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    monkeypatch.setenv("BIKE_DB_URL", db_url)
    write_table(db_url, "hour", pd.concat([_day(bike_hours(), d) for d in DAYS[:2]]))
    source = {"kind": "sql", "table": "hour", "partition_by": {"column": "ts", "grain": "day"}}
    datasets = [{"name": "vault", "source": {**source, "url_env": "VAULT_DB_URL", "table": "public.orders"}},
                {"name": "bike", "source": {**source, "url_env": "BIKE_DB_URL"}, "volume": {"min_rows": 20}}]
    store_url = f"sqlite:///{tmp_path / 'findings.db'}"
    defs = build_definitions(load_config(write_config(tmp_path, datasets, storage={"database_url": store_url})))
    store = Store(store_url)
    with dg.instance_for_test() as instance:
        daemon = Daemon(defs, instance)
        assert daemon.tick("vault") == []  # the sensor records a source finding instead of failing
        job = defs.resolve_job_def(names.snapshot_job("vault"))  # a run of a bucket requested by hand
        instance.add_dynamic_partitions(job.partitions_def.name, ["2026-01-01"])
        assert not job.execute_in_process(partition_key="2026-01-01", instance=instance, raise_on_error=False).success
        assert daemon.tick("bike") == list(DAYS[:2])  # the other dataset keeps running
        events = [dg.serialize_value(e) for run in instance.get_runs() for e in instance.all_logs(run.run_id)]
    vault = store.findings(dataset="vault", status="open")
    assert {f.snapshot for f in vault} >= {"2026-01-01"} and len(vault) == 2
    for finding in vault:
        assert "dataset 'vault'" in finding.message and "table public.orders" in finding.message
        assert "cannot connect" in finding.message
    assert store.get_snapshot("bike", DAYS[1]).row_count == 23
    output = capfd.readouterr()
    for text in [*events, output.out, output.err, store_text(store_url)]:
        assert secret not in text
