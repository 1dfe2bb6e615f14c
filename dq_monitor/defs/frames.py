"""Snapshot Parquet files read once per process while they stay unchanged (issue 16, "read once").

A snapshot run reads its partition's Parquet file in every downstream step (drift, expectations,
anomalies) and the drift check reads the previous snapshot's file, which the previous run of the
CLI's `check --all` has just read. `read_frame` keeps the last few frames read, keyed by path,
modification time and size, and hands out copies, so a consumer that modifies its frame never
changes what the next one sees. The cache holds at most `MAX_CACHED_BYTES` of frames; larger
frames are read from disk each time.

`write_frame` writes a large frame as Parquet in row groups of `WRITE_CHUNK_ROWS`, converting one
slice to Arrow at a time (pandas' `to_parquet` converts the whole frame first: a full copy).
"""

from __future__ import annotations

import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dq_monitor.core.files import private_tmp

MAX_ENTRIES = 2  # the current snapshot and the one before it (the `previous` drift reference)
MAX_CACHED_BYTES = 64 * 1024 * 1024  # small frames only: a large one is cheaper to re-read than to hold twice
WRITE_CHUNK_ROWS = 250_000

_LOCK = threading.Lock()
_CACHE: "OrderedDict[tuple[str, int, int], tuple[pd.DataFrame, int]]" = OrderedDict()


def _key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


def read_frame(path: str | Path) -> pd.DataFrame:
    """`pd.read_parquet(path)`, served from memory when this process read the same file unchanged."""
    path = Path(path)
    key = _key(path)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit[0].copy()
    frame = pd.read_parquet(path)
    size = int(frame.memory_usage(deep=False, index=True).sum())
    if size <= MAX_CACHED_BYTES:
        with _LOCK:
            for old in [k for k in _CACHE if k[0] == key[0]]:  # an older version of the same file
                del _CACHE[old]
            _CACHE[key] = (frame, size)
            while len(_CACHE) > MAX_ENTRIES or sum(s for _, s in _CACHE.values()) > MAX_CACHED_BYTES:
                _CACHE.popitem(last=False)
        return frame.copy()
    return frame


def forget(path: str | Path) -> None:
    """Drop the cached frames of `path` (it is being rewritten)."""
    name = str(Path(path).resolve())
    with _LOCK:
        for key in [k for k in _CACHE if k[0] == name]:
            del _CACHE[key]


def write_frame(frame: pd.DataFrame, path: str | Path) -> None:
    """`frame.to_parquet(path, index=False)`, without an Arrow copy of the whole frame when it is large."""
    if len(frame) <= 2 * WRITE_CHUNK_ROWS:
        frame.to_parquet(path, index=False)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pa.Schema.from_pandas(frame, preserve_index=False)
        with pq.ParquetWriter(path, schema) as writer:
            for start in range(0, len(frame), WRITE_CHUNK_ROWS):
                part = frame.iloc[start:start + WRITE_CHUNK_ROWS]
                writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))
    except (pa.ArrowException, ValueError, TypeError):  # e.g. nested values typed differently per slice
        frame.to_parquet(path, index=False)


def parquet_columns(path: str | Path) -> list[str]:
    """The column names of a Parquet file, from its footer (no data read); a stored pandas index is not one."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    index = {c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)}
    return [c for c in schema.names if c not in index]


def parquet_rows(path: str | Path) -> int:
    """The number of rows of a Parquet file, from its footer (no data read)."""
    import pyarrow.parquet as pq

    return int(pq.read_metadata(path).num_rows)


def read_columns(path: str | Path, columns: list[str]) -> pd.DataFrame:
    """Only `columns` of a Parquet file (in that order), as pandas; a step that needs a few columns of a large
    snapshot holds those, not the whole frame. Served from the cache when the whole frame is held."""
    path = Path(path)
    key = _key(path)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            return hit[0][list(columns)].copy()
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=list(columns)).to_pandas()


@dataclass(frozen=True)
class StagedParquet:
    """A snapshot asset's output whose Parquet file is already written at `path` (e.g. a copy of the source
    file): the IO manager moves it into place (`place_staged`) instead of writing a frame."""

    path: Path


def place_staged(staged: StagedParquet, path: Path) -> None:
    """Move the staged file to `path` atomically (readers never see half a file), forgetting cached frames."""
    source = Path(staged.path)
    if source.parent != path.parent:  # another folder, maybe another file system: copy next to `path` first
        tmp = private_tmp(path)
        shutil.copyfile(source, tmp)
        source.unlink()
        source = tmp
    forget(path)
    source.replace(path)

