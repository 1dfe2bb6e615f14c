"""A real browser against the real webserver: headless Chromium (Debian's `chromium` and
`chromium-driver`) driven by selenium shows the dataset's assets and the reason a schema-contract
evaluation failed. Screenshots are saved under the test's tmp dir."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from dq_monitor.store import Store
from dq_monitor_tests.support.dagster_dev import DagsterDev, wait_for
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset

pytestmark = pytest.mark.slow

WAIT = 90  # seconds for a page to render on a busy 2-core machine


def _need(what: str, found: object) -> None:
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is not installed (.ci/run installs it)")
        pytest.skip(f"{what} is not installed")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    _need("chromium", chromium)
    _need("chromium-driver", driver_path)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _need("selenium", None)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--window-size=1600,1000", f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path, log_output=str(tmp_path / "chromedriver.log")),
                              options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def _project(root: Path) -> Path:
    folder = root / "data/orders"
    folder.mkdir(parents=True)
    folder.joinpath("orders_2026-01-01.csv").write_text(orders_csv(1))
    # The second snapshot lost its `country` column: the contract check fails, naming it.
    lines = orders_csv(2).splitlines()
    folder.joinpath("orders_2026-01-02.csv").write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    config = root / "dq_monitor.yaml"
    config.write_text(yaml.safe_dump({"datasets": [orders_dataset()], "automation": {"sensor_interval_seconds": 2}}))
    return config


def _text_appears(driver, text: str, timeout: float = WAIT) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=1).until(
        ec.text_to_be_present_in_element((By.TAG_NAME, "body"), text))


def _open_check(driver, name: str) -> None:
    """Select a check as a user does: the list middle-truncates long names, so filter, then click."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = WebDriverWait(driver, WAIT, poll_frequency=1).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "input[placeholder='Filter checks']"))
    box.send_keys(name)
    suffix = name[-8:]  # the tail survives the middle truncation
    row = WebDriverWait(driver, WAIT, poll_frequency=1).until(
        lambda d: next((e for e in d.find_elements(By.XPATH, f"//*[contains(text(), '{suffix}')]")
                        if e.is_displayed()), None))
    row.click()


def test_the_ui_shows_the_assets_and_why_the_schema_contract_failed(tmp_path: Path, browser) -> None:
    config = _project(tmp_path / "project")
    store_url = f"sqlite:///{tmp_path / 'findings.db'}"
    env = {"DQ_MONITOR_DATABASE_URL": store_url}
    with DagsterDev(config, tmp_path / "dagster_home", tmp_path / "dev.log", env=env) as dev:
        failed = wait_for(lambda: [e for e in Store(store_url).evaluations(snapshot="orders_2026-01-02")
                                   if e.check == "orders_schema_matches_contract" and not e.passed],
                          240, what="the failed schema-contract evaluation")
        base = f"http://127.0.0.1:{dev.port}"
        # The "Join the Dagster community" dialog would cover the page on a fresh instance.
        assert dev.graphql("mutation { setNuxSeen }")["data"]["setNuxSeen"]
        browser.get(f"{base}/asset-groups")
        _text_appears(browser, "orders_snapshot")
        browser.save_screenshot(str(tmp_path / "asset_graph.png"))
        browser.get(f"{base}/assets")
        _text_appears(browser, "orders_snapshot")
        browser.save_screenshot(str(tmp_path / "asset_list.png"))
        browser.get(f"{base}/assets/orders_snapshot?view=checks")
        _text_appears(browser, "orders_snapshot_is_readable")
        browser.save_screenshot(str(tmp_path / "asset_checks.png"))
        _open_check(browser, "orders_schema_matches_contract")
        _text_appears(browser, "Failed")
        _text_appears(browser, "column 'country' is missing")  # the evaluation's reason, as stored
        browser.save_screenshot(str(tmp_path / "schema_contract_failure.png"))
        assert "column 'country' is missing" in failed[0].message
    assert all((tmp_path / f"{name}.png").stat().st_size > 0
               for name in ("asset_graph", "asset_list", "asset_checks", "schema_contract_failure"))
