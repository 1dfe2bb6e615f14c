"""Reading dataset snapshots into one frame.

Reading never raises on bad data: every problem becomes a `ReadProblem`
naming the file, and whatever could be read is returned.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dq_monitor.snapshots.discover import SnapshotRef, open_filesystem
from dq_monitor.snapshots.named import config_column_problems
from dq_monitor.snapshots.spec import FilesSource, SnapshotDataset
from dq_monitor.snapshots.stream import FALLBACK, read_streaming


@dataclass(frozen=True)
class ReadProblem:
    file: str
    problem: str
    severity: str = "ERROR"


@dataclass
class ReadResult:
    frame: pd.DataFrame
    problems: list[ReadProblem] = field(default_factory=list)
    rows_per_file: dict[str, int] = field(default_factory=dict)


def read_snapshot(dataset: SnapshotDataset, ref: SnapshotRef) -> ReadResult:
    """Read every file of a snapshot; problems are collected, never raised."""
    source = dataset.source
    assert isinstance(source, FilesSource)
    fs, _ = open_filesystem(ref.path)
    frames: list[pd.DataFrame] = []
    result = ReadResult(frame=pd.DataFrame())
    for f in ref.files:
        name = f.rsplit("/", 1)[-1] if len(ref.files) == 1 else f
        frame = _read_file(fs, f, source, name, result.problems)
        if frame is None:
            continue
        result.rows_per_file[name] = len(frame)
        frames.append(frame)
    if frames:
        cols = [list(f.columns) for f in frames]
        if len(frames) > 1 and any(c != cols[0] for c in cols[1:]):
            result.problems.append(
                ReadProblem(ref.path, "files of this snapshot have different columns: "
                            + "; ".join(f"{n}: {c}" for n, c in zip(result.rows_per_file, cols)), "WARN")
            )
        result.frame = pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 else frames[0]
    result.frame = _coerce_types(result.frame, dataset, ref, result.problems)
    _infinities(result.frame, dataset, ref.path, result.problems)
    result.problems.extend(ReadProblem(ref.path, problem, severity)
                           for problem, severity in config_column_problems(result.frame, dataset))
    return result


def _read_file(fs: Any, path: str, source: FilesSource, name: str, problems: list[ReadProblem]) -> pd.DataFrame | None:
    """A clean file streams from disk (`stream.py`); any other is read into memory and its problems named."""
    try:
        streamed = read_streaming(fs, path, source.format, _csv_options(source, name))
    except Exception:  # noqa: BLE001 - the in-memory read below names the problem
        streamed = FALLBACK
    if (streamed is not FALLBACK and source.format == "csv" and len(streamed[0].columns) == 1
            and any(d in str(streamed[0].columns[0]) for d in ";\t|")):
        streamed = FALLBACK  # the in-memory read warns about a one-column header holding another delimiter
    if streamed is not FALLBACK:
        frame, caught = streamed
        _malformed_rows(caught, name, problems)
        if len(frame) == 0:
            problems.append(ReadProblem(name, "file has a header but no data rows", "WARN"))
        return frame
    try:
        with fs.open(path, "rb") as fh:
            raw = fh.read()
    except Exception as exc:
        problems.append(ReadProblem(name, f"cannot open file: {exc}"))
        return None
    return _read_bytes(raw, source, name, problems)


def _read_bytes(raw: bytes, source: FilesSource, name: str, problems: list[ReadProblem]) -> pd.DataFrame | None:
    if len(raw) == 0:
        problems.append(ReadProblem(name, "file is empty (0 bytes)"))
        return None
    fmt = source.format
    if raw[:2] == b"\x1f\x8b":  # gzip, by magic bytes (`.csv.gz`, or a compressed file without the suffix)
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            problems.append(ReadProblem(name, f"file is gzip-compressed but cannot be decompressed: {exc}"))
            return None
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(io.BytesIO(raw))
            dupes = _duplicates(table.column_names)
            if dupes:
                problems.append(ReadProblem(name, f"duplicate column names: {dupes}"))
                return None
            frame = table.to_pandas()
        else:
            text = _decode(raw, name, problems)
            if fmt == "csv":
                frame = _read_csv(text, source, name, problems)
            else:
                frame = _read_jsonl(text, name, problems)
            if frame is None:
                return None
    except Exception as exc:  # the file is not what its format says
        problems.append(ReadProblem(name, f"cannot parse as {fmt}: {type(exc).__name__}: {exc}"))
        return None
    if len(frame) == 0:
        problems.append(ReadProblem(name, "file has a header but no data rows", "WARN"))
    return frame


def _decode(raw: bytes, name: str, problems: list[ReadProblem]) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = sum(1 for _ in re.finditer(rb"[\x80-\xff]", raw))
        problems.append(
            ReadProblem(name, f"file is not valid UTF-8 (first bad byte at offset {exc.start}); "
                              f"undecodable bytes were replaced (up to {bad} affected bytes)")
        )
        return raw.decode("utf-8", errors="replace")


def _duplicates(names: list[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({n for n in names if n in seen or seen.add(n)})  # type: ignore[func-returns-value]


def _csv_options(source: FilesSource, name: str) -> dict[str, Any]:
    options = dict(source.csv_options)
    if "sep" not in options and "delimiter" not in options and name.lower().endswith((".tsv", ".tsv.gz")):
        options["sep"] = "\t"  # a .tsv file is tab-separated unless csv_options say otherwise
    return options


def _read_csv(text: str, source: FilesSource, name: str, problems: list[ReadProblem]) -> pd.DataFrame | None:
    options = _csv_options(source, name)
    sep = options.get("sep", options.get("delimiter", ","))
    first_line = text.split("\n", 1)[0].rstrip("\r")
    header = next(csv.reader([first_line], delimiter=sep)) if first_line else []
    other = next((d for d in (";", "\t", "|") if d != sep and len(header) == 1 and d in header[0]), None)
    if other is not None and options.get("header", "infer") is not None:
        problems.append(ReadProblem(name, f"the header is one column {header[0][:80]!r} holding {other!r}: if that "
                                          f"is the delimiter, set source.csv_options.sep", "WARN"))
    dupes = _duplicates(header) if options.get("header", "infer") is not None else []
    if dupes:
        problems.append(ReadProblem(name, f"duplicate column names in header: {dupes}"))
        return None
    if "\x00" in text:
        _nul_bytes(text, sep, header if options.get("header", "infer") is not None else options.get("names"),
                   name, problems)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = pd.read_csv(io.StringIO(text), on_bad_lines="warn", low_memory=False, **options)
    _malformed_rows(caught, name, problems)
    return frame


def _malformed_rows(caught: list[warnings.WarningMessage], name: str, problems: list[ReadProblem]) -> None:
    bad = [str(w.message).strip() for w in caught if "Skipping line" in str(w.message) or "Expected" in str(w.message)]
    if bad:
        lines = re.findall(r"Skipping line (\d+): ([^\n]+)", "\n".join(bad))
        detail = "; ".join(f"line {n}: {why}" for n, why in lines[:5]) or bad[0][:300]
        problems.append(ReadProblem(name, f"{len(lines) or len(bad)} malformed row(s) skipped ({detail})"))


def _nul_bytes(text: str, sep: str, header: list[str] | None, name: str, problems: list[ReadProblem]) -> None:
    """NUL bytes end a value in the CSV parser (`ab\\x00cd` would become `ab`): say where they are."""
    lines = text.splitlines()
    first = 1 if header is not None and header == next(csv.reader([lines[0].replace("\x00", "")], delimiter=sep),
                                                        None) else 0
    places = []
    for i, line in enumerate(lines[first:], start=1):
        if "\x00" in line:
            cells = next(csv.reader([line.replace("\x00", "\ufffd")], delimiter=sep), [])
            cols = [(header[j] if header and j < len(header) else f"#{j + 1}") for j, c in enumerate(cells)
                    if "\ufffd" in c]
            places.append(f"row {i}, column {', '.join(repr(c) for c in cols) or '?'}")
    problems.append(ReadProblem(name, f"{len(places)} value(s) contain a NUL byte (\\x00), cut short at it by the "
                                      f"parser ({'; '.join(places[:5])})"))


def _infinities(frame: pd.DataFrame, dataset: SnapshotDataset, where: str, problems: list[ReadProblem]) -> None:
    problems.extend(p for p in (infinite_values(frame[c], c, dataset, where) for c in frame.columns) if p)


def infinite_values(series: pd.Series, col: Any, dataset: SnapshotDataset, where: str) -> ReadProblem | None:
    """inf/-inf are not valid numbers for a contract: a float column holding them is a problem."""
    if not pd.api.types.is_float_dtype(series):
        return None
    count = int(np.isinf(series.to_numpy(dtype=float, na_value=np.nan)).sum())
    spec = (dataset.schema_.columns if dataset.schema_ else {}).get(col)
    strict = spec is not None and getattr(spec, "nullable", True) is False
    return ReadProblem(where, f"column {col!r}: {count} of {len(series)} value(s) are infinite "
                              f"(inf/-inf), not valid numbers", "ERROR" if strict else "WARN") if count else None


def _read_jsonl(text: str, name: str, problems: list[ReadProblem]) -> pd.DataFrame | None:
    import json

    records: list[dict] = []
    bad: list[str] = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"line {i}: {exc.msg}")
            continue
        if not isinstance(obj, dict):
            bad.append(f"line {i}: not a JSON object")
            continue
        records.append(obj)
    if bad:
        problems.append(ReadProblem(name, f"{len(bad)} malformed line(s) skipped ({'; '.join(bad[:5])})"))
    if not records and not bad:
        problems.append(ReadProblem(name, "file has no JSON records"))
        return None
    return pd.DataFrame.from_records(records)


def _coerce_types(frame: pd.DataFrame, dataset: SnapshotDataset, ref: SnapshotRef,
                  problems: list[ReadProblem]) -> pd.DataFrame:
    """Text formats carry no timestamps: parse the timestamp column and contract datetime columns."""
    if frame.empty and not len(frame.columns):
        return frame
    wanted = set()
    if dataset.timestamp_column:
        wanted.add(dataset.timestamp_column)
    if dataset.schema_:
        wanted.update(c for c, spec in dataset.schema_.columns.items() if spec.type == "datetime")
    for col in sorted(wanted & set(frame.columns)):
        series = frame[col]
        if pd.api.types.is_datetime64_any_dtype(series):
            parsed = series
        else:
            series = _one_date_format(series, col, ref.path, problems)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pd.to_datetime(series, errors="coerce", utc=True, format="mixed")
            broken = int((parsed.isna() & series.notna()).sum())
            if broken:
                sample = series[parsed.isna() & series.notna()].astype(str).head(3).tolist()
                problems.append(ReadProblem(ref.path, f"column {col!r}: {broken} value(s) are not timestamps, e.g. {sample}"))
        if getattr(parsed.dtype, "tz", None) is None:
            parsed = parsed.dt.tz_localize("UTC")
        frame[col] = parsed
    return frame


_DATE_FAMILIES = (("YYYY-MM-DD", re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}")),
                  ("MM/DD/YYYY or DD/MM/YYYY", re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{4}")),
                  ("DD.MM.YYYY", re.compile(r"^\s*\d{1,2}\.\d{1,2}\.\d{4}")))


def _one_date_format(series: pd.Series, col: str, where: str, problems: list[ReadProblem]) -> pd.Series:
    """Text dates in more than one format are ambiguous (day- or month-first): never guess. Keep the most common
    format (ISO first), blank the others and say so, naming each format seen."""
    text = series.dropna().astype(str)
    seen = {label: int(text.str.match(rx).sum()) for label, rx in _DATE_FAMILIES}
    seen = {label: n for label, n in seen.items() if n}
    if len(seen) < 2:
        return series
    keep = max(seen, key=lambda label: (seen[label], label == "YYYY-MM-DD"))
    rx = dict(_DATE_FAMILIES)[keep]
    problems.append(ReadProblem(where, f"column {col!r}: mixed date formats ("
                                + ", ".join(f"{label}: {n}" for label, n in seen.items())
                                + f"); only {keep} values were parsed, the others are left empty"))
    return series.where(series.isna() | series.astype(str).str.match(rx), None)


def frame_nbytes(frame: pd.DataFrame) -> int:
    return int(frame.memory_usage(deep=True, index=False).sum()) if len(frame.columns) else 0


def is_integral(series: pd.Series) -> bool:
    values = series.dropna().to_numpy()
    return bool(values.size == 0 or np.all(np.isfinite(values) & (np.mod(values, 1) == 0)))
