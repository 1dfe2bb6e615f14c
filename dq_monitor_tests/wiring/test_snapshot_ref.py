"""The sensor hands each snapshot's reference to its run, so the run never lists the source again.

The source is read through a real fsspec filesystem (the local one) that counts how often it is
listed; a run started from the sensor's request must not list it, a run started without the
reference (UI, backfill) looks the snapshot up once.
"""

from pathlib import Path

import dagster as dg
import fsspec
import pytest
from fsspec.implementations.local import LocalFileSystem

from dq_monitor.config import load_config
from dq_monitor.defs.builder import build_definitions
from dq_monitor.defs.snapshots import SNAPSHOT_REF_TAG
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset, write_config


class ListingCountingFileSystem(LocalFileSystem):
    """The local filesystem under the `countingfs://` protocol, counting every listing."""

    protocol = ("countingfs",)
    listings = 0

    def ls(self, path, detail=False, **kwargs):
        type(self).listings += 1
        return super().ls(path, detail=detail, **kwargs)

    def glob(self, path, **kwargs):
        type(self).listings += 1
        return super().glob(path, **kwargs)


@pytest.fixture
def counting_fs():
    fsspec.register_implementation("countingfs", ListingCountingFileSystem, clobber=True)
    ListingCountingFileSystem.listings = 0
    yield ListingCountingFileSystem


def _project(tmp_path: Path):
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True)
    for day in (1, 2):
        (folder / f"orders_2026-01-{day:02d}.csv").write_text(orders_csv(day))
    return load_config(write_config(tmp_path, [orders_dataset(path=f"countingfs://{folder}")]))


def _run(defs: dg.Definitions, instance: dg.DagsterInstance, partition: str, tags: dict[str, str]):
    return defs.resolve_job_def("orders_snapshot_job").execute_in_process(
        partition_key=partition, instance=instance, tags=tags)


def test_a_run_requested_by_the_sensor_reads_its_snapshot_without_listing_the_source(
        tmp_path: Path, counting_fs) -> None:
    defs = build_definitions(_project(tmp_path))
    sensor = defs.resolve_sensor_def("orders_new_snapshot_sensor")
    with dg.instance_for_test() as instance:
        tick = sensor(dg.build_sensor_context(instance=instance, definitions=defs), dq_store=defs.resources["dq_store"])
        assert counting_fs.listings > 0  # discovery lists the source once per tick
        for request in tick.dynamic_partitions_requests:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        request = next(r for r in tick.run_requests if r.partition_key == "orders_2026-01-02")
        assert SNAPSHOT_REF_TAG in request.tags
        listed = counting_fs.listings
        result = _run(defs, instance, request.partition_key, dict(request.tags))
        assert result.success
        assert counting_fs.listings == listed  # the run did not list the source
        mat = result.asset_materializations_for_node("orders_snapshot")[0]
        assert mat.metadata["dagster/row_count"].value == 100
        assert mat.metadata["source_path"].path.endswith("orders_2026-01-02.csv")
        assert all(e.passed for e in result.get_asset_check_evaluations())


def test_a_run_without_the_reference_looks_the_snapshot_up(tmp_path: Path, counting_fs) -> None:
    defs = build_definitions(_project(tmp_path))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("orders_snapshots", ["orders_2026-01-01"])
        result = _run(defs, instance, "orders_2026-01-01", {})
        assert result.success and counting_fs.listings > 0
        # A reference for another partition (or a garbled one) is ignored, not trusted.
        instance.add_dynamic_partitions("orders_snapshots", ["orders_2026-01-02"])
        before = counting_fs.listings
        assert _run(defs, instance, "orders_2026-01-02", {SNAPSHOT_REF_TAG: "not json"}).success
        assert counting_fs.listings > before
