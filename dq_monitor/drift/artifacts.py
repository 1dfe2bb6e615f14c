"""HTML drift reports on disk: one file per dataset and snapshot, pruned by retention.

Layout: `<root>/<dataset>/drift/<snapshot>.html`, where the snapshot id is made
file-name safe (characters other than letters, digits, `.`, `_`, `-` become `_`,
plus a short hash of the original id when anything had to change, so two ids
never share a file). Writes are atomic (temporary file + rename), so a reader or
a crash never sees half a report.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def snapshot_file_name(snapshot: str) -> str:
    safe = _UNSAFE.sub("_", snapshot).strip(".") or "_"
    if safe != snapshot:
        safe = f"{safe[:80]}-{hashlib.sha256(snapshot.encode()).hexdigest()[:8]}"
    return f"{safe}.html"


def report_dir(root: "str | Path", dataset: str) -> Path:
    if not dataset or _UNSAFE.search(dataset):
        raise ValueError(f"dataset name {dataset!r} is not usable as a folder name")
    return Path(root) / dataset / "drift"


def write_report_artifact(root: "str | Path", dataset: str, snapshot: str, html: str) -> Path:
    """Write one report atomically and return its path (overwrites the same snapshot's report)."""
    folder = report_dir(root, dataset)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / snapshot_file_name(snapshot)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(html)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def prune_report_artifacts(root: "str | Path", dataset: str, keep: int) -> list[Path]:
    """Delete all but the `keep` most recently written reports of `dataset`; return the deleted paths."""
    if keep < 1:
        raise ValueError(f"retention must keep at least 1 report, got {keep}")
    folder = report_dir(root, dataset)
    if not folder.is_dir():
        return []
    reports = [p for p in folder.glob("*.html") if not p.name.startswith(".tmp-")]
    reports.sort(key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    removed = reports[keep:]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
