"""End to end: the demo datasets through `dq-monitor check --all` against ground_truth.json."""

import json
from pathlib import Path

import pytest

from dq_monitor.cli import main
from dq_monitor.store import Store
from dq_monitor_tests.e2e.demo_verdicts import GOLDEN, verdicts

pytestmark = pytest.mark.slow

STRUCTURAL = ("_schema_matches_contract", "_schema_unchanged", "_row_count_in_bounds",
              "_row_count_change_is_normal", "_is_fresh", "_snapshot_is_readable")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(out)]) == 0
    code = main(["check", "--config", str(out / "dq_monitor.yaml"), "--all"])
    store = Store(f"sqlite:///{out / '.dq_monitor/findings.db'}")
    yield out, code, store
    store.dispose()


def test_check_all_exits_1_because_the_demo_has_error_faults(demo_run) -> None:
    _, code, _ = demo_run
    assert code == 1


def test_schema_volume_and_freshness_findings_are_exactly_the_ground_truth(demo_run) -> None:
    out, _, store = demo_run
    truth = json.loads((out / "ground_truth.json").read_text())
    expected = {(t["dataset"], t["snapshot"], t["check"]) for t in truth if t["check"].endswith(STRUCTURAL)}
    found = {(f.dataset, f.snapshot, f.check) for f in store.findings(status="open")
             if f.check.endswith(STRUCTURAL)}
    assert expected, "ground truth lists schema/volume faults"
    assert found == expected


def test_no_error_finding_outside_the_ground_truth(demo_run) -> None:
    out, _, store = demo_run
    truth = {(t["dataset"], t["snapshot"], t["check"]) for t in json.loads((out / "ground_truth.json").read_text())}
    extra = [(f.dataset, f.snapshot, f.check, f.message) for f in store.findings(status="open", severities=["ERROR"])
             if (f.dataset, f.snapshot, f.check) not in truth]
    assert extra == []


def test_every_snapshot_of_every_dataset_was_checked(demo_run) -> None:
    out, _, store = demo_run
    for dataset, pattern in (("payments", "data/payments/*.csv"), ("sensors", "data/sensors/*.parquet"),
                             ("web_traffic", "data/web_traffic/*")):
        files = sorted(Path(out).glob(pattern))
        assert len(files) >= 14
        checked = {e.snapshot for e in store.evaluations(dataset=dataset)} - {"-"}
        assert len(checked) == len(files)


def test_findings_json_carries_the_documented_fields(demo_run, capsys: pytest.CaptureFixture) -> None:
    out, _, _ = demo_run
    capsys.readouterr()
    assert main(["findings", "--config", str(out / "dq_monitor.yaml"), "--format", "json",
                 "--dataset", "sensors"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert items and {"dataset", "snapshot", "check", "severity", "message", "details", "created_at"} <= set(items[0])
    assert {i["dataset"] for i in items} == {"sensors"}


def test_each_labeled_anomaly_day_fails_with_one_finding_per_snapshot(demo_run) -> None:
    out, _, store = demo_run
    truth = {(t["dataset"], t["snapshot"]) for t in json.loads((out / "ground_truth.json").read_text())
             if t["check"].endswith("_anomaly_rate_is_normal")}
    failed = {(e.dataset, e.snapshot) for e in store.evaluations() if e.check.endswith("_anomaly_rate_is_normal")
              and not e.passed and not e.metadata.get("not_evaluated")}
    assert truth and truth <= failed
    findings = [(f.dataset, f.snapshot) for f in store.findings(status="open") if f.check.endswith("_anomaly_rate_is_normal")]
    assert len(findings) == len(set(findings))  # one finding per snapshot, the rows are its evidence
    assert set(findings) <= failed


def test_verdicts_and_metrics_are_the_recorded_ones(demo_run) -> None:
    """Every evaluation, open finding and metric equals demo_verdicts.json (speed work changes no verdict)."""
    _, _, store = demo_run
    expected = json.loads(GOLDEN.read_text())
    got = json.loads(json.dumps(verdicts(store)))
    assert got["evaluations"] == expected["evaluations"]
    assert got["open_findings"] == expected["open_findings"]
    changed = {(snap, k): (expected["metrics"].get(snap, {}).get(k), got["metrics"].get(snap, {}).get(k))
               for snap in expected["metrics"].keys() | got["metrics"].keys()
               for k in expected["metrics"].get(snap, {}).keys() | got["metrics"].get(snap, {}).keys()
               if expected["metrics"].get(snap, {}).get(k) != got["metrics"].get(snap, {}).get(k)}
    assert changed == {}
