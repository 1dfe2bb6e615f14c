"""The real `dagster dev`: sensors register snapshots, runs check them, the UI shows passed and failed checks."""

from pathlib import Path

import pytest
import yaml

from dq_monitor.store import Store
from dq_monitor_tests.support.dagster_dev import DagsterDev, wait_for
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset

pytestmark = pytest.mark.slow

CHECK_QUERY = """
query($key: AssetKeyInput!) {
  assetNodes(assetKeys: [$key]) {
    assetChecksOrError { ... on AssetChecks { checks { name executionForLatestMaterialization { status } } } }
  }
}
"""


def test_dagster_dev_ingests_new_snapshots_and_shows_check_results(tmp_path: Path) -> None:
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True)
    (folder / "orders_2026-01-01.csv").write_text(orders_csv(1))
    config = tmp_path / "dq_monitor.yaml"
    config.write_text(yaml.safe_dump({"datasets": [orders_dataset()],
                                      "automation": {"sensor_interval_seconds": 2}}))
    store_url = f"sqlite:///{tmp_path / '.dq_monitor/findings.db'}"
    with DagsterDev(config, tmp_path / "dagster_home", tmp_path / "dagster_dev.log") as dev:
        wait_for(lambda: Store(store_url).evaluations(snapshot="orders_2026-01-01"), 150, what="first snapshot checked")
        # A faulty snapshot arrives: too few rows.
        (folder / "orders_2026-01-02.csv").write_text(orders_csv(2, rows=10))
        evaluations = wait_for(
            lambda: len(Store(store_url).evaluations(snapshot="orders_2026-01-02")) >= 6
            and Store(store_url).evaluations(snapshot="orders_2026-01-02"),
            150, what="faulty snapshot checked")
        failed = {e.check for e in evaluations if not e.passed}
        assert failed == {"orders_row_count_in_bounds", "orders_row_count_change_is_normal"}
        result = dev.graphql(CHECK_QUERY, {"key": {"path": ["orders_snapshot"]}})
        checks = result["data"]["assetNodes"][0]["assetChecksOrError"]["checks"]
        statuses = {c["name"]: (c["executionForLatestMaterialization"] or {}).get("status") for c in checks}
        assert statuses["orders_row_count_in_bounds"] == "FAILED"
        assert statuses["orders_schema_matches_contract"] == "SUCCEEDED"
    assert dev.proc is not None and dev.proc.poll() is not None  # SIGTERM stopped the whole session
