"""The drift report asset and check on the demo sensors data, through real Dagster runs."""

import json
from pathlib import Path

import pytest

from dq_monitor.cli import main
from dq_monitor.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sensors_run(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(out)]) == 0
    main(["check", "--config", str(out / "dq_monitor.yaml"), "--dataset", "sensors", "--all"])
    return out, Store(f"sqlite:///{out / '.dq_monitor/findings.db'}")


def test_drift_findings_match_the_labeled_drift_days(sensors_run) -> None:
    out, store = sensors_run
    truth = {t["snapshot"] for t in json.loads((out / "ground_truth.json").read_text())
             if t["dataset"] == "sensors" and t["check"] == "sensors_has_no_dataset_drift"}
    drift = [e for e in store.evaluations(dataset="sensors") if e.check == "sensors_has_no_dataset_drift"]
    failed = {e.snapshot for e in drift if not e.passed and not e.metadata.get("not_evaluated")}
    assert failed == truth


def test_each_report_is_an_evidently_html_linked_from_findings_and_metrics(sensors_run) -> None:
    out, store = sensors_run
    reports = sorted((out / ".dq_monitor/artifacts/sensors/drift").glob("*.html"))
    # html_report: on_drift (the default) renders the HTML only for snapshots whose drift check has a finding
    with_findings = {f.snapshot for f in store.findings(dataset="sensors", check="sensors_has_no_dataset_drift")}
    assert with_findings and {p.stem for p in reports} == with_findings
    page = reports[0].read_text(errors="ignore")
    # Evidently's report page (its metric widgets), with our note that the scores are full-data ones.
    assert "root_metric_" in page and "Drifted Columns" in page and "temperature" in page
    finding = next(f for f in store.findings(dataset="sensors", snapshot="sensors_2026-03-10")
                   if f.check == "sensors_has_no_dataset_drift" and f.key == "dataset")
    assert Path(finding.details["report"]).exists()
    assert finding.details["reference"] == "snapshot sensors_2026-03-09"
    series = store.metric_series("sensors", "drift_share")
    assert len(series) == 15 and max(v for _, _, v in series) >= 0.5
    assert store.metrics_for_snapshot("sensors", "sensors_2026-03-10")["drift_score:temperature"] > 0.1


def test_the_first_snapshot_has_no_reference_and_is_not_evaluated(sensors_run) -> None:
    """No reference means the check did not run: a failed WARN without a finding, never a pass."""
    _, store = sensors_run
    first = next(e for e in store.evaluations(dataset="sensors", snapshot="sensors_2026-03-01")
                 if e.check == "sensors_has_no_dataset_drift")
    assert (first.passed, first.severity, first.metadata.get("not_evaluated")) == (False, "WARN", True)
    assert "not evaluated" in first.message and "no earlier snapshot" in first.message
    assert not store.findings(dataset="sensors", snapshot="sensors_2026-03-01", check="sensors_has_no_dataset_drift")
