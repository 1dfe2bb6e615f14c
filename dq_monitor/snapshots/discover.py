"""Finding dataset snapshots (files in a local folder or an fsspec path; SQL sources in `sql_discover`).

A snapshot is one file (`snapshot_unit: file`) or one folder of files
(`snapshot_unit: folder`). Its id is stable: derived from its path relative to
the source root, so re-discovering the same files yields the same partition
keys.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import pandas as pd

from dq_monitor.snapshots.ref import SnapshotRef, SourceError
from dq_monitor.snapshots.spec import FilesSource, SnapshotDataset

if TYPE_CHECKING:
    import fsspec

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DATE_IN_NAME = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T_ -]?(\d{2})[:-]?(\d{2})(?:[:-]?(\d{2}))?)?")
_SUFFIXES = {"csv": (".csv", ".csv.gz", ".tsv"), "parquet": (".parquet", ".pq"), "jsonl": (".jsonl", ".json", ".ndjson", ".jsonl.gz")}


def snapshot_id_for(relative: str) -> str:
    """Stable partition key for a path relative to the source root."""
    rel = PurePosixPath(relative)
    name = rel.name
    for suffixes in _SUFFIXES.values():
        for suffix in sorted(suffixes, key=len, reverse=True):
            if name.lower().endswith(suffix):
                name = name[: -len(suffix)]
                break
    parts = [*rel.parts[:-1], name]
    key = "__".join(_UNSAFE.sub("_", p).strip("_") for p in parts if p not in ("", "."))
    return key or "snapshot"


def time_from_name(name: str) -> datetime | None:
    """The date (and optional time) embedded in a snapshot name, as UTC."""
    for match in _DATE_IN_NAME.finditer(name):
        y, mo, d, h, mi, s = match.groups()
        try:
            return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def open_filesystem(path: str) -> tuple[fsspec.AbstractFileSystem, str]:
    import fsspec  # on first discovery, not at code-location load

    fs, root = fsspec.core.url_to_fs(path)
    return fs, root.rstrip("/")


def _mtime(info: dict) -> datetime | None:
    value = info.get("mtime") or info.get("LastModified") or info.get("updated") or info.get("created")
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        return pd.Timestamp(value).tz_localize("UTC").to_pydatetime() if pd.Timestamp(value).tzinfo is None else pd.Timestamp(value).to_pydatetime()
    except (ValueError, TypeError):
        return None


def discover_snapshots(dataset: SnapshotDataset, root_path: str) -> list[SnapshotRef]:
    """All snapshots currently present, oldest first. Raises SourceError if the root is missing or has none."""
    source = dataset.source
    if not isinstance(source, FilesSource):
        from dq_monitor.snapshots.sql_discover import discover_sql

        return [snapshot.ref for snapshot in discover_sql(dataset)]
    try:
        fs, root = open_filesystem(root_path)
        exists = fs.isdir(root)
    except Exception as exc:  # bad URL, missing driver, permissions
        raise SourceError(f"dataset {dataset.name!r}: cannot open source path {root_path!r}: {exc}") from exc
    if not exists:
        raise SourceError(f"dataset {dataset.name!r}: source folder {root_path!r} does not exist")

    refs: list[SnapshotRef] = []
    if source.snapshot_unit == "file":
        for f in sorted(fs.glob(f"{root}/{source.pattern}")):
            info = _info(fs, f)
            if info.get("type") == "directory":
                continue
            rel = f[len(root) + 1 :]
            refs.append(_ref(dataset.name, snapshot_id_for(rel), f, (f,), int(info.get("size") or 0), _mtime(info)))
    else:
        for d in sorted(p for p in fs.ls(root, detail=False) if fs.isdir(p)):
            files = tuple(sorted(x for x in fs.glob(f"{d.rstrip('/')}/{source.pattern}") if not fs.isdir(x)))
            if not files:
                continue
            infos = [_info(fs, x) for x in files]
            size = sum(int(i.get("size") or 0) for i in infos)
            times = [t for t in (_mtime(i) for i in infos) if t]
            rel = d.rstrip("/")[len(root) + 1 :]
            refs.append(_ref(dataset.name, _UNSAFE.sub("_", rel).strip("_") or "snapshot", d, files, size,
                             max(times) if times else None))
    if not refs:
        # Data that never arrived is a finding (on `<ds>_source_is_available`), not a quiet "nothing to check".
        why = ("the folder holds other files; check source.pattern and source.snapshot_unit" if _has_files(fs, root)
               else "the folder is empty")
        raise SourceError(f"dataset {dataset.name!r}: no snapshot files match {source.pattern!r} under {root_path!r} "
                          f"({why})")
    refs.sort(key=lambda r: (r.snapshot_time, r.snapshot_id))
    return refs


def _info(fs: fsspec.AbstractFileSystem, path: str) -> dict:
    """A file's listing entry; a path that cannot be stat-ed (a symlink loop, a dangling link, no permission)
    still becomes a snapshot, so reading it reports the problem as a finding naming the file."""
    try:
        return fs.info(path)
    except OSError:
        return {"type": "file", "size": 0}


def _has_files(fs: fsspec.AbstractFileSystem, root: str) -> bool:
    """Whether the source folder holds anything at all (to tell a wrong pattern from data not there yet)."""
    try:
        return bool(fs.ls(root, detail=False))
    except OSError:
        return False


def _ref(dataset: str, sid: str, path: str, files: tuple[str, ...], size: int, mtime: datetime | None) -> SnapshotRef:
    when = time_from_name(sid) or mtime or datetime.now(timezone.utc)
    return SnapshotRef(dataset=dataset, snapshot_id=sid, path=path, files=files, snapshot_time=when, bytes=size)


def find_snapshot(dataset: SnapshotDataset, root_path: str, snapshot_id: str) -> SnapshotRef:
    if not isinstance(dataset.source, FilesSource):  # a SQL snapshot id names its time bucket: no listing
        from dq_monitor.snapshots.sql_discover import sql_ref

        return sql_ref(dataset.name, dataset.source, snapshot_id)
    for ref in discover_snapshots(dataset, root_path):
        if ref.snapshot_id == snapshot_id:
            return ref
    raise SourceError(f"dataset {dataset.name!r}: snapshot {snapshot_id!r} not found under {root_path!r}")
