"""`dq-monitor report` on a small synthetic store: the file, `--since`, an empty store, the browser."""

import re
from pathlib import Path

import pytest

from dq_monitor.cli import main
from dq_monitor.cli.report import parse_since
from dq_monitor_tests.report.browser import open_report
from dq_monitor_tests.report.synthetic import build_store


@pytest.fixture
def small_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'findings.db'}"
    build_store(url, datasets=3, snapshots=30, fault_at=10).dispose()
    (tmp_path / "dq_monitor.yaml").write_text("datasets: []\n")
    return url


def _report(tmp_path: Path, url: str, *extra: str) -> str:
    out = tmp_path / "out" / "report.html"
    assert main(["report", "--database-url", url, "--out", str(out), *extra]) == 0
    return out.read_text()


def test_the_matrix_has_a_cell_per_dataset_and_snapshot_and_the_fault_in_red(tmp_path: Path, small_store) -> None:
    html = _report(tmp_path, small_store)
    states = re.findall(r'data-snapshot="(ds\d\d_\d+)" data-state="([^"]*)"', html)
    assert len(states) == 3 * 30
    assert {s for s, state in states if state != "pass"} == {"ds00_0010", "ds01_0010", "ds02_0010"}
    assert {state for s, state in states if s.endswith("_0010")} == {"ERROR"}
    assert 'href="#ds-ds01"' in html and 'id="ds-ds01"' in html


def test_the_metric_chart_has_bands_expected_line_and_the_flagged_fault(tmp_path: Path, small_store) -> None:
    html = _report(tmp_path, small_store)
    chart = html.split('data-metric="row_count"')[1].split("</svg>")[0]
    assert all(k in chart for k in ('class="band-error"', 'class="band-warn"', 'class="expected"'))
    assert re.search(r'class="pt flag-ERROR"[^>]*><title>ds00_0010 ', chart)


def test_schema_changes_are_listed_where_the_columns_changed(tmp_path: Path, small_store) -> None:
    html = _report(tmp_path, small_store)
    section = html.split('id="ds-ds00"')[1].split("</section>")[0]
    assert re.search(r"<li><b>ds00_0015</b>[^<]*: \+ note \(str\)</li>", section)


def test_since_keeps_only_later_snapshots(tmp_path: Path, small_store) -> None:
    html = _report(tmp_path, small_store, "--since", "2025-01-21")
    snapshots = re.findall(r'data-snapshot="(ds00_\d+)"', html)
    assert snapshots[0] == "ds00_0020" and len(snapshots) == 10
    assert "ds00 row_count dropped" not in html  # the fault is before --since


def test_since_takes_durations_and_rejects_nonsense() -> None:
    assert parse_since("30d") is not None and parse_since(None) is None
    assert main(["report", "--database-url", "sqlite:///x.db", "--since", "last tuesday"]) == 2


def test_an_empty_store_still_writes_a_page_and_creates_nothing(tmp_path: Path) -> None:
    html = _report(tmp_path, f"sqlite:///{tmp_path / 'missing.db'}")
    assert "0 datasets" in html and not (tmp_path / "missing.db").exists()


@pytest.mark.slow
def test_the_page_opens_offline_without_console_errors(tmp_path: Path, small_store, report_browser) -> None:
    _report(tmp_path, small_store)
    console, fetched = open_report(report_browser, tmp_path / "out" / "report.html", tmp_path / "report.png")
    assert console == [] and fetched == []
