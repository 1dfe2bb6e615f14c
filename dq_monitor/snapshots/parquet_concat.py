"""Several Parquet files of one snapshot as one partition file, a row group at a time (issue 16).

The general path reads every file of a snapshot into pandas and concatenates the frames
(`pd.concat(frames, ignore_index=True)` in `read.py`), so its memory grows with the snapshot: a
Spark-style folder of part files took the in-memory path. When the files are alike, the Arrow tables
can be appended instead: `concat_files` writes them one row group at a time (memory: one row group) and
reading the result with `pd.read_parquet` gives the frame the general path builds, provided

- every file is plain (`plain`: the single-file fast path's test, with its own row count),
- their Arrow schemas are equal (types, names, order, nullability),
- their pandas metadata describes the columns identically (else one file's nullable `Int64`, say, and
  another's `int64` would concatenate to a type the first file's metadata does not give), and
- a dictionary column (a pandas categorical) has the same dictionary in every file (pandas concatenates
  categoricals with different categories to object, Arrow would unify the dictionaries).

Anything else returns False and the caller takes the general path, which names every problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["concat_files", "pandas_metadata"]


def pandas_metadata(schema: Any) -> dict[str, Any]:
    """The pandas metadata an Arrow schema carries ({} when it was not written by pandas)."""
    return json.loads((schema.metadata or {}).get(b"pandas", b"{}"))


def _first_dictionaries(reader: Any, names: list[str]) -> list[Any]:
    """Each dictionary column's dictionary in the file's first row group (pandas writes a categorical's
    categories, in order, with every chunk, so it stands for the file)."""
    if not names:
        return []
    table = reader.read_row_group(0, columns=names)
    return [table.column(n).chunk(0).dictionary for n in names]


def _describe(fs: Any, file: str) -> tuple[Any, int, list[Any]] | None:
    """(Arrow schema, rows, first dictionaries) of one file read by its footer, or None when it is not Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with fs.open(file, "rb") as handle:
        if handle.read(4) != b"PAR1":
            return None
        handle.seek(0)
        reader = pq.ParquetFile(handle)
        schema = reader.schema_arrow
        names = [f.name for f in schema if pa.types.is_dictionary(f.type)]
        return schema, reader.metadata.num_rows, _first_dictionaries(reader, names)


def concat_files(fs: Any, files: Sequence[str], staged: Path, plain: Callable[[Any, int], bool]) -> bool:
    """Append the row groups of `files` (in order) into the Parquet file `staged`; False (nothing written
    that stays) when the files are not alike enough for the result to read back as the general path's frame.
    `plain(schema, rows)` is the single-file fast path's test of one file. One file is open at a time."""
    import pyarrow.parquet as pq

    described = []
    for file in files:  # footers (and first dictionaries) only
        about = _describe(fs, file)
        if about is None or not plain(about[0], about[1]):
            return False
        described.append(about)
    first, _, dictionaries = described[0]
    metas = [pandas_metadata(schema) for schema, _, _ in described]
    for (schema, _, dicts), meta in zip(described[1:], metas[1:]):
        if not schema.equals(first, check_metadata=False) or meta.get("columns") != metas[0].get("columns"):
            return False
        if not all(d.equals(d0) for d, d0 in zip(dicts, dictionaries)):
            return False
    total = sum(rows for _, rows, _ in described)
    meta = dict(metas[0])
    if meta:  # the concatenated frame's index: 0..total (ignore_index), stored as a range like each file's
        meta["index_columns"] = [{"kind": "range", "name": None, "start": 0, "stop": total, "step": 1}]
        first = first.with_metadata({**(first.metadata or {}), b"pandas": json.dumps(meta).encode()})
    with pq.ParquetWriter(staged, first) as writer:
        for file in files:
            with fs.open(file, "rb") as handle:
                reader = pq.ParquetFile(handle)
                for group in range(reader.num_row_groups):
                    writer.write_table(reader.read_row_group(group).replace_schema_metadata(first.metadata))
    return True
