"""How long does judging metric history take? 100 metrics x 1,000 points each.

The metrics are synthetic but shaped like real metric history: daily snapshots
with a weekly cycle, multiplicative noise, a slow trend and a few planted drops
and spikes; some are hourly with a daily cycle. Every series is judged in full
(`detect`, all 1,000 verdicts) and for the newest point only (`evaluate_latest`),
with the default spec (auto seasonality), a fixed seasonality and none.
Target (issue 6): under 1 s for all 100 metrics.

Run from the repo root: `python bench/history_speed.py`
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from dq_monitor.history import detect, evaluate_latest

N_METRICS = 100
N_POINTS = 1000


def make_series(seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    hourly = seed % 4 == 0
    if hourly:
        index = pd.date_range("2024-01-01", periods=N_POINTS, freq="h")
        cycle = 1 + 0.5 * np.sin(2 * np.pi * index.hour / 24)
    else:
        index = pd.date_range("2022-01-01 06:00", periods=N_POINTS, freq="D")
        cycle = np.where(index.dayofweek >= 5, 0.6, 1.0)
    level = rng.uniform(100, 10_000)
    trend = 1 + np.linspace(0, rng.uniform(0, 0.5), N_POINTS)
    values = np.asarray(level * cycle * trend * rng.lognormal(0, 0.05, N_POINTS), dtype=float)
    for at in rng.choice(N_POINTS, 5, replace=False):
        values[at] *= rng.choice([0.3, 2.5])
    return pd.Series(values, index=index, name=f"metric_{seed}")


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    series = [make_series(seed) for seed in range(N_METRICS)]
    detect(series[0])  # warm imports and caches
    rows = []
    for label, spec in (
        ("auto (default)", None),
        ("day_of_week", {"seasonality": "day_of_week"}),
        ("none", {"seasonality": "none"}),
    ):
        full = min(timed(lambda: [detect(s, spec) for s in series]) for _ in range(3))
        latest = min(timed(lambda: [evaluate_latest(s, spec) for s in series]) for _ in range(3))
        rows.append(
            {
                "seasonality": label,
                "metrics x points": f"{N_METRICS} x {N_POINTS}",
                "detect wall (s)": round(full[0], 3),
                "detect CPU (s)": round(full[1], 3),
                "evaluate_latest wall (s)": round(latest[0], 3),
                "evaluate_latest CPU (s)": round(latest[1], 3),
                "target (s)": 1.0,
                "met (wall)": max(full[0], latest[0]) < 1.0,
            }
        )
    print(pd.DataFrame(rows).to_markdown(index=False))
    print("\nwall = best of 3 runs; CPU = this process's CPU time in that run (other work on a shared machine")
    print("inflates wall time, not CPU time)")


if __name__ == "__main__":
    main()
