"""The snapshot asset's fast path for well-formed Parquet files (issue 16, "read and profile once").

The general path reads a snapshot into one pandas frame, profiles the frame and writes it back as the
partition's Parquet file: at 5M x 20 that held the Arrow table, the frame and the write conversion at once.
A single Parquet file of plain column types needs no transformation, so here the partition file is a byte
copy of it (staged next to the partition, moved into place by the IO manager; naive timestamps in a column
`read.py` parses are localised to UTC as it does, by rewriting the file one row group at a time; several
alike files of one snapshot are appended row group by row group, `snapshots/parquet_concat.py`), and
`scan_parquet` reads the copy one column at a time, computing from each column what the general path
computes from the frame (the column's type and null count, its metrics, infinities, memory, the preview
rows), then drops it: memory is one column per thread (two threads from `PARALLEL_SCAN_ROWS` rows on, each
column read by its own reader, merged in column order). Reading that copy with `pd.read_parquet` gives the
frame the general path wrote (same dtypes, categories, time zones, column order; the tests compare them).

Anything unusual (files unlike each other, an index stored as a column, nested or decimal columns, duplicate
names, no rows, a file pyarrow cannot read, a column holding mixed Python types) returns None and the
caller takes the general path, which names every problem exactly as before.
"""

from __future__ import annotations

import json
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from dq_monitor.checks import describe_columns
from dq_monitor.core.files import private_tmp
from dq_monitor.history.profile import column_metrics, freshness_lag
from dq_monitor.snapshots import ReadProblem, SnapshotRef
from dq_monitor.snapshots.discover import open_filesystem
from dq_monitor.snapshots.named import config_column_problems, primary_key_problems
from dq_monitor.snapshots.parquet_concat import concat_files, pandas_metadata
from dq_monitor.snapshots.read import infinite_values
from dq_monitor.snapshots.spec import FilesSource, SnapshotDataset

PREVIEW_ROWS = 10
#: Columns profiled at once (each holds one column in memory) from this many rows on; smaller files serially.
SCAN_THREADS = 2
PARALLEL_SCAN_ROWS = 100_000
COPY_BUFFER = 8 * 1024 * 1024


@dataclass
class ParquetScan:
    rows: int
    columns: dict[str, dict[str, Any]]  # `describe_columns` of the frame
    profile: dict[str, float]  # `profile(frame, ...)`, same keys in the same order
    problems: list[ReadProblem]
    nbytes: int  # `frame_nbytes(frame)`
    head: pd.DataFrame  # `frame.head(PREVIEW_ROWS)`
    newest: datetime | None  # `newest_timestamp(frame, timestamp_column)`


