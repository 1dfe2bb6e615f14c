"""Snapshots: discovery and reading of the data a dataset's source holds (files today)."""

from dq_monitor.snapshots.files import (
    ReadProblem,
    ReadResult,
    SnapshotRef,
    SourceError,
    discover_snapshots,
    find_snapshot,
    frame_nbytes,
    is_integral,
    read_snapshot,
    snapshot_id_for,
    time_from_name,
)

__all__ = [
    "ReadProblem", "ReadResult", "SnapshotRef", "SourceError", "discover_snapshots", "find_snapshot",
    "frame_nbytes", "is_integral", "read_snapshot", "snapshot_id_for", "time_from_name",
]
