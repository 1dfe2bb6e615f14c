"""What the Dagster UI shows of the report, through real runs of `dq-monitor check` on the demo:
every check's metadata names its snapshot's time (readable after a backfill), the snapshot asset
links to the report (the file, or `dq-monitor serve` with `report.url`), and the failed blocking
schema contract keeps drift and anomalies from running and says so, with no failed downstream step."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import yaml
from dagster._core.instance.ref import InstanceRef

from dq_monitor import build_dq_checks, dq_resources
from dq_monitor.cli import main
from dq_monitor.config import load_config
from dq_monitor.defs.adapters import SNAPSHOT_TIME_KEY
from dq_monitor.defs.snapshots import REPORT_KEY
from dq_monitor.store import Store

pytestmark = pytest.mark.slow

SCHEMA_FAULT, EARLIER = "payments_2026-03-07", "payments_2026-03-05"
DOWNSTREAM = ("payments_drift_report", "payments_anomalies")


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory):
    """The schema-change snapshot, then an earlier one (a backfill's order), checked with runs in a DAGSTER_HOME."""
    out = tmp_path_factory.mktemp("demo")
    home = out / "dagster_home"
    home.mkdir()
    assert main(["demo", "--dir", str(out), "--days", "15"]) == 0
    config = str(out / "dq_monitor.yaml")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        assert main(["check", "--config", config, "--dataset", "payments", "--snapshot", SCHEMA_FAULT]) == 1
        main(["check", "--config", config, "--dataset", "payments", "--snapshot", EARLIER])
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    store = Store(f"sqlite:///{out / '.dq_monitor/findings.db'}")
    yield out, instance, store
    store.dispose()
    instance.dispose()


def _events(instance: dg.DagsterInstance, partition: str) -> list:
    runs = [r for r in instance.get_runs() if r.tags.get("dagster/partition") == partition]
    assert len(runs) == 1, partition
    return list(instance.all_logs(runs[0].run_id))


def _dagster_events(events: list, kind: dg.DagsterEventType) -> list:
    return [e.dagster_event for e in events if e.dagster_event is not None and e.dagster_event.event_type == kind]


def test_every_check_carries_its_snapshot_time_not_the_run_time(demo_runs) -> None:
    _, instance, store = demo_runs
    for partition in (SCHEMA_FAULT, EARLIER):
        snapshot_time = store.get_snapshot("payments", partition).snapshot_time
        evaluations = [e.event_specific_data for e in
                       _dagster_events(_events(instance, partition), dg.DagsterEventType.ASSET_CHECK_EVALUATION)]
        assert len(evaluations) >= 7
        for evaluation in evaluations:
            value = evaluation.metadata[SNAPSHOT_TIME_KEY]
            assert isinstance(value, dg.TimestampMetadataValue), evaluation.check_name
            assert value.value == pytest.approx(snapshot_time.timestamp()), evaluation.check_name
    # the backfill's order: the earlier snapshot ran last and still plots before the later one
    times = [store.get_snapshot("payments", p).snapshot_time for p in (EARLIER, SCHEMA_FAULT)]
    assert times[0] < times[1]


def test_the_snapshot_links_to_the_report_file_that_dq_monitor_report_writes(demo_runs) -> None:
    out, instance, _ = demo_runs
    materializations = _dagster_events(_events(instance, EARLIER), dg.DagsterEventType.ASSET_MATERIALIZATION)
    snapshot = [m for m in materializations if m.asset_key == dg.AssetKey("payments_snapshot")]
    link = snapshot[0].event_specific_data.materialization.metadata[REPORT_KEY]
    assert isinstance(link, dg.PathMetadataValue)
    report_file, anchor = link.path.split("#")
    assert anchor == "ds-payments"
    assert Path(report_file) == load_config(str(out / "dq_monitor.yaml")).report_path
    assert main(["report", "--config", str(out / "dq_monitor.yaml")]) == 0  # no --out: the linked file
    assert 'id="ds-payments"' in Path(report_file).read_text()


def test_the_failed_contract_blocks_drift_and_anomalies_and_says_so(demo_runs) -> None:
    _, instance, store = demo_runs
    events = _events(instance, SCHEMA_FAULT)
    started = {e.step_key for e in _dagster_events(events, dg.DagsterEventType.STEP_START)}
    failed = {e.step_key for e in _dagster_events(events, dg.DagsterEventType.STEP_FAILURE)}
    assert not (set(DOWNSTREAM) & started) and not (set(DOWNSTREAM) & failed)  # not run; no stack trace of theirs
    assert failed == {"payments_snapshot_payments_schema_matches_contract"}
    for step in DOWNSTREAM:  # Dagster's own line on each skipped step names the contract
        lines = [e.user_message for e in events if e.step_key == step]
        assert any("schema_matches_contract" in line and "Not executing" in line for line in lines), lines
    contract = store.evaluations(dataset="payments", snapshot=SCHEMA_FAULT)
    contract = next(e for e in contract if e.check == "payments_schema_matches_contract")
    assert not contract.passed and contract.severity == "ERROR"
    assert sorted(contract.metadata["blocked_assets"]) == sorted(DOWNSTREAM)
    assert contract.message.endswith("blocking: payments_anomalies, payments_drift_report not run")
    check_log = [e.user_message for e in events if e.step_key == "payments_snapshot_payments_schema_matches_contract"]
    assert any("is blocking: payments_anomalies, payments_drift_report are not run" in m for m in check_log)
    # a clean snapshot's contract blocks nothing and its downstream assets materialize
    clean = _events(instance, EARLIER)
    assert set(DOWNSTREAM) <= {e.step_key for e in _dagster_events(clean, dg.DagsterEventType.STEP_SUCCESS)}


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_with_report_url_the_snapshot_links_to_its_page_in_serve(tmp_path: Path, demo_runs,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.testclient import TestClient

    from dq_monitor.report.serve import create_app

    out, _, store = demo_runs
    raw = yaml.safe_load((out / "dq_monitor.yaml").read_text())
    raw["report"] = {"url": "http://127.0.0.1:8765/"}
    config = out / "with_url.yaml"
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    main(["check", "--config", str(config), "--dataset", "payments", "--snapshot", "payments_2026-03-08"])
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    try:
        materializations = _dagster_events(_events(instance, "payments_2026-03-08"),
                                           dg.DagsterEventType.ASSET_MATERIALIZATION)
    finally:
        instance.dispose()
    snapshot = [m for m in materializations if m.asset_key == dg.AssetKey("payments_snapshot")]
    link = snapshot[0].event_specific_data.materialization.metadata[REPORT_KEY]
    assert isinstance(link, dg.UrlMetadataValue) and link.url == "http://127.0.0.1:8765/datasets/payments"
    page = TestClient(create_app(lambda: store)).get(link.url.removeprefix("http://127.0.0.1:8765"))
    assert page.status_code == 200 and 'id="ds-payments"' in page.text


@dg.asset(partitions_def=dg.DailyPartitionsDefinition("2026-01-01"))
def shipments(context) -> pd.DataFrame:  # (annotations are strings here: Dagster checks `context`)
    frame = pd.DataFrame({"shipment_id": range(60), "weight": [1.5] * 60})
    return frame.drop(columns="weight") if context.partition_key == "2026-01-02" else frame


@dg.asset(partitions_def=dg.DailyPartitionsDefinition("2026-01-01"))
def shipped_weight(shipments: pd.DataFrame) -> float:
    return float(shipments["weight"].sum())


def test_on_a_users_own_asset_the_contract_names_the_users_blocked_asset(tmp_path: Path) -> None:
    checks = build_dq_checks(shipments, {"schema": {"columns": {"shipment_id": "int", "weight": "float"}}})
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        runs = {day: dg.materialize([shipments, shipped_weight, *checks], partition_key=day, instance=instance,
                                    resources=dq_resources(home=tmp_path / "dq"), raise_on_error=False)
                for day in ("2026-01-01", "2026-01-02")}
    contract = {day: next(e for e in r.get_asset_check_evaluations() if e.check_name.endswith("_matches_contract"))
                for day, r in runs.items()}
    assert contract["2026-01-01"].passed and "blocked_assets" not in contract["2026-01-01"].metadata
    bad = contract["2026-01-02"]
    assert not bad.passed and bad.metadata["blocked_assets"].value == ["shipped_weight"]
    assert bad.description.endswith("blocking: shipped_weight not run")
    assert isinstance(bad.metadata[SNAPSHOT_TIME_KEY], dg.TimestampMetadataValue)
    started = {e.step_key for e in runs["2026-01-02"].all_events if e.event_type == dg.DagsterEventType.STEP_START}
    assert "shipped_weight" not in started
    assert runs["2026-01-01"].output_for_node("shipped_weight") == 90.0
