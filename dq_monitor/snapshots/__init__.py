"""Snapshots: discovery (`discover`) and reading (`read`) of the data a dataset's source holds (files today)."""

from dq_monitor.snapshots.discover import (
    SnapshotRef,
    SourceError,
    discover_snapshots,
    find_snapshot,
    snapshot_id_for,
    time_from_name,
)
from dq_monitor.snapshots.read import (
    ReadProblem,
    ReadResult,
    frame_nbytes,
    is_integral,
    read_snapshot,
)

__all__ = [
    "ReadProblem", "ReadResult", "SnapshotRef", "SourceError", "discover_snapshots", "find_snapshot",
    "frame_nbytes", "is_integral", "read_snapshot", "snapshot_id_for", "time_from_name",
]
