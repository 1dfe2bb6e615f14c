"""The snapshot asset's Parquet fast path (`defs/parquet_ingest.py`) records and stores what the general path does.

Each test materialises the real snapshot asset with Dagster and compares its partition file, store rows and
output metadata with what the general path (read the whole snapshot into pandas, profile the frame, write the
frame as Parquet) computes from the same source file.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from dq_monitor.checks import describe_columns
from dq_monitor.config import load_config
from dq_monitor.defs import parquet_ingest
from dq_monitor.defs.builder import build_resources
from dq_monitor.defs.context import DatasetContext
from dq_monitor.defs.frames import read_frame, write_frame
from dq_monitor.defs.snapshots import (
    arrow_safe,
    build_snapshot_asset,
    newest_timestamp,
    output_metadata,
    snapshot_metrics,
)
from dq_monitor.snapshots import find_snapshot, read_snapshot
from dq_monitor.store import Store
from dq_monitor_tests.support.helpers import write_config

SID = "events_2026-03-02"
#: Output metadata the general path computes from the frame; the fast path computes it column by column.
FRAME_METADATA = ("dagster/row_count", "dagster/column_schema", "memory_bytes", "read_problems", "preview")


def _frame(rows: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    x = rng.normal(5, 2, rows)
    x[::97] = np.nan
    x[5] = np.inf
    words = np.array(["alpha", "beta", None, "gamma", "délta"], dtype=object)
    flags = pd.array(rng.integers(0, 2, rows).astype(bool), dtype=object)
    flags[::13] = None
    return pd.DataFrame({
        "ts": pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(np.sort(rng.integers(0, 86_400, rows)), "s"),
        "local": pd.Timestamp("2026-03-01", tz="Europe/Berlin") + pd.to_timedelta(np.arange(rows), "min"),
        "naive": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 10**6, rows), "s"),
        "id": np.arange(rows) // 2 * 2,  # repeated primary keys: a readability warning
        "count": rng.poisson(20, rows).astype("int32"),
        "small": rng.integers(0, 200, rows).astype("uint8"),
        "x": x,
        "x32": rng.normal(0, 1, rows).astype("float32"),
        "nullable_int": pd.array(np.where(rng.random(rows) < 0.1, None, rng.integers(0, 9, rows)), dtype="Int64"),
        "int_with_nulls": np.where(rng.random(rows) < 0.1, np.nan, rng.integers(0, 50, rows).astype(float)),
        "cat": pd.Categorical.from_codes(rng.integers(-1, 4, rows), ["a", "b", "c", "unused"]),
        "grade": pd.Categorical.from_codes(rng.integers(0, 3, rows), ["low", "mid", "high"], ordered=True),
        "word": words[rng.integers(0, len(words), rows)],
        "text": pd.array(words[rng.integers(0, len(words), rows)], dtype="string"),
        "flag": rng.integers(0, 2, rows).astype(bool),
        "maybe": flags,
        "empty": pd.Series([None] * rows, dtype=object),
    })


def _project(tmp_path: Path, frame: pd.DataFrame, **dataset):
    folder = tmp_path / "data" / "events"
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / f"{SID}.parquet", index=False, row_group_size=1000)
    ds = {"name": "events", "source": {"kind": "files", "path": "data/events", "pattern": "*.parquet",
                                       "format": "parquet", "snapshot_unit": "file"},
          "timestamp_column": "ts", "primary_key": ["id"], **dataset}
    project = load_config(write_config(tmp_path, [ds], storage={"home": ".dq"}))
    return project, DatasetContext.build(project.datasets[0], project)


def _materialize(project, ctx: DatasetContext) -> dg.ExecuteInProcessResult:
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(ctx.partitions_def.name, [SID])
        return dg.materialize([build_snapshot_asset(ctx)], partition_key=SID, instance=instance,
                              resources=build_resources(project), raise_on_error=False)


def _general_path(ctx: DatasetContext, tmp_path: Path) -> dict:
    """What the general path records and writes for the snapshot (the functions the asset used before)."""
    ref = find_snapshot(ctx.dataset, ctx.root_path, SID)
    result = read_snapshot(ctx.dataset, ref)
    columns = describe_columns(result.frame)
    frame = arrow_safe(result.frame, columns)
    expected = {"ref": ref, "columns": columns,
                "problems": [{"file": p.file, "problem": p.problem, "severity": p.severity} for p in result.problems],
                "metrics": snapshot_metrics(frame, ref, ctx.dataset.timestamp_column, logging.getLogger(__name__)),
                "newest": newest_timestamp(frame, ctx.dataset.timestamp_column)}
    expected["metadata"] = output_metadata(frame, ref, columns, len(result.problems))  # in the asset's order
    write_frame(frame, tmp_path / "general.parquet")  # what the IO manager wrote
    return {**expected, "frame": pd.read_parquet(tmp_path / "general.parquet")}


def _same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        return (a is None or math.isnan(a)) == (b is None or math.isnan(b))
    return a == b


def _assert_same_ingest(project, ctx: DatasetContext, tmp_path: Path, result: dg.ExecuteInProcessResult) -> dict:
    expected = _general_path(ctx, tmp_path)
    pd.testing.assert_frame_equal(read_frame(ctx.snapshot_parquet(SID)), expected["frame"], check_exact=True)
    store = Store(f"sqlite:///{project.home_dir / 'findings.db'}")
    try:
        record = store.get_snapshot("events", SID)
        metrics = store.metrics_for_snapshot("events", SID)
    finally:
        store.dispose()
    assert record.row_count == len(expected["frame"])
    assert record.columns == expected["columns"]
    assert list(record.read_problems) == expected["problems"]
    assert record.max_timestamp.replace(tzinfo=None) == expected["newest"].replace(tzinfo=None)
    stored_expected = {k: (None if math.isnan(v) or math.isinf(v) else v) for k, v in expected["metrics"].items()}
    assert metrics.keys() == stored_expected.keys()
    assert [k for k, v in metrics.items() if not _same_number(v, stored_expected[k])] == []
    [materialization] = result.asset_materializations_for_node(ctx.snapshot_key.path[-1])
    for key in FRAME_METADATA:
        assert materialization.metadata[key] == expected["metadata"][key], key
    return expected


def _source_bytes(tmp_path: Path) -> bytes:
    return (tmp_path / "data" / "events" / f"{SID}.parquet").read_bytes()


@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "two-threads"])
def test_a_plain_parquet_file_is_copied_and_recorded_as_the_general_path_records_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool) -> None:
    # Large files profile two columns at a time on two threads: the same records, metrics and order.
    monkeypatch.setattr(parquet_ingest, "PARALLEL_SCAN_ROWS", 0 if parallel else 10**12)
    project, ctx = _project(tmp_path, _frame(), schema={"columns": {
        "x": {"type": "float", "nullable": False}, "id": "int", "ts": "datetime", "local": "datetime"},
        "allow_extra_columns": True})
    result = _materialize(project, ctx)
    assert result.success
    assert ctx.snapshot_parquet(SID).read_bytes() == _source_bytes(tmp_path)  # the fast path: a byte copy
    assert list(ctx.snapshot_parquet(SID).parent.iterdir()) == [ctx.snapshot_parquet(SID)]  # nothing left staged
    expected = _assert_same_ingest(project, ctx, tmp_path, result)
    problems = [p["problem"] for p in expected["problems"]]
    assert any("'x': 1 of 3000 value(s) are infinite" in p for p in problems)
    assert any("primary_key (id) is repeated" in p for p in problems)


def test_a_naive_timestamp_column_is_localised_in_the_partition_file_as_the_general_path_does(tmp_path: Path) -> None:
    frame = _frame(2500).assign(ts=lambda f: f["ts"].dt.tz_localize(None))
    project, ctx = _project(tmp_path, frame)
    result = _materialize(project, ctx)
    assert result.success
    assert ctx.snapshot_parquet(SID).read_bytes() != _source_bytes(tmp_path)
    assert pq.ParquetFile(ctx.snapshot_parquet(SID)).num_row_groups == 3  # the source's: rewritten group by group
    assert list(ctx.snapshot_parquet(SID).parent.iterdir()) == [ctx.snapshot_parquet(SID)]
    assert str(read_frame(ctx.snapshot_parquet(SID))["ts"].dtype) == "datetime64[ns, UTC]"
    assert str(read_frame(ctx.snapshot_parquet(SID))["naive"].dtype) == "datetime64[ns]"  # not a parsed column
    _assert_same_ingest(project, ctx, tmp_path, result)


def test_a_stored_index_takes_the_general_path(tmp_path: Path) -> None:
    project, ctx = _project(tmp_path, pd.DataFrame())
    _frame(400).set_index("id").to_parquet(tmp_path / "data" / "events" / f"{SID}.parquet")
    result = _materialize(project, ctx)
    assert result.success
    assert "id" not in read_frame(ctx.snapshot_parquet(SID)).columns  # index=False, as the general path writes
    _assert_same_ingest(project, ctx, tmp_path, result)


@pytest.mark.parametrize("damage", ["truncated", "garbled_pages"])
def test_a_damaged_parquet_file_gets_the_general_path_finding(tmp_path: Path, damage: str) -> None:
    project, ctx = _project(tmp_path, _frame())
    path = tmp_path / "data" / "events" / f"{SID}.parquet"
    raw = bytearray(path.read_bytes())
    if damage == "truncated":
        raw = raw[: len(raw) * 2 // 3]
    else:  # footer intact, data pages overwritten
        raw[200: len(raw) // 2] = bytes(len(raw) // 2 - 200)
    path.write_bytes(bytes(raw))
    ref = find_snapshot(ctx.dataset, ctx.root_path, SID)
    general = read_snapshot(ctx.dataset, ref)
    assert general.problems and general.frame.empty
    result = _materialize(project, ctx)
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed
    store = Store(f"sqlite:///{project.home_dir / 'findings.db'}")
    try:
        record = store.get_snapshot("events", SID)
        findings = store.findings(dataset="events")
    finally:
        store.dispose()
    assert list(record.read_problems) == [{"file": p.file, "problem": p.problem, "severity": p.severity}
                                    for p in general.problems]
    assert [p.problem for p in general.problems if p.problem in " ".join(f.message for f in findings)]
