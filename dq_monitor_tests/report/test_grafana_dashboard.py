"""The Grafana dashboard over the Postgres findings store: every panel's SQL (macros substituted as
Grafana does) runs against the demo's store as the read-only role docker/postgres-init creates,
and returns what the report shows: the health matrix's cells, the open findings with the
ground-truth faults, a monitor's observed values with bands and flags, the row counts."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from dq_monitor.cli import main
from dq_monitor.report.data import RANK, load
from dq_monitor.store import Store
from dq_monitor_tests.report.grafana import (
    DASHBOARD,
    GRAFANA_DIR,
    dashboard,
    interpolate,
    panel_sql,
)
from dq_monitor_tests.report.synthetic import build_store
from dq_monitor_tests.support.paths import REPO_ROOT
from dq_monitor_tests.support.postgres import (
    PG_ADMIN_URL,
    require_postgres,
    throwaway_database,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ALL_TIME = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
READER_SCRIPT = REPO_ROOT / "docker" / "postgres-init" / "20-dq-monitor-reader.sh"


@pytest.fixture(scope="module")
def pg_demo(tmp_path_factory: pytest.TempPathFactory):
    """The demo checked into a throwaway Postgres store; (folder, store, reader engine, datasets)."""
    require_postgres()
    out = tmp_path_factory.mktemp("pg_demo")
    reader = f"dqm_reader_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with throwaway_database("dqm_grafana") as (db, url), pytest.MonkeyPatch.context() as mp:
        mp.setenv("DQ_MONITOR_DATABASE_URL", url)
        assert main(["demo", "--dir", str(out), "--days", "15"]) == 0
        assert main(["check", "--config", str(out / "dq_monitor.yaml"), "--all"]) == 1
        admin_url = sa.make_url(PG_ADMIN_URL)
        env = {**os.environ, "PGHOST": admin_url.host or "127.0.0.1", "PGPORT": str(admin_url.port or 5432),
               "POSTGRES_USER": admin_url.username or "postgres", "DQ_MONITOR_DB": db,
               "DQ_MONITOR_READER_USER": reader, "DQ_MONITOR_READER_PASSWORD": uuid.uuid4().hex}
        done = subprocess.run(["sh", str(READER_SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        store = Store(url)
        engine = sa.create_engine(sa.make_url(url).set(username=reader, password=env["DQ_MONITOR_READER_PASSWORD"]))
        try:
            yield out, store, engine, sorted({d.name for d in load(store).datasets})
        finally:
            engine.dispose()
            store.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP ROLE IF EXISTS "{reader}"'))
    admin.dispose()


def _run(pg_demo, sql: str, **variables: list[str]) -> list[dict]:
    _, _, engine, datasets = pg_demo
    with engine.connect() as conn:
        rows = conn.execute(sa.text(interpolate(sql, {"dataset": datasets, **variables}, *ALL_TIME)))
        return [dict(r._mapping) for r in rows]


def test_the_dashboard_is_provisioned_with_the_store_as_its_data_source() -> None:
    board = dashboard()
    source = yaml.safe_load((GRAFANA_DIR / "provisioning/datasources/dq_monitor.yaml").read_text())["datasources"][0]
    provider = yaml.safe_load((GRAFANA_DIR / "provisioning/dashboards/dq_monitor.yaml").read_text())["providers"][0]
    assert provider["options"]["path"] == "/etc/dq_monitor/dashboards" and DASHBOARD.parent.name == "dashboards"
    uids = {t["datasource"]["uid"] for p in board["panels"] for t in p["targets"]}
    uids |= {v["datasource"]["uid"] for v in board["templating"]["list"]}
    assert uids == {source["uid"]} and source["type"] == "grafana-postgresql-datasource"
    assert source["jsonData"]["database"] == "dq_monitor" and "password" in source["secureJsonData"]
    assert len({p["id"] for p in board["panels"]}) == len(board["panels"]) == 6


def test_every_panel_and_variable_query_runs_as_the_read_only_role(pg_demo) -> None:
    board = dashboard()
    checks = [r["check"] for r in _run(pg_demo, board["templating"]["list"][1]["query"])]
    assert checks and all(c.endswith("_is_normal") for c in checks)
    for panel in board["panels"]:
        for target in panel["targets"]:
            assert _run(pg_demo, target["rawSql"], metric_check=[checks[0]]), panel["title"]
    _, _, engine, _ = pg_demo
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="read-only|permission denied"):
        conn.execute(sa.text("DELETE FROM findings"))


def test_the_health_panel_has_the_reports_cell_for_every_dataset_and_snapshot(pg_demo) -> None:
    out, store, _, _ = pg_demo
    rows = _run(pg_demo, panel_sql("Health by snapshot"))
    panel = {(r["metric"], r["time"]): r["value"] for r in rows}
    report = load(store)
    expected = {(d.name, s.snapshot_time): RANK[d.cell(s.snapshot)] for d in report.datasets for s in d.snapshots
                if d.cell(s.snapshot) in RANK}
    assert panel == expected and len(panel) >= 3 * 14
    times = {(s.dataset, s.snapshot): s.snapshot_time for d in report.datasets for s in d.snapshots}
    for fault in json.loads((out / "ground_truth.json").read_text()):
        assert panel[(fault["dataset"], times[(fault["dataset"], fault["snapshot"])])] >= RANK["WARN"], fault
    assert panel[("sensors", times[("sensors", "sensors_2026-03-08")])] == RANK["ERROR"]  # the volume drop


def test_the_open_findings_panels_list_every_open_finding_with_the_ground_truth_faults(pg_demo) -> None:
    out, store, _, _ = pg_demo
    rows = _run(pg_demo, panel_sql("Open findings (worst first"))
    opened = store.findings(status="open")
    assert sorted((r["dataset"], r["snapshot"], r["check"], r["key"]) for r in rows) == \
        sorted((f.dataset, f.snapshot, f.check, f.key) for f in opened)
    assert [RANK[r["severity"]] for r in rows] == sorted((RANK[r["severity"]] for r in rows), reverse=True)
    listed = {(r["dataset"], r["snapshot"]) for r in rows}
    for fault in json.loads((out / "ground_truth.json").read_text()):
        if store.findings(dataset=fault["dataset"], snapshot=fault["snapshot"], status="open"):
            assert (fault["dataset"], fault["snapshot"]) in listed, fault
    assert ("payments", "payments_2026-03-07") in listed and ("sensors", "sensors_2026-03-08") in listed
    errors = _run(pg_demo, panel_sql("Open ERROR findings"))[0]["open ERROR findings"]
    assert errors == sum(f.severity == "ERROR" for f in opened) > 0
    by_type = {r["check type"]: r for r in _run(pg_demo, panel_sql("by check type"))}
    assert sum(r["ERROR"] + r["WARN"] + r["INFO"] for r in by_type.values()) == len(opened)


def test_the_metric_panel_draws_observed_expected_and_bands_of_the_demos_monitor(pg_demo) -> None:
    _, store, _, _ = pg_demo
    check = "payments_row_count_is_normal"
    evaluations = [e for e in store.evaluations(dataset="payments") if e.check == check]
    rows = _run(pg_demo, panel_sql("observed, expected and WARN/ERROR bands"), metric_check=[check])
    assert len(rows) == len(evaluations) > 0
    assert [r["time"] for r in rows] == sorted(r["time"] for r in rows)
    assert sorted(r["observed"] for r in rows) == sorted(e.metadata["observed"] for e in evaluations)
    assert sum(r["flagged"] is not None for r in rows) == sum(not e.passed for e in evaluations)
    banded = [r for r in rows if r["error_upper"] is not None and r["warn_upper"] is not None]
    assert banded and all(r["error_lower"] <= r["warn_lower"] <= r["expected"] <= r["warn_upper"] <= r["error_upper"]
                          for r in banded)


def test_the_metric_panel_flags_the_failed_snapshot(tmp_path: Path) -> None:
    """The demo's banded monitor never fails in 15 days: the synthetic store's volume fault is flagged."""
    require_postgres()
    with throwaway_database("dqm_grafana") as (_, url):
        store = build_store(url, datasets=2, snapshots=30, fault_at=10)
        try:
            with store.session() as s:
                sql = interpolate(panel_sql("observed, expected and WARN/ERROR bands"),
                                  {"metric_check": ["ds01_row_count_is_normal"]}, *ALL_TIME)
                rows = [dict(r._mapping) for r in s.execute(sa.text(sql))]
            snapshots = {s.snapshot_time: s.snapshot for s in store.snapshots("ds01")}
        finally:
            store.dispose()
    assert len(rows) == 30
    flagged = [r for r in rows if r["flagged"] is not None]
    assert [snapshots[r["time"]] for r in flagged] == ["ds01_0010"]
    assert flagged[0]["flagged"] == flagged[0]["observed"] < flagged[0]["error_lower"]


def test_the_row_count_panel_is_the_stored_row_counts_at_snapshot_time(pg_demo) -> None:
    _, store, _, datasets = pg_demo
    rows = _run(pg_demo, panel_sql("Row count per snapshot"))
    stored = {(s.dataset, s.snapshot_time): float(s.row_count) for d in datasets for s in store.snapshots(d)}
    assert {(r["metric"], r["time"]): r["value"] for r in rows} == stored
    sensors = {s.snapshot: s for s in store.snapshots("sensors")}
    drop = sensors["sensors_2026-03-08"]
    assert drop.row_count < min(s.row_count for k, s in sensors.items() if k != "sensors_2026-03-08") / 2
    assert Path(DASHBOARD).stat().st_size < 100_000
