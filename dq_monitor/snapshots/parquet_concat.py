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

__all__ = ["concat_files"]


def _pandas_meta(schema: Any) -> dict[str, Any]:
    return json.loads((schema.metadata or {}).get(b"pandas", b"{}"))


def _same_dictionaries(readers: list[Any], names: list[str]) -> bool:
    """Whether each dictionary column has the same dictionary (a pandas categorical's categories, in order) in
    every file: each file's first row group stands for it (pandas writes the categories with every chunk)."""
    if not names:
        return True
    firsts = [r.read_row_group(0, columns=names) for r in readers]
    return all(t.column(n).chunk(0).dictionary.equals(firsts[0].column(n).chunk(0).dictionary)
               for t in firsts[1:] for n in names)


def concat_files(fs: Any, files: Sequence[str], staged: Path, plain: Callable[[Any, int], bool]) -> bool:
    """Append the row groups of `files` (in order) into the Parquet file `staged`; False (nothing written
    that stays) when the files are not alike enough for the result to read back as the general path's frame.
    `plain(schema, rows)` is the single-file fast path's test of one file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    handles = [fs.open(f, "rb") for f in files]
    try:
        for handle in handles:
            if handle.read(4) != b"PAR1":
                return False
            handle.seek(0)
        readers = [pq.ParquetFile(handle) for handle in handles]
        schemas = [r.schema_arrow for r in readers]
        first, metas = schemas[0], [_pandas_meta(s) for s in schemas]
        if not all(plain(s, r.metadata.num_rows) for s, r in zip(schemas, readers)):
            return False
        if any(not s.equals(first, check_metadata=False) for s in schemas[1:]):
            return False
        if any(m.get("columns") != metas[0].get("columns") for m in metas[1:]):
            return False
        if not _same_dictionaries(readers, [f.name for f in first if pa.types.is_dictionary(f.type)]):
            return False
        total = sum(r.metadata.num_rows for r in readers)
        meta = dict(metas[0])
        if meta:  # the concatenated frame's index: 0..total (ignore_index), stored as a range like each file's
            meta["index_columns"] = [{"kind": "range", "name": None, "start": 0, "stop": total, "step": 1}]
            first = first.with_metadata({**(first.metadata or {}), b"pandas": json.dumps(meta).encode()})
        with pq.ParquetWriter(staged, first) as writer:
            for reader in readers:
                for group in range(reader.num_row_groups):
                    writer.write_table(reader.read_row_group(group).replace_schema_metadata(first.metadata))
        return True
    finally:
        for handle in handles:
            handle.close()
