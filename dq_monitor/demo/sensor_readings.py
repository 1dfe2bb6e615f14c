"""Environmental sensors: 20 sensors, one reading every 15 minutes (96 a day each).

All sensors sit in one site: they share a strong daily cycle, each has a small
level offset of its own (placement, altitude) and noise. Because the shared cycle
dominates, any handful of sensors looks like the whole fleet, and day-to-day
weather moves are tiny, so a clean day never looks like drift against the day before.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import combinations

import numpy as np
import pandas as pd

from dq_monitor.demo.common import DemoSnapshot, rng_for
from dq_monitor.demo.plan import PLANNED, resolve_fault, snapshot_id, snapshot_time

N_SENSORS = 20
READINGS_PER_DAY = 96
ONLINE_DURING_OUTAGE = 5
MISSED_READING_RATE = 0.002
STATUSES = ("ok", "degraded", "maintenance")
STATUS_P = (0.975, 0.02, 0.005)
DRIFT_TEMPERATURE_SHIFT = 6.0
DRIFT_HUMIDITY_SCALE = 0.7
N_TEMPERATURE_SPIKES = 5
N_PRESSURE_SPIKES = 5
TEMPERATURE_SPIKE = (25.0, 40.0)
PRESSURE_SPIKE = (20.0, 40.0)

COLUMNS = ["sensor_id", "ts", "temperature", "humidity", "pressure", "battery", "status"]
READING_COLUMNS = ("temperature", "humidity", "pressure")


class Fleet:
    """The static sensor fleet: one draw per seed, shared by every day."""

    def __init__(self, seed: int) -> None:
        rng = rng_for(seed, "sensors_fleet")
        self.sensor_id = np.array([f"sensor-{i:02d}" for i in range(1, N_SENSORS + 1)], dtype=object)
        self.temperature = rng.normal(21.0, 0.8, N_SENSORS)
        self.humidity = rng.normal(50.0, 1.5, N_SENSORS)
        self.pressure = 1013.0 + rng.normal(0.0, 0.6, N_SENSORS)
        self.battery = rng.uniform(55.0, 100.0, N_SENSORS)
        self.drain_per_day = rng.uniform(0.2, 0.6, N_SENSORS)
        # Sensors poll at their own second within each 15-minute slot.
        self.offset_s = rng.integers(0, 120, N_SENSORS)


def generate(day: int, *, seed: int, start: date, fleet: Fleet | None = None, fault: str | None = PLANNED) -> DemoSnapshot:
    fleet = fleet or Fleet(seed)
    rng = rng_for(seed, "sensors_day", day)
    fault = resolve_fault("sensors", day, fault)
    day_start = snapshot_time(start, day) - timedelta(days=1)

    s = np.repeat(np.arange(N_SENSORS), READINGS_PER_DAY)
    k = np.tile(np.arange(READINGS_PER_DAY), N_SENSORS)
    n = len(s)
    hour = k / 4.0
    cycle = np.sin(2 * np.pi * (hour - 9.0) / 24.0)
    # Day-to-day weather moves are tiny next to the daily cycle: Evidently's normed
    # Wasserstein test flags a shift of 0.1 standard deviations.
    weather_t, weather_h, weather_p = rng.normal(0.0, (0.03, 0.1, 0.03))
    ts = pd.Timestamp(day_start) + pd.to_timedelta(k * 900 + fleet.offset_s[s], unit="s")
    frame = pd.DataFrame(
        {
            "sensor_id": fleet.sensor_id[s],
            "ts": ts,
            "temperature": (fleet.temperature[s] + weather_t + 3.5 * cycle + rng.normal(0, 0.5, n)).round(2),
            "humidity": np.clip(fleet.humidity[s] + weather_h - 8.0 * cycle + rng.normal(0, 1.2, n), 5, 100).round(2),
            "pressure": (fleet.pressure[s] + weather_p + 2.5 * np.sin(4 * np.pi * hour / 24.0)
                         + rng.normal(0, 0.3, n)).round(2),
            "battery": np.clip(fleet.battery[s] - fleet.drain_per_day[s] * (day + k / READINGS_PER_DAY)
                               + rng.normal(0, 0.05, n), 0, 100).round(2),
            "status": pd.Categorical(np.array(STATUSES)[rng.choice(len(STATUSES), n, p=STATUS_P)],
                                     categories=list(STATUSES)),
        },
        columns=COLUMNS,
    )
    frame = frame[rng.random(n) >= MISSED_READING_RATE].reset_index(drop=True)

    keys: list[dict[str, str]] = []
    if fault == "volume_drop":
        online = representative_subset(frame, ONLINE_DURING_OUTAGE)
        frame = frame[frame["sensor_id"].isin(online)].reset_index(drop=True)
    elif fault == "distribution_drift":
        frame["temperature"] = (frame["temperature"] + DRIFT_TEMPERATURE_SHIFT).round(2)
        frame["humidity"] = (frame["humidity"] * DRIFT_HUMIDITY_SCALE).round(2)
    elif fault == "point_anomalies":
        keys = _inject_spikes(frame, rng)
    return DemoSnapshot("sensors", day, snapshot_id("sensors", start, day), frame, fault, keys)


def representative_subset(frame: pd.DataFrame, size: int) -> np.ndarray:
    """The ids of the `size` sensors whose readings together look most like the whole fleet's.

    Scored by the largest Kolmogorov-Smirnov distance over the reading columns, computed
    from per-sensor CDFs on a quantile grid for every combination (15,504 for 5 of 20).
    This keeps the outage a pure volume fault: the remaining readings do not drift.
    """
    sensor_codes, sensors = pd.factorize(frame["sensor_id"], sort=True)
    one_hot = np.eye(len(sensors))[sensor_codes]
    rows = one_hot.sum(axis=0)
    combos = np.array(list(combinations(range(len(sensors)), size)))
    worst = np.zeros(len(combos))
    for column in READING_COLUMNS:
        values = frame[column].to_numpy()
        grid = np.quantile(values, np.linspace(0.01, 0.99, 64))
        below = (values[:, None] <= grid[None, :]).astype(float)
        counts = one_hot.T @ below  # per sensor: readings at or below each grid point
        subset_cdf = counts[combos].sum(axis=1) / rows[combos].sum(axis=1)[:, None]
        worst = np.maximum(worst, np.abs(subset_cdf - below.mean(axis=0)).max(axis=1))
    return np.asarray(sensors[combos[int(np.argmin(worst))]])


def _inject_spikes(frame: pd.DataFrame, rng: np.random.Generator) -> list[dict[str, str]]:
    rows = rng.choice(len(frame), size=N_TEMPERATURE_SPIKES + N_PRESSURE_SPIKES, replace=False)
    t_rows, p_rows = np.sort(rows[:N_TEMPERATURE_SPIKES]), np.sort(rows[N_TEMPERATURE_SPIKES:])
    # Far outside anything a sensor reports (10+ standard deviations), yet few and small
    # enough that the day's distribution as a whole does not drift.
    frame.loc[t_rows, "temperature"] = (frame.loc[t_rows, "temperature"]
                                        + rng.uniform(*TEMPERATURE_SPIKE, len(t_rows))).round(2)
    sign = rng.choice([-1.0, 1.0], len(p_rows))
    frame.loc[p_rows, "pressure"] = (frame.loc[p_rows, "pressure"]
                                     + sign * rng.uniform(*PRESSURE_SPIKE, len(p_rows))).round(2)
    picked = frame.loc[np.sort(rows), ["sensor_id", "ts"]]
    return [{"sensor_id": str(sid), "ts": ts.isoformat()} for sid, ts in picked.itertuples(index=False)]
