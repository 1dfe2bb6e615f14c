"""The demo store the report and serve tests share, and headless Chromium that records the console."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dq_monitor.cli import main
from dq_monitor.store import Store
from dq_monitor_tests.report.browser import FLAGS


@dataclass
class DemoStore:
    """The demo's folder (config, ground truth) after `check --all`, and its store."""

    dir: Path
    store: Store

    @property
    def config(self) -> str:
        return str(self.dir / "dq_monitor.yaml")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStore]:
    """`dq-monitor demo --days 15` checked in full: the injected faults are in the store (shared by this folder)."""
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(out), "--days", "15"]) == 0
    assert main(["check", "--config", str(out / "dq_monitor.yaml"), "--all"]) == 1  # the injected ERROR faults
    store = Store(f"sqlite:///{out / '.dq_monitor/findings.db'}")
    yield DemoStore(out, store)
    store.dispose()


@pytest.fixture(scope="session")
def demo_report(demo_store: DemoStore) -> tuple[Path, str, Store]:
    """The demo's report file: (demo folder, HTML, store)."""
    out = demo_store.dir / "report.html"
    assert main(["report", "--config", demo_store.config, "--out", str(out)]) == 0
    return demo_store.dir, out.read_text(), demo_store.store


@pytest.fixture
def report_browser(tmp_path: Path) -> Iterator[object]:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.skip("chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS + (f"--user-data-dir={tmp_path / 'chromium-profile'}",):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path, log_output=str(tmp_path / "chromedriver.log")),
                              options=options)
    driver.set_page_load_timeout(90)
    try:
        yield driver
    finally:
        driver.quit()