def stage_copy(dataset: SnapshotDataset, ref: SnapshotRef, dest: Path) -> Path | None:
    """The snapshot's Parquet data as one file next to `dest` (the partition file), or None: for one file a byte
    copy, or, when a column `read.py` parses holds naive timestamps, a copy with those columns localised to UTC
    as it does; for several alike files their row groups appended (`snapshots.parquet_concat`)."""
    if not ref.files:
        return None
    staged = private_tmp(dest)
    try:
        fs, _ = open_filesystem(ref.path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if len(ref.files) > 1:
            if concat_files(fs, ref.files, staged, lambda schema, rows: _plain_schema(schema, rows, dataset)):
                return staged
            staged.unlink(missing_ok=True)
            return None
        with fs.open(ref.files[0], "rb") as src:
            if src.read(4) != b"PAR1":  # empty, gzip-compressed or not Parquet: the general path says which
                return None
            src.seek(0)
            if not _localise(src, dataset, staged):
                _copy(fs, src, ref.files[0], staged)
    except Exception:  # noqa: BLE001 - the general path reads the file again and names the problem
        staged.unlink(missing_ok=True)
        return None
    return staged


def _copy(fs: Any, src: Any, file: str, staged: Path) -> None:
    """The bytes of `file` (open as `src`) into `staged`: a kernel-side copy for a local file (a quarter of the
    time of a buffered copy at 130 MB), else a buffered copy through the filesystem's stream."""
    from fsspec.implementations.local import LocalFileSystem

    if isinstance(fs, LocalFileSystem):
        shutil.copyfile(fs._strip_protocol(file), staged)
        return
    src.seek(0)
    with open(staged, "wb") as out:
        shutil.copyfileobj(src, out, COPY_BUFFER)


def _parsed_columns(dataset: SnapshotDataset, names: list[str]) -> set[str]:
    """The columns `read.py` parses as timestamps (and localises to UTC when naive)."""
    wanted = {dataset.timestamp_column} if dataset.timestamp_column else set()
    if dataset.schema_:
        wanted.update(c for c, spec in dataset.schema_.columns.items() if spec.type == "datetime")
    return wanted & set(names)


def _localise(src: Any, dataset: SnapshotDataset, staged: Path) -> bool:
    """Write `src` to `staged` one row group at a time with its naive parsed timestamp columns cast to UTC (the
    values kept, as `tz_localize("UTC")` keeps them); False when it has none (copy the bytes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(src)
    schema = pf.schema_arrow
    naive = [c for c in _parsed_columns(dataset, schema.names) if len(schema.get_all_field_indices(c)) == 1
             and pa.types.is_timestamp(schema.field(c).type) and schema.field(c).type.tz is None]
    if not naive:
        return False
    meta = pandas_metadata(schema)
    for c in naive:
        schema = schema.set(schema.get_field_index(c), schema.field(c).with_type(pa.timestamp(schema.field(c).type.unit,
                                                                                               tz="UTC")))
        for entry in meta.get("columns", []):
            if entry.get("field_name") == c:  # as `pa.Schema.from_pandas` describes a zoned column
                entry.update(pandas_type="datetimetz", metadata={"timezone": "UTC"})
    if meta:  # written by pandas: its column descriptions say the column is zoned now
        schema = schema.with_metadata({**schema.metadata, b"pandas": json.dumps(meta).encode()})
    if not _plain_schema(schema, pf.metadata.num_rows, dataset):
        raise ValueError("not a plain Parquet file")  # the general path reads it: no rewrite wasted
    with pq.ParquetWriter(staged, schema) as writer:
        for group in range(pf.num_row_groups):
            writer.write_table(pf.read_row_group(group).cast(schema))
    return True


def _plain_type(t: Any) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        return pa.types.is_integer(t.index_type) and (pa.types.is_string(t.value_type)
                                                      or pa.types.is_large_string(t.value_type))
    return (pa.types.is_integer(t) or pa.types.is_float32(t) or pa.types.is_float64(t) or pa.types.is_boolean(t)
            or pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_timestamp(t) or pa.types.is_null(t))


def _plain_schema(schema: Any, rows: int, dataset: SnapshotDataset) -> bool:
    """Plain column types, no stored index, and every column `read.py` would parse already a zoned timestamp."""
    import pyarrow as pa

    names = schema.names
    if rows == 0 or len(set(names)) != len(names) or not all(_plain_type(f.type) for f in schema):
        return False
    meta = pandas_metadata(schema)
    for index in meta.get("index_columns", []):
        if not (isinstance(index, dict) and index.get("kind") == "range" and index.get("name") is None
                and (index.get("start"), index.get("stop"), index.get("step")) == (0, rows, 1)):
            return False
    if any(c.get("name") != c.get("field_name") for c in meta.get("columns", [])):
        return False
    return all(pa.types.is_timestamp(schema.field(c).type) and schema.field(c).type.tz is not None
               for c in _parsed_columns(dataset, names))


def scan_parquet(path: Path, dataset: SnapshotDataset, ref: SnapshotRef) -> ParquetScan | None:
    """The snapshot's record, profile and problems, one column of `path` at a time; None: take the general path."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        if not _plain_schema(pf.schema_arrow, pf.metadata.num_rows, dataset):
            return None
        return _scan(path, pf, dataset, ref)
    except Exception:  # noqa: BLE001 - corrupt pages, unexpected dtypes: the general path names the problem
        return None


@dataclass
class _ColumnScan:
    """What one column contributes to a `ParquetScan` (the column itself is dropped unless it is a key)."""

    described: dict[str, dict[str, Any]]
    metrics: dict[str, float]
    infinite: ReadProblem | None
    nbytes: int
    head: pd.Series
    newest: datetime | None = None
    lag: float | None = None
    key: pd.Series | None = None


def _scan_column(reader: Any, name: str, rows: int, dataset: SnapshotDataset, ref: SnapshotRef,
                 is_key: bool) -> _ColumnScan | None:
    """One column of the file read by `reader` (a `pq.ParquetFile` no other thread uses); None: general path."""
    series = reader.read(columns=[name]).to_pandas()[name]
    if len(series) != rows:
        return None
    described = describe_columns(series.to_frame())
    if described[name]["type"] == "mixed":  # `arrow_safe` would turn it into text
        return None
    out = _ColumnScan(described, column_metrics(series, name, rows), infinite_values(series, name, dataset, ref.path),
                      # after the profile, as `frame_nbytes` was: an Index's hash table counts once built
                      0 if is_key else int(series.memory_usage(index=False, deep=True)),
                      series.iloc[:PREVIEW_ROWS].copy(), key=series if is_key else None)
    if name == dataset.timestamp_column:
        newest = series.max()
        out.newest = None if pd.isna(newest) else newest.to_pydatetime()
        out.lag = freshness_lag(series, name, ref.snapshot_time)
    return out


def _scan(path: Path, pf: Any, dataset: SnapshotDataset, ref: SnapshotRef) -> ParquetScan | None:
    rows, key = pf.metadata.num_rows, list(getattr(dataset, "primary_key", None) or [])
    names = list(pf.schema_arrow.names)
    scan = ParquetScan(rows, {}, {"row_count": float(rows), "column_count": float(len(names))},
                       [], 0, pd.DataFrame(), None)

    workers = min(SCAN_THREADS, len(names)) if rows >= PARALLEL_SCAN_ROWS else 1
    if workers > 1:  # columns are independent: reading, sorting and hashing release the GIL
        import pyarrow.parquet as pq

        readers = threading.local()  # one reader (one footer parse) per worker thread, not per column

        def one(name: str) -> _ColumnScan | None:
            if not hasattr(readers, "file"):
                readers.file = pq.ParquetFile(path)
            return _scan_column(readers.file, name, rows, dataset, ref, name in key)

        with ThreadPoolExecutor(workers, thread_name_prefix="dq-scan") as pool:
            columns = list(pool.map(one, names))
    else:
        columns = [_scan_column(pf, name, rows, dataset, ref, name in key) for name in names]
    if any(column is None for column in columns):
        return None
    heads: dict[str, pd.Series] = {}
    keys: dict[str, pd.Series] = {}  # the primary key's columns, held to the end
    lag = None
    for name, column in zip(names, columns):  # merged in column order: the same keys in the same order
        scan.columns.update(column.described)
        scan.profile.update(column.metrics)
        if column.infinite:
            scan.problems.append(column.infinite)
        scan.nbytes += column.nbytes
        if name == dataset.timestamp_column:
            scan.newest, lag = column.newest, column.lag
        if column.key is not None:
            keys[name] = column.key
        heads[name] = column.head
    if lag is not None:  # `profile` puts it last
        scan.profile["freshness_lag_seconds"] = lag
    scan.head = pd.DataFrame(heads)
    scan.problems.extend(ReadProblem(ref.path, problem, severity) for problem, severity in
                         [*config_column_problems(scan.head.iloc[:0], dataset),
                          *primary_key_problems(pd.DataFrame(keys), dataset)])
    scan.nbytes += sum(int(series.memory_usage(index=False, deep=True)) for series in keys.values())
    return scan


def scan_parquet_snapshot(dataset: SnapshotDataset, ref: SnapshotRef, dest: Path) -> tuple[Path | None,
                                                                                          ParquetScan | None]:
    """(the staged copy, its scan) when the snapshot is one plain Parquet file, else (None, None)."""
    if not (isinstance(dataset.source, FilesSource) and dataset.source.format == "parquet"):
        return None, None
    staged = stage_copy(dataset, ref, dest)
    scan = scan_parquet(staged, dataset, ref) if staged is not None else None
    if scan is None and staged is not None:
        staged.unlink(missing_ok=True)
        staged = None
    return staged, scan
