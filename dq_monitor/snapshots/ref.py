"""`SnapshotRef` (one snapshot of a source: files or a SQL time bucket) and `SourceError`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class SourceError(Exception):
    """The source as a whole cannot be listed (missing folder, bad URL)."""


@dataclass(frozen=True)
class SnapshotRef:
    dataset: str
    snapshot_id: str
    path: str
    files: tuple[str, ...]
    snapshot_time: datetime
    bytes: int
