"""Calibration of drift verdicts: false alarms on random splits, detection, volume-only changes, speed.

    python bench/drift_calibration.py                 # everything (a few minutes)
    python bench/drift_calibration.py --splits 20 --sections splits
    python bench/drift_calibration.py --sections detection volume speed

Both modes of `dq_monitor.drift.compare` run on the same frames: `mode: dq_monitor` (the
calibrated default) and `mode: evidently` (Evidently 0.7 DataDriftPreset verdicts; they equal
Evidently's own, see dq_monitor_tests/test_drift_evidently_agreement.py, so Evidently itself is
not re-run here except for the speed section's reference number, which is bench/drift.py's).

* splits: for each real table and rows per side n, `--splits` times: draw 2n distinct rows at
  random and cut them into two halves of n. There is no drift by construction, so every flagged
  column is a false alarm. Printed: columns compared, mean share of columns flagged, the largest
  share in one split, and in how many splits the dataset drifted (share >= 0.5).
* detection: bike January vs July 2011 (hour.csv), the demo's sensor calibration fault (each
  sensors day against the previous day not labelled as drift, as the wiring chooses), and 20
  normal columns at 200k rows per side with 4 of them shifted by 0.3 standard deviations.
* power: 20 normal columns at 100-1000 rows per side with 4 shifted by 0.3 or 0.5 std: the
  share of shifted columns flagged (what calibration costs) and of unshifted ones flagged.
* volume: a snapshot with three times the rows and the same distribution (the reference repeated
  three times, and three times as many fresh rows from the same table).
* speed: `compare()` wall seconds at 200k and 1M rows x 20 numeric columns in both modes.

Datasets come from ../shared/datasets relative to the project root (or DQ_MONITOR_SHARED_DATASETS).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATASETS = Path(os.environ.get("DQ_MONITOR_SHARED_DATASETS", ROOT.parent / "shared" / "datasets"))
TABLES = {  # name: (relative path, columns not compared: row ids and timestamps stored as text)
    "bike hour.csv": ("bike_sharing/hour.csv", ["instant", "dteday"]),
    "bike day.csv": ("bike_sharing/day.csv", ["instant", "dteday"]),
    "taxis.csv": ("tabular_mixed/taxis.csv", ["pickup", "dropoff"]),
    "diamonds.csv": ("tabular_mixed/diamonds.csv", []),
}
SIZES = (100, 300, 1000, 3000)
MODES = ("dq_monitor", "evidently")
BIKE_NOT_COMPARED = ["instant", "dteday", "season", "yr", "mnth"]
PUBLISHED_DRIFTED = ["temp", "atemp", "cnt", "casual", "registered"]


def load(name: str) -> pd.DataFrame | None:
    rel, drop = TABLES[name]
    path = DATASETS / rel
    return pd.read_csv(path).drop(columns=drop) if path.exists() else None


def split_stats(frame: pd.DataFrame, n: int, splits: int, mode: str, seed: int) -> dict:
    from dq_monitor.drift import compare

    rng = np.random.default_rng([seed, n])
    shares, drifted, compared = [], 0, 0
    for _ in range(splits):
        rows = rng.choice(len(frame), size=2 * n, replace=False)
        result = compare(frame.iloc[np.sort(rows[:n])], frame.iloc[np.sort(rows[n:])], {"mode": mode})
        shares.append(result.drift_share)
        drifted += result.dataset_drift
        compared = result.number_of_columns
    return {"columns": compared, "mean": float(np.mean(shares)), "max": float(np.max(shares)), "drifted": drifted}


def random_splits(splits: int) -> None:
    print(f"\n### Random splits (no drift by construction), {splits} splits per cell\n")
    print("| table | rows per side | columns | dq_monitor: mean share flagged | max share | splits with "
          "dataset drift | evidently: mean share flagged | max share | splits with dataset drift |")
    print("|---|---|---|---|---|---|---|---|---|")
    for index, name in enumerate(TABLES):
        frame = load(name)
        if frame is None:
            print(f"| {name} | skipped: {DATASETS / TABLES[name][0]} not found | | | | | | | |")
            continue
        for n in SIZES:
            if 2 * n > len(frame):
                continue
            cells = [split_stats(frame, n, splits, mode, seed=index) for mode in MODES]
            row = [name, str(n), str(cells[0]["columns"])]
            for cell in cells:
                row += [f"{cell['mean']:.3f}", f"{cell['max']:.3f}", f"{cell['drifted']} of {splits}"]
            print("| " + " | ".join(row) + " |", flush=True)


def _verdict(result) -> str:
    return (f"{'yes' if result.dataset_drift else 'no'} (share {result.drift_share:.3f}): "
            + (", ".join(result.drifted_columns) or "none"))


def bike_months() -> str:
    from dq_monitor.drift import compare

    path = DATASETS / "bike_sharing" / "hour.csv"
    if not path.exists():
        return "| bike Jan vs Jul 2011 | skipped: hour.csv not found | | |"
    frame = pd.read_csv(path)
    day = pd.to_datetime(frame["dteday"], format="%m/%d/%y")
    month = {m: frame[(day.dt.year == 2011) & (day.dt.month == m)].drop(columns=BIKE_NOT_COMPARED) for m in (1, 7)}
    cells = [_verdict(compare(month[1], month[7], {"mode": mode})) for mode in MODES]
    return f"| bike Jan vs Jul 2011 (hour.csv) | drift; includes {', '.join(PUBLISHED_DRIFTED)} | " + " | ".join(cells) + " |"


def demo_sensors() -> list[str]:
    from dq_monitor.demo.generate import ground_truth, iter_snapshots
    from dq_monitor.drift import compare

    truth = {t["snapshot"] for t in ground_truth() if t["check"] == "sensors_has_no_dataset_drift"}
    snaps = list(iter_snapshots(dataset="sensors"))
    drop = ["sensor_id", "ts", "battery", "status"]
    rows = []
    for mode in MODES:
        flagged, clean_ref = set(), snaps[0]
        for snap in snaps[1:]:
            result = compare(clean_ref.frame.drop(columns=drop), snap.frame.drop(columns=drop), {"mode": mode})
            if result.dataset_drift:
                flagged.add(snap.snapshot_id)
            else:
                clean_ref = snap
        rows.append(f"flagged {', '.join(sorted(flagged)) or 'none'}"
                    + (" (= labelled days)" if flagged == truth else f" (labelled: {', '.join(sorted(truth))})"))
    return [f"| demo sensors, 16 days vs previous undrifted day | drift on {', '.join(sorted(truth))} only | "
            + " | ".join(rows) + " |"]


def normal_frames(n: int, shifted: int, shift: float, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    names = [f"c{i:02d}" for i in range(20)]
    ref = pd.DataFrame(rng.normal(size=(n, 20)), columns=names)
    cur = pd.DataFrame(rng.normal(size=(n, 20)), columns=names)
    cur.iloc[:, :shifted] += shift
    return ref, cur


def detection() -> None:
    from dq_monitor.drift import compare

    print("\n### Detection (real drift must still be flagged)\n")
    print("| case | expected | dq_monitor: dataset drift (share): drifted columns | evidently: same |")
    print("|---|---|---|---|")
    print(bike_months(), flush=True)
    for line in demo_sensors():
        print(line, flush=True)
    ref, cur = normal_frames(200_000, 4, 0.3)
    cells = [_verdict(compare(ref, cur, {"mode": mode})) for mode in MODES]
    print("| 20 normal columns, 200k rows per side, c00-c03 shifted 0.3 std | c00, c01, c02, c03 only | "
          + " | ".join(cells) + " |", flush=True)


def power(reps: int = 20) -> None:
    """How often a real shift is found on a small snapshot: the price of calibration."""
    from dq_monitor.drift import compare

    print(f"\n### Power on small snapshots: 20 normal columns, 4 shifted, {reps} repetitions\n")
    print("| rows per side | shift (std) | dq_monitor: shifted columns flagged | unshifted flagged | "
          "evidently: shifted columns flagged | unshifted flagged |")
    print("|---|---|---|---|---|---|")
    for n in (100, 300, 1000):
        for shift in (0.3, 0.5):
            cells = []
            for mode in MODES:
                hits = misses = 0
                for rep in range(reps):
                    ref, cur = normal_frames(n, 4, shift, seed=1000 + rep)
                    flagged = set(compare(ref, cur, {"mode": mode}).drifted_columns)
                    hits += len(flagged & {"c00", "c01", "c02", "c03"})
                    misses += len(flagged - {"c00", "c01", "c02", "c03"})
                cells += [f"{hits / (4 * reps):.2f}", f"{misses / (16 * reps):.3f}"]
            print(f"| {n} | {shift} | " + " | ".join(cells) + " |", flush=True)


def volume() -> None:
    from dq_monitor.drift import compare

    print("\n### Volume only: three times the rows, same distribution\n")
    print("| case | dq_monitor: dataset drift (share): drifted columns | evidently: same |")
    print("|---|---|---|")
    for name in ("bike hour.csv", "taxis.csv", "diamonds.csv"):
        frame = load(name)
        if frame is None:
            continue
        rng = np.random.default_rng(5)
        rows = rng.choice(len(frame), size=1200, replace=False)
        ref, fresh = frame.iloc[rows[:300]], frame.iloc[rows[300:]]
        repeated = pd.concat([ref] * 3, ignore_index=True)
        for label, cur in (("reference repeated 3x", repeated), ("900 fresh rows", fresh)):
            cells = [_verdict(compare(ref, cur, {"mode": mode})) for mode in MODES]
            print(f"| {name}: 300 reference rows vs {label} | " + " | ".join(cells) + " |", flush=True)


def speed() -> None:
    from dq_monitor.drift import compare

    print("\n### compare() wall and CPU seconds (all threads), 20 numeric columns (4 shifted 0.3 std), "
          "both sides the same size\n")
    print("| rows per side | dq_monitor wall s | CPU s | evidently-mode wall s | CPU s |")
    print("|---|---|---|---|---|")
    for n in (200_000, 1_000_000):
        ref, cur = normal_frames(n, 4, 0.3)
        cells = []
        for mode in MODES:
            compare(ref.iloc[:1000], cur.iloc[:1000], {"mode": mode})  # warm-up
            start, cpu = time.perf_counter(), time.process_time()
            compare(ref, cur, {"mode": mode})
            cells += [f"{time.perf_counter() - start:.2f}", f"{time.process_time() - cpu:.2f}"]
        print(f"| {n:,} | " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", type=int, default=20)
    sections = ["splits", "detection", "power", "volume", "speed"]
    parser.add_argument("--sections", nargs="+", default=sections, choices=sections)
    args = parser.parse_args()
    warnings.filterwarnings("error", category=RuntimeWarning)  # a divide-by-zero in a statistic is a bug here
    warnings.filterwarnings("ignore", message="Maximum number of iteration")  # Evidently's text-drift classifier
    if "splits" in args.sections:
        random_splits(args.splits)
    if "detection" in args.sections:
        detection()
    if "power" in args.sections:
        power()
    if "volume" in args.sections:
        volume()
    if "speed" in args.sections:
        speed()
    print(f"\nLoad average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs.")


if __name__ == "__main__":
    main()
