"""Opening a report file in headless Chromium (the `report_browser` fixture of this folder's conftest)."""

from __future__ import annotations

import re
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000")


def open_report(driver, path: Path, screenshot: Path) -> tuple[list[dict], list[str]]:
    """Open the file; (console entries at WARNING or worse, URLs of every resource the page fetched)."""
    return open_url(driver, path.resolve().as_uri(), screenshot)


def open_url(driver, url: str, screenshot: Path) -> tuple[list[dict], list[str]]:
    """Open `url`; (console entries at WARNING or worse, URLs of every resource the page fetched)."""
    driver.get(url)
    driver.save_screenshot(str(screenshot))
    console = [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]
    fetched = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return console, list(fetched)


def matrix_states(html: str, href_prefix: str) -> dict[str, dict[str, str]]:
    """The health matrix: {dataset: {snapshot: state}}, cells linking to `href_prefix`<dataset>."""
    cell = re.compile(rf'<a class="cell [^"]*" href="{re.escape(href_prefix)}[^"]*" data-snapshot="([^"]*)" '
                      r'data-state="([^"]*)"')
    rows = re.findall(r'<tr data-dataset="([^"]*)">(.*?)</tr>', html.split('<table class="matrix">')[1])
    return {name: dict(cell.findall(cells)) for name, cells in rows}
