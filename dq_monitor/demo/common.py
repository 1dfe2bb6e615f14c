"""Pieces shared by the per-dataset generators: seeded streams, time sampling, the result type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

# One stream id per purpose, so a dataset's static profile and each of its days draw
# from independent, reproducible streams: day 5 is the same whether 16 or 40 days are made.
STREAMS = {
    "payments_users": 11,
    "payments_day": 12,
    "payments_rows": 13,
    "sensors_fleet": 21,
    "sensors_day": 22,
    "web_traffic_day": 31,
    "web_traffic_rows": 32,
}


def rng_for(seed: int, stream: str, day: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, STREAMS[stream], day])


@dataclass(frozen=True)
class DemoSnapshot:
    """One generated snapshot: its frame and what was injected into it."""

    dataset: str
    day: int
    snapshot_id: str
    frame: pd.DataFrame
    fault: str | None = None
    #: Primary keys of injected point anomalies (ints for payments, {sensor_id, ts} dicts for sensors).
    anomaly_keys: list[Any] = field(default_factory=list)


def sample_times(
    rng: np.random.Generator,
    n: int,
    window_end: datetime,
    hourly_weights: np.ndarray,
    *,
    resolution: str = "s",
) -> pd.Series:
    """`n` sorted timestamps in the 24 h before `window_end`, following a by-hour-of-day profile.

    The profile is indexed by clock hour, so a window that does not start at midnight
    (the late-data fault) still has a realistic daily shape.
    """
    window_start = window_end - timedelta(days=1)
    first_hour = window_start.hour
    weights = np.roll(np.asarray(hourly_weights, dtype=float), -first_hour)
    weights = weights / weights.sum()
    hours = rng.choice(24, size=n, p=weights)
    unit = {"s": 1.0, "ms": 1e-3}[resolution]
    within = np.floor(rng.random(n) * 3600.0 / unit) * unit
    offsets = np.sort(hours * 3600.0 + within)
    base = pd.Timestamp(window_start)
    return pd.Series(base + pd.to_timedelta(np.round(offsets / unit).astype(np.int64), unit=resolution))
