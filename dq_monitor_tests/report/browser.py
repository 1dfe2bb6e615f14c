"""Opening a report file in headless Chromium (the `report_browser` fixture of this folder's conftest)."""

from __future__ import annotations

from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000")


def open_report(driver, path: Path, screenshot: Path) -> tuple[list[dict], list[str]]:
    """Open the file; (console entries at WARNING or worse, URLs of every resource the page fetched)."""
    driver.get(path.resolve().as_uri())
    driver.save_screenshot(str(screenshot))
    console = [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]
    fetched = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return console, list(fetched)
