"""Wall time and peak RSS of `dq-monitor check` on large snapshots (issue 16 targets).

    .venv/bin/python bench/large_snapshot.py parquet [--rows 1000000] [--cols 20]
    .venv/bin/python bench/large_snapshot.py csv [--rows 2000000] [--cols 30]

parquet: writes three daily snapshots (float, int, category and timestamp columns) and a config with every
file-based feature (schema learned from the first snapshot, volume, freshness, drift against the previous
snapshot, anomalies, two monitors); checks the first two in one process, then times a fresh
`dq-monitor check --snapshot <third>` process (cold CLI: imports, anomaly model training, read, profile, every
check, store writes) and reports its wall time and peak RSS next to the `import dagster, pandas` floor.

csv: writes one CSV snapshot and checks it with the core checks only (readability, schema, volume,
freshness); the check's peak RSS is compared with a plain `pandas.read_csv(path)` in its own process.
Every measurement runs in a fresh process (peak RSS = that process's ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

DAY = pd.Timestamp("2026-03-01", tz="UTC")
_MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - started
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, done.returncode)
print(done.stdout, file=sys.stderr)
"""


def frame(rows: int, cols: int, day: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {"ts": DAY + pd.Timedelta(days=day) + pd.to_timedelta(
        np.sort(rng.integers(0, 86_400, rows)), unit="s")}
    n_cat = max(1, cols // 7)
    for i in range(n_cat):
        data[f"cat_{i}"] = pd.Categorical.from_codes(rng.integers(0, 12, rows), [f"level_{j}" for j in range(12)])
    data["count"] = rng.poisson(20, rows)
    for i in range(cols - n_cat - 2):
        data[f"x_{i}"] = rng.normal(i, 1 + i / 10, rows)
    return pd.DataFrame(data)


def _measure(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """(wall s, peak RSS MiB, exit code) of `argv` run in a fresh process."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *argv], check=True, capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    wall, rss, code = out.stdout.split()
    summary = [line for line in out.stderr.splitlines() if "FAIL" in line or "snapshot(s)" in line]
    print("\n".join(summary), file=sys.stderr)
    return float(wall), float(rss), int(code)


def _config(root: Path, name: str, fmt: str, extra: dict[str, object]) -> Path:
    dataset = {"name": name, "source": {"kind": "files", "path": f"data/{name}", "pattern": f"*.{fmt}",
                                        "format": fmt, "snapshot_unit": "file"},
               "timestamp_column": "ts", "volume": {"min_rows": 1, "max_change_pct": 50.0},
               "freshness": {"max_age": "2d", "based_on": "max_timestamp"}, **extra}
    path = root / "dq_monitor.yaml"
    path.write_text(json.dumps({"storage": {"home": ".dq_monitor"}, "datasets": [dataset]}, indent=1))
    return path


def _cli(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "dq_monitor.cli", "check", "--config", str(config), *args]


def bench_parquet(root: Path, rows: int, cols: int) -> None:
    folder = root / "data" / "big"
    folder.mkdir(parents=True)
    for day in range(3):
        frame(rows, cols, day, seed=day).to_parquet(folder / f"big_2026-03-0{day + 1}.parquet", index=False)
    config = _config(root, "big", "parquet", {
        "drift": {"reference": "previous", "ignore_columns": ["ts"]},
        "anomalies": {"columns": ["x_0", "x_1", "x_2", "count"], "reference_snapshots": 1},
        "monitors": [{"metric": "row_count"}, {"metric": "mean", "column": "x_0"}]})
    for sid in ("big_2026-03-01", "big_2026-03-02"):
        subprocess.run(_cli(config, "--snapshot", sid), check=True, stdout=subprocess.DEVNULL)
    floor = min(_measure([sys.executable, "-c", "import dagster, pandas"])[0] for _ in range(2))
    wall, rss, code = _measure(_cli(config, "--snapshot", "big_2026-03-03"))
    print(f"| {rows:,} x {cols} Parquet, cold `check --snapshot` (all features) | {wall:.2f} s "
          f"({wall / floor:.2f}x the {floor:.2f} s floor) | {rss:.0f} MiB | exit {code} |")


def bench_csv(root: Path, rows: int, cols: int) -> None:
    folder = root / "data" / "wide"
    folder.mkdir(parents=True)
    path = folder / "wide_2026-03-01.csv"
    frame(rows, cols, 0, seed=1).to_csv(path, index=False)
    config = _config(root, "wide", "csv", {"schema": {"columns": {"ts": {"type": "datetime"}}}})
    plain = _measure([sys.executable, "-c", f"import pandas; pandas.read_csv({str(path)!r})"])
    wall, rss, code = _measure(_cli(config, "--snapshot", "wide_2026-03-01"))
    size = path.stat().st_size / 2**20
    print(f"| {rows:,} x {cols} CSV ({size:.0f} MiB): plain `pandas.read_csv` | {plain[0]:.2f} s | "
          f"{plain[1]:.0f} MiB | |")
    print(f"| same file, `dq-monitor check --snapshot` (core checks) | {wall:.2f} s | {rss:.0f} MiB "
          f"({rss / plain[1]:.2f}x read_csv) | exit {code} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["parquet", "csv"])
    parser.add_argument("--rows", type=int)
    parser.add_argument("--cols", type=int)
    args = parser.parse_args()
    os.environ.setdefault("DAGSTER_TELEMETRY_DISABLED", "1")
    os.environ.pop("DAGSTER_HOME", None)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dq_large_") as tmp:
        print("| case | wall | peak RSS | |\n|---|---:|---:|---|")
        if args.kind == "parquet":
            bench_parquet(Path(tmp), args.rows or 1_000_000, args.cols or 20)
        else:
            bench_csv(Path(tmp), args.rows or 2_000_000, args.cols or 30)
    print(f"(bench total {time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
