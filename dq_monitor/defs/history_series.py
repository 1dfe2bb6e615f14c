"""Read a metric's history from the store as the pandas series the detector expects."""

from __future__ import annotations

import pandas as pd

from dq_monitor.store import Store


def metric_history(store: Store, dataset: str, key: str) -> tuple[pd.Series, dict[str, pd.Timestamp]]:
    """(series indexed by observed_at, snapshot -> timestamp) for one metric key."""
    rows = store.metric_series(dataset, key)
    index = pd.DatetimeIndex([pd.Timestamp(t) for t, _, _ in rows], name="observed_at")
    series = pd.Series([v if v is not None else float("nan") for _, _, v in rows], index=index, name=key,
                       dtype="float64")
    return series, {snap: pd.Timestamp(t) for t, snap, _ in rows}


def expected_timestamps(store: Store, dataset: str, check: str, times: dict[str, pd.Timestamp]) -> set[pd.Timestamp]:
    """Timestamps of snapshots a user marked expected for this check (or for every check)."""
    return {times[m["snapshot"]] for m in store.expected_marks(dataset, check) if m["snapshot"] in times}
