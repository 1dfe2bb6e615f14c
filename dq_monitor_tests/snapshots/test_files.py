"""Reading snapshots never raises on bad data: problems name the file."""

from pathlib import Path

import pandas as pd
import pytest

from dq_monitor.config import load_config
from dq_monitor.snapshots import (
    SourceError,
    discover_snapshots,
    read_snapshot,
    snapshot_id_for,
    time_from_name,
)
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset, write_config


def _dataset(tmp_path: Path, **source):
    src = {"kind": "files", "path": "data/orders", "pattern": "*.csv", "format": "csv", **source}
    project = load_config(write_config(tmp_path, [orders_dataset(source=src)]))
    return project, project.datasets[0]


def _read_one(tmp_path: Path, name: str, content: bytes):
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    project, ds = _dataset(tmp_path)
    refs = discover_snapshots(ds, str(project.resolve(ds.source.path)))
    return read_snapshot(ds, refs[0])


def test_snapshot_ids_are_stable_and_partition_safe() -> None:
    assert snapshot_id_for("orders_2026-01-05.csv") == "orders_2026-01-05"
    assert snapshot_id_for("2026/01/05 export.csv.gz") == "2026__01__05_export"
    assert time_from_name("orders_2026-01-05").isoformat() == "2026-01-05T00:00:00+00:00"
    assert time_from_name("dump_20260105T0630").hour == 6


def test_files_are_discovered_oldest_first(tmp_path: Path) -> None:
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True)
    for day in (3, 1, 2):
        (folder / f"orders_2026-01-0{day}.csv").write_text(orders_csv(day))
    (folder / "notes.txt").write_text("ignored")
    project, ds = _dataset(tmp_path)
    refs = discover_snapshots(ds, str(project.resolve(ds.source.path)))
    assert [r.snapshot_id for r in refs] == ["orders_2026-01-01", "orders_2026-01-02", "orders_2026-01-03"]
    frame = read_snapshot(ds, refs[0]).frame
    assert len(frame) == 100 and str(frame["ts"].dtype) == "datetime64[ns, UTC]"


def test_folder_snapshots_concatenate_their_files(tmp_path: Path) -> None:
    for part in ("a", "b"):
        d = tmp_path / "data/orders/2026-01-01"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"part-{part}.csv").write_text(orders_csv(1, rows=10))
    project, ds = _dataset(tmp_path, snapshot_unit="folder")
    refs = discover_snapshots(ds, str(project.resolve(ds.source.path)))
    assert [r.snapshot_id for r in refs] == ["2026-01-01"] and len(refs[0].files) == 2
    assert len(read_snapshot(ds, refs[0]).frame) == 20


def test_a_missing_folder_is_a_source_error_naming_the_dataset(tmp_path: Path) -> None:
    project, ds = _dataset(tmp_path)
    with pytest.raises(SourceError, match="dataset 'orders': source folder .* does not exist"):
        discover_snapshots(ds, str(project.resolve(ds.source.path)))


def test_an_empty_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    result = _read_one(tmp_path, "orders_2026-01-01.csv", b"")
    assert result.frame.empty
    assert [(p.file, p.problem) for p in result.problems] == [("orders_2026-01-01.csv", "file is empty (0 bytes)")]


def test_a_header_only_file_reads_as_zero_rows_with_a_warning(tmp_path: Path) -> None:
    result = _read_one(tmp_path, "orders_2026-01-01.csv", b"id,ts,amount,country\n")
    assert list(result.frame.columns) == ["id", "ts", "amount", "country"] and len(result.frame) == 0
    assert result.problems[0].problem == "file has a header but no data rows" and result.problems[0].severity == "WARN"


def test_malformed_rows_are_skipped_and_reported_with_line_numbers(tmp_path: Path) -> None:
    content = orders_csv(1, rows=5) + "99,2026-01-01T00:00:00,1.0,DE,EXTRA,FIELDS\n"
    result = _read_one(tmp_path, "orders_2026-01-01.csv", content.encode())
    assert len(result.frame) == 5
    assert "1 malformed row(s) skipped" in result.problems[0].problem and "line 7" in result.problems[0].problem


def test_undecodable_bytes_are_replaced_and_reported(tmp_path: Path) -> None:
    content = orders_csv(1, rows=3).replace("DE", "D\xe9").encode("latin-1")
    result = _read_one(tmp_path, "orders_2026-01-01.csv", content)
    assert len(result.frame) == 3
    assert "not valid UTF-8" in result.problems[0].problem


def test_duplicate_column_names_are_refused_with_the_names(tmp_path: Path) -> None:
    result = _read_one(tmp_path, "orders_2026-01-01.csv", b"id,amount,amount\n1,2,3\n")
    assert result.frame.empty
    assert result.problems[0].problem == "duplicate column names in header: ['amount']"


def test_unparseable_timestamps_are_counted(tmp_path: Path) -> None:
    content = orders_csv(1, rows=3) + "7,not-a-time,1.0,DE\n"
    result = _read_one(tmp_path, "orders_2026-01-01.csv", content.encode())
    assert any("column 'ts': 1 value(s) are not timestamps" in p.problem for p in result.problems)
    assert result.frame["ts"].isna().sum() == 1


def test_parquet_and_jsonl_read(tmp_path: Path) -> None:
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True)
    pd.DataFrame({"id": [1, 2], "amount": [1.0, 2.0]}).to_parquet(folder / "orders_2026-01-01.parquet")
    project, ds = _dataset(tmp_path, pattern="*.parquet", format="parquet")
    refs = discover_snapshots(ds, str(project.resolve(ds.source.path)))
    assert read_snapshot(ds, refs[0]).frame["amount"].tolist() == [1.0, 2.0]

    (folder / "orders_2026-01-02.jsonl").write_text('{"id": 1, "amount": 2.5}\nnot json\n{"id": 2}\n')
    project, ds = _dataset(tmp_path, pattern="*.jsonl", format="jsonl")
    result = read_snapshot(ds, discover_snapshots(ds, str(project.resolve(ds.source.path)))[0])
    assert len(result.frame) == 2 and "line 2" in result.problems[0].problem
