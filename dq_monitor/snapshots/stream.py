"""Reading a well-formed Parquet or CSV file without holding its bytes in memory (issue 16).

`read.py` reads a file's bytes, decodes them to text and parses the text: simple, and it names every
problem (bad UTF-8, NUL bytes, gzip errors), but a CSV snapshot then held its bytes, its text and a
copy of the text next to the frame (2.7x the memory of a plain `pandas.read_csv`). Here a CSV file is
first scanned in chunks (UTF-8 valid? NUL bytes? duplicate header names?) and, when clean, parsed by
pandas straight from the (gunzipped) file in chunks (a column whose chunks disagree on its type falls
back to the whole-file parse); a Parquet file is read by pyarrow from the file handle and
converted column by column. Anything unusual returns `FALLBACK`, and `read.py` reads the file the
old way, so every problem is still reported exactly as before.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import warnings
from typing import IO, Any

import pandas as pd

FALLBACK = object()
CHUNK = 16 * 1024 * 1024
#: csv_options that change how bytes become text: such files are decoded by `read.py` as before.
_TEXT_OPTIONS = {"encoding", "encoding_errors", "compression", "memory_map"}


def _open(stack: contextlib.ExitStack, fs: Any, path: str) -> IO[bytes] | None:
    """The file as a binary stream, gunzipped by magic bytes; None when it is empty."""
    fh = stack.enter_context(fs.open(path, "rb"))
    head = fh.read(2)
    if not head:
        return None
    fh.seek(0)
    return stack.enter_context(gzip.GzipFile(fileobj=fh)) if head == b"\x1f\x8b" else fh


def _clean_text(stream: IO[bytes]) -> bytes | None:
    """The first line (BOM stripped) when the whole stream is valid UTF-8 without NUL bytes, else None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    first: bytes | None = None
    start = True
    while chunk := stream.read(CHUNK):
        if start and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        if first is None:
            end = chunk.find(b"\n")
            if end < 0 and start:
                return None  # a first line longer than a chunk: let read.py handle it
            first = chunk[: end if end >= 0 else len(chunk)]
        start = False
        if b"\x00" in chunk:
            return None
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return None
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return first


def _csv(fs: Any, path: str, options: dict[str, Any]) -> Any:
    if _TEXT_OPTIONS & set(options):
        return FALLBACK
    try:
        with contextlib.ExitStack() as stack:
            stream = _open(stack, fs, path)
            first = _clean_text(stream) if stream is not None else None
    except (OSError, EOFError):
        return FALLBACK
    if first is None:
        return FALLBACK
    sep = options.get("sep", options.get("delimiter", ","))
    line = first.decode("utf-8").rstrip("\r")
    header = next(csv.reader([line], delimiter=sep)) if line else []
    if options.get("header", "infer") is not None and len(set(header)) != len(header):
        return FALLBACK
    with contextlib.ExitStack() as stack:
        stream = _open(stack, fs, path)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # Chunked parsing (half the peak memory of low_memory=False). A column typed differently in two
            # chunks raises DtypeWarning: then read.py parses the whole file at once, as it always did.
            frame = pd.read_csv(stream, on_bad_lines="warn", low_memory=True, encoding="utf-8", **options)
    if any(issubclass(w.category, pd.errors.DtypeWarning) for w in caught):
        return FALLBACK
    return frame, caught


def _parquet(fs: Any, path: str) -> Any:
    import pyarrow.parquet as pq

    try:
        with contextlib.ExitStack() as stack:
            fh = stack.enter_context(fs.open(path, "rb"))
            head = fh.read(4)
            if head != b"PAR1":  # empty, gzip-compressed or not Parquet: read.py says which
                return FALLBACK
            fh.seek(0)
            table = pq.read_table(fh)
    except Exception:  # noqa: BLE001 - read.py reads it again and names the problem
        return FALLBACK
    names = table.column_names
    if len(set(names)) != len(names) or table.num_rows == 0:
        return FALLBACK
    return table.to_pandas(split_blocks=True, self_destruct=True), []


def read_streaming(fs: Any, path: str, fmt: str, options: dict[str, Any]) -> Any:
    """(frame, caught warnings) for a clean Parquet or CSV file, else `FALLBACK`."""
    if fmt == "parquet":
        return _parquet(fs, path)
    if fmt == "csv":
        return _csv(fs, path, options)
    return FALLBACK
