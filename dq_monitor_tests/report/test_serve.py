"""`dq-monitor serve` as a real process on the demo's store: the pages over HTTP and in headless
Chromium, GET only (405 for every write method), bound to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dq_monitor_tests.report.browser import matrix_states, open_url

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, method: str = "GET") -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, method=method, data=b"{}" if method in ("POST", "PUT", "PATCH") else None)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode(), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), {k.lower(): v for k, v in exc.headers.items()}


@pytest.fixture(scope="module")
def served(demo_store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """`dq-monitor serve --config ... --port N` (no --host) running until the module's tests end."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "dq_monitor.cli", "serve", "--config", demo_store.config,
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base, port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _listening(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp{,6} writes them) with a socket listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":  # 0A: LISTEN
                found.add(address)
    return found


def test_it_binds_to_loopback_by_default(served) -> None:
    _, port = served
    assert _listening(port) == {"0100007F"}  # 127.0.0.1 only, no 0.0.0.0 / ::


def test_the_overview_shows_the_same_matrix_as_the_report_with_links_to_dataset_pages(served, demo_report) -> None:
    base, _ = served
    _, report_html, _ = demo_report
    status, html, headers = _get(base + "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    served_matrix = matrix_states(html, "/datasets/")
    assert served_matrix == matrix_states(report_html, "#ds-") and len(served_matrix) == 3
    assert served_matrix["sensors"]["sensors_2026-03-08"] == "ERROR"  # the volume drop
    assert 'href="/datasets/sensors"' in html


def test_the_dataset_page_draws_the_volume_fault_on_the_banded_row_count_chart(served) -> None:
    base, _ = served
    status, html, _ = _get(base + "/datasets/sensors")
    assert status == 200
    chart = html.split('data-metric="row count"')[1].split("</svg>")[0]
    assert 'class="band-error"' in chart
    assert re.search(r'<circle class="pt flag-ERROR"[^>]*><title>sensors_2026-03-08 ', chart)
    assert 'id="ds-payments"' not in html  # one dataset per page
    assert _get(base + "/datasets/no_such_dataset")[0] == 404


def test_since_limits_every_page_and_bad_values_are_400(served, demo_store) -> None:
    base, _ = served
    ground_truth = json.loads((demo_store.dir / "ground_truth.json").read_text())
    assert ground_truth
    newest = max(s.snapshot_time for s in demo_store.store.snapshots("sensors"))
    status, html, _ = _get(base + f"/?since={newest:%Y-%m-%d}")
    assert status == 200 and len(matrix_states(html, "/datasets/")["sensors"]) == 1
    assert 'href="/datasets/sensors?since=' in html  # links keep the filter
    assert _get(base + "/?since=last+tuesday")[0] == 400


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/", "/datasets/sensors", "/report.html", "/healthz"])
def test_every_write_method_is_rejected(served, method: str, path: str) -> None:
    base, _ = served
    assert _get(base + path, method)[0] == 405


def test_the_one_page_report_is_served_too(served) -> None:
    base, _ = served
    status, html, headers = _get(base + "/report.html")
    assert status == 200 and 'id="ds-sensors"' in html and 'id="ds-payments"' in html
    assert "default-src 'none'" in headers["content-security-policy"]


def test_the_pages_open_in_chromium_without_console_errors_or_requests(served, report_browser,
                                                                      tmp_path: Path) -> None:
    base, _ = served
    console, fetched = open_url(report_browser, base + "/", tmp_path / "overview.png")
    assert console == [] and fetched == []
    cell = report_browser.find_element("css selector", 'tr[data-dataset="sensors"] a[data-snapshot="sensors_2026-03-08"]')
    assert cell.get_attribute("data-state") == "ERROR"
    cell.click()
    assert report_browser.current_url == base + "/datasets/sensors"
    assert report_browser.find_element("css selector", "section.dataset h2").text == "sensors"
    assert report_browser.find_elements("css selector", 'svg[data-metric="row count"] circle.flag-ERROR')
    report_browser.save_screenshot(str(tmp_path / "sensors.png"))
    console = [e for e in report_browser.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]
    assert console == []
    assert (tmp_path / "overview.png").stat().st_size > 10_000 and (tmp_path / "sensors.png").stat().st_size > 10_000


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_an_empty_store_serves_empty_pages_until_it_has_tables(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from dq_monitor.report.serve import create_app
    from dq_monitor_tests.report.synthetic import build_store

    url = f"sqlite:///{tmp_path / 'findings.db'}"
    ready, opened = [], []

    def open_store():  # what `dq-monitor serve` does: None while the store has no tables
        opened.append(build_store(url, datasets=1, snapshots=3) if ready else None)
        return opened[-1]

    client = TestClient(create_app(open_store))
    empty = client.get("/")
    assert empty.status_code == 200 and "0 datasets" in empty.text and "No open findings." in empty.text
    assert client.get("/datasets/ds00").status_code == 404
    ready.append(True)  # the first check run created the tables
    later = client.get("/")
    assert later.status_code == 200 and 'href="/datasets/ds00"' in later.text
    assert client.get("/datasets/ds00").status_code == 200
    assert len(opened) == 3  # opened on each request while empty, then kept
    opened[-1].dispose()
