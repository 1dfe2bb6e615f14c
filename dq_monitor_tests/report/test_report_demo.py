"""`dq-monitor report` on the demo's store: the matrix shows the ground-truth faults, the volume
fault is a flagged point on a banded chart, and the file opens in headless Chromium with no
console errors and no network requests. The screenshot stays under the test's tmp dir."""

import json
import re
from pathlib import Path

import pytest

from dq_monitor.report.data import RANK
from dq_monitor_tests.report.browser import matrix_states, open_report

pytestmark = pytest.mark.slow


def _matrix(html: str) -> dict[str, dict[str, str]]:
    return matrix_states(html, "#ds-")


def test_the_matrix_has_one_cell_per_dataset_and_snapshot(demo_report) -> None:
    _, html, store = demo_report
    matrix = _matrix(html)
    for dataset in ("payments", "sensors", "web_traffic"):
        snapshots = {s.snapshot for s in store.snapshots(dataset)}
        assert len(snapshots) >= 14
        cells = re.findall(r'data-snapshot="', html.split(f'<tr data-dataset="{dataset}">')[1].split("</tr>")[0])
        assert len(cells) == len(snapshots) and set(matrix[dataset]) == snapshots


def test_each_ground_truth_fault_shows_at_the_worst_severity_of_its_failed_checks(demo_report) -> None:
    out, html, store = demo_report
    matrix = _matrix(html)
    for fault in json.loads((out / "ground_truth.json").read_text()):
        ds, snap = fault["dataset"], fault["snapshot"]
        failed = [e.severity for e in store.evaluations(dataset=ds, snapshot=snap)
                  if not e.passed and not e.metadata.get("not_evaluated")]
        failed += [f.severity for f in store.findings(dataset=ds, snapshot=snap, status="open")]
        assert failed, fault
        assert matrix[ds][snap] == max(failed, key=RANK.get), fault
    assert matrix["sensors"]["sensors_2026-03-08"] == "ERROR"  # the volume drop
    assert matrix["payments"]["payments_2026-03-07"] == "ERROR"  # the schema change


def test_the_volume_fault_is_a_flagged_point_on_the_banded_row_count_chart(demo_report) -> None:
    _, html, _ = demo_report
    section = html.split('id="ds-sensors"')[1].split("</section>")[0]
    chart = section.split('data-metric="row count"')[1].split("</svg>")[0]
    assert 'class="band-error"' in chart
    flagged = re.findall(r'<circle class="pt flag-(\w+)"[^>]*><title>([^<]*)</title>', chart)
    assert ("ERROR", "sensors_2026-03-08") in [(sev, title.split(" ")[0]) for sev, title in flagged]


def test_a_monitored_metric_chart_draws_expected_value_and_both_bands(demo_report) -> None:
    _, html, _ = demo_report
    charts = re.findall(r'<svg class="chart"[^>]*data-metric="row_count"[^>]*>(.*?)</svg>', html)
    assert charts
    assert all(k in charts[0] for k in ('class="band-error"', 'class="band-warn"', 'class="expected"'))


def test_failed_checks_show_their_evidence(demo_report) -> None:
    _, html, _ = demo_report
    payments = html.split('id="ds-payments"')[1].split("</section>")[0]
    assert "sample_failing_rows" in payments and "txn_id" in payments  # GX failing rows with their keys
    sensors = html.split('id="ds-sensors"')[1].split("</section>")[0]
    # drifted columns with their scores and a link to the Evidently HTML of that snapshot
    assert re.search(r'<a href="file://[^"]*/drift/sensors_2026-03-10\.html">', sensors)
    assert "<dt>drifted_columns</dt>" in sensors and "<dt>score</dt>" in sensors
    # the anomalous rows with their keys and reasons
    assert "<h5>top_rows</h5>" in sensors and "<th>reason</th>" in sensors and "MADs above the median" in sensors


def test_the_report_opens_offline_without_console_errors(demo_report, report_browser, tmp_path: Path) -> None:
    out, html, _ = demo_report
    assert not re.search(r'(src|href)="https?://', html)
    console, fetched = open_report(report_browser, out / "report.html", tmp_path / "report.png")
    assert console == []
    assert fetched == []
    assert (tmp_path / "report.png").stat().st_size > 10_000
