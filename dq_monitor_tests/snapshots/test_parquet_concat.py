"""A snapshot of several Parquet part files (`snapshot_unit: folder`) on the fast path (`snapshots/parquet_concat.py`).

Alike part files are appended row group by row group into the partition file; what the snapshot asset records
and writes must equal the general path's (read every file into pandas, concatenate, profile), and files that
are not alike take the general path.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dq_monitor.config import load_config
from dq_monitor.defs import parquet_ingest
from dq_monitor.defs.context import DatasetContext
from dq_monitor.defs.frames import read_frame
from dq_monitor.store import Store
from dq_monitor_tests.snapshots.test_parquet_ingest import (
    SID,
    _assert_same_ingest,
    _frame,
    _materialize,
)
from dq_monitor_tests.support.helpers import write_config

PARTS = [(0, 1000), (1000, 2200), (2200, 3000)]


def _folder_project(tmp_path: Path, parts: list[pd.DataFrame]):
    folder = tmp_path / "data" / "events" / SID
    folder.mkdir(parents=True)
    for i, part in enumerate(parts):
        part.to_parquet(folder / f"part-{i:05d}.parquet", index=False, row_group_size=400)
    ds = {"name": "events", "source": {"kind": "files", "path": "data/events", "pattern": "*.parquet",
                                       "format": "parquet", "snapshot_unit": "folder"},
          "timestamp_column": "ts", "primary_key": ["id"]}
    project = load_config(write_config(tmp_path, [ds], storage={"home": ".dq"}))
    return project, DatasetContext.build(project.datasets[0], project)


@pytest.fixture
def concatenated(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each `concat_files` call of the snapshot asset returned."""
    calls: list[bool] = []

    def spy(*args, **kwargs):
        calls.append(parquet_ingest_concat(*args, **kwargs))
        return calls[-1]

    parquet_ingest_concat = parquet_ingest.concat_files
    monkeypatch.setattr(parquet_ingest, "concat_files", spy)
    return calls


def _parts(frame: pd.DataFrame) -> list[pd.DataFrame]:
    return [frame.iloc[a:b].reset_index(drop=True) for a, b in PARTS]


def test_alike_part_files_are_appended_and_recorded_as_the_general_path_records_them(tmp_path, concatenated):
    frame = _frame()  # with two categoricals, each with the same categories in every part file
    project, ctx = _folder_project(tmp_path, _parts(frame))
    result = _materialize(project, ctx)
    assert result.success and concatenated == [True]
    partition = ctx.snapshot_parquet(SID)
    assert list(partition.parent.iterdir()) == [partition]  # nothing left staged
    assert pq.ParquetFile(partition).num_row_groups == 3 + 3 + 2  # the part files' row groups, in order
    pd.testing.assert_frame_equal(read_frame(partition), frame, check_exact=True)
    expected = _assert_same_ingest(project, ctx, tmp_path, result)
    assert any("primary_key (id) is repeated" in p["problem"] for p in expected["problems"])


@pytest.mark.parametrize("difference", ["categorical", "schema", "nullable-int-in-one-file"])
def test_part_files_that_are_not_alike_take_the_general_path(tmp_path, concatenated, difference):
    frame = _frame()
    parts = _parts(frame)
    if difference == "categorical":  # other categories in one file: pandas concatenates the column to object
        parts[1] = parts[1].assign(cat=parts[1]["cat"].cat.reorder_categories(["b", "a", "c", "unused"]))
    if difference == "schema":
        parts[1] = parts[1].assign(extra=1.5)
    if difference == "nullable-int-in-one-file":
        parts[2] = parts[2].assign(count=parts[2]["count"].astype("Int32"))  # same Arrow type, other pandas dtype
    project, ctx = _folder_project(tmp_path, parts)
    result = _materialize(project, ctx)
    assert concatenated == [False]
    if difference == "schema":
        store = Store(f"sqlite:///{project.home_dir / 'findings.db'}")
        try:
            problems = [p["problem"] for p in store.get_snapshot("events", SID).read_problems]
        finally:
            store.dispose()
        assert any("files of this snapshot have different columns" in p for p in problems)
    else:
        assert result.success
        _assert_same_ingest(project, ctx, tmp_path, result)
