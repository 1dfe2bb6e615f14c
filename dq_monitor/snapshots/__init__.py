"""Snapshots: discovery (`discover`) and reading (`read`) of the data a dataset's source holds (files today)."""

from dq_monitor.core.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "dq_monitor.snapshots.discover": ("discover_snapshots", "find_snapshot", "snapshot_id_for", "time_from_name"),
    "dq_monitor.snapshots.ref": ("SnapshotRef", "SourceError"),
    "dq_monitor.snapshots.read": ("ReadProblem", "ReadResult", "frame_nbytes", "is_integral", "read_snapshot"),
})
