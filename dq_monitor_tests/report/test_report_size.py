"""The report of 50 datasets x 365 snapshots builds in under 10 s and stays under 20 MB."""

import time
from pathlib import Path

import pytest

from dq_monitor.report import build_report
from dq_monitor_tests.report.synthetic import build_store

pytestmark = pytest.mark.slow


def test_a_year_of_fifty_datasets_builds_in_under_ten_seconds_and_twenty_megabytes(tmp_path: Path) -> None:
    store = build_store(f"sqlite:///{tmp_path / 'big.db'}", datasets=50, snapshots=365)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        html = build_report(store)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        store.dispose()
    size = len(html.encode())
    print(f"50 x 365 report: {seconds:.2f} s wall, {cpu:.2f} s CPU, {size / 1e6:.2f} MB")
    assert html.count('class="cell ') == 50 * 365 + 5  # + the legend's five swatches
    assert cpu < 10  # CPU, not wall time: the 2 test cores are shared and wall time measures the neighbours
    assert size < 20e6
