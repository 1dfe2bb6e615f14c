"""Wall time and peak RSS of `dq-monitor check` on large snapshots (issue 16 targets).

    .venv/bin/python bench/large_snapshot.py parquet [--rows 1000000] [--cols 20] [--before-pythonpath DIR]
    .venv/bin/python bench/large_snapshot.py csv [--rows 2000000] [--cols 30] [--before-pythonpath DIR]

parquet: writes three daily snapshots (float, int, category and timestamp columns) and a config with every
file-based feature (schema learned from the first snapshot, volume, freshness, drift against the previous
snapshot, anomalies, two monitors); checks the first two in one process, then times a fresh
`dq-monitor check --snapshot <third>` process (cold CLI: imports, anomaly model training, read, profile, every
check, store writes) and reports its wall time and peak RSS next to the `import dagster, pandas` floor.

csv: writes one CSV snapshot and checks it with the core checks only (readability, schema, volume,
freshness); the check's peak RSS is compared with a plain `pandas.read_csv(path)` in its own process.
Every measurement runs in a fresh process (peak RSS = that process's ru_maxrss). `--before-pythonpath DIR`
runs each measurement a second time with `PYTHONPATH=DIR` (e.g. a checkout of the previous version) and prints
both rows side by side; the store and partition files are restored before each measured run, so both start
from the same state.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

DAY = pd.Timestamp("2026-03-01", tz="UTC")
REPO = Path(__file__).resolve().parents[1]
#: Runs argv, prints "<wall s> <peak RSS MiB> <exit code>" and its last stdout line. The peak is the child's VmHWM,
#: polled every 20 ms (the kernel's high-water mark; `getrusage(RUSAGE_CHILDREN).ru_maxrss` missed most of a 2 GB
#: transient peak of the snapshot asset here), or ru_maxrss when that is higher.
_MEASURE = """
import resource, subprocess, sys, tempfile, time
started = time.perf_counter()
peak = 0
with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
    child = subprocess.Popen(sys.argv[1:], stdout=out, stderr=err, text=True)
    while child.poll() is None:
        try:
            with open(f"/proc/{child.pid}/status") as status:
                peak = max([peak] + [int(l.split()[1]) for l in status if l.startswith("VmHWM")])
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    wall = time.perf_counter() - started
    out.seek(0), err.seek(0)
    stdout, stderr = out.read(), err.read()
print(wall, max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024, child.returncode)
print(stdout.strip().splitlines()[-1] if stdout.strip() else "-")
print(stdout, stderr[-2000:] if child.returncode else "", file=sys.stderr)
"""
#: The snapshot asset alone, materialised in this process: prints "<seconds> <RSS MiB after imports> <ok>".
_INGEST = """
import resource, sys, time
import dagster as dg
from dq_monitor.config import load_config
from dq_monitor.defs.builder import build_resources
from dq_monitor.defs.context import DatasetContext
from dq_monitor.defs.snapshots import build_snapshot_asset
project = load_config(sys.argv[1])
ctx = DatasetContext.build(project.datasets[0], project)
asset = build_snapshot_asset(ctx)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
with dg.DagsterInstance.ephemeral() as instance:
    instance.add_dynamic_partitions(ctx.partitions_def.name, [sys.argv[2]])
    started = time.perf_counter()
    result = dg.materialize([asset], partition_key=sys.argv[2], instance=instance, resources=build_resources(project))
    print(time.perf_counter() - started, base, result.success)
"""
Row = tuple[float, float, int, str]


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


def _env(pythonpath: str | None) -> dict[str, str]:
    """The environment of a measured process: dq_monitor from `pythonpath`, else from this checkout."""
    return {**os.environ, "PYTHONPATH": pythonpath or str(REPO)}


def _measure(argv: list[str], pythonpath: str | None = None) -> Row:
    """(wall s, peak RSS MiB, exit code, last stdout line) of `argv` run in a fresh process.

    It runs in the temporary folder: `python -c` and `-m` put the working directory first on sys.path, so run from
    a checkout it would import that checkout's dq_monitor whatever PYTHONPATH says."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *argv], check=True, capture_output=True, text=True,
                         env=_env(pythonpath), cwd=tempfile.gettempdir())
    first, last = out.stdout.split("\n")[:2]
    wall, rss, code = first.split()
    summary = [line for line in out.stderr.splitlines() if "FAIL" in line or "snapshot(s)" in line or "Error" in line]
    if summary:
        print("\n".join(summary[-5:]), file=sys.stderr)
    return float(wall), float(rss), int(code), last.strip()


def _versions(before: str | None) -> list[tuple[str, str | None]]:
    """(label, PYTHONPATH) of each code version to measure: `before` first when given."""
    return [("before", before), ("after", None)] if before else [("", None)]


class Home:
    """The store and partition files after the preparation runs, restored before each measured run."""

    def __init__(self, root: Path) -> None:
        self.live, self.saved = root / ".dq_monitor", root / ".dq_monitor.saved"
        shutil.copytree(self.live, self.saved)

    def restore(self) -> None:
        shutil.rmtree(self.live)
        shutil.copytree(self.saved, self.live)


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


def bench_parquet(root: Path, rows: int, cols: int, before: str | None, ingest_only: bool = False,
                  repeat: int = 1) -> None:
    folder = root / "data" / "big"
    folder.mkdir(parents=True)
    for day in range(3) if not ingest_only else [2]:
        frame(rows, cols, day, seed=day).to_parquet(folder / f"big_2026-03-0{day + 1}.parquet", index=False)
    config = _config(root, "big", "parquet", {
        "drift": {"reference": "previous", "ignore_columns": ["ts"]},
        "anomalies": {"columns": ["x_0", "x_1", "x_2", "count"], "reference_snapshots": 1},
        "monitors": [{"metric": "row_count"}, {"metric": "mean", "column": "x_0"}]})
    for sid in ("big_2026-03-01", "big_2026-03-02") if not ingest_only else []:  # the asset alone needs no history
        subprocess.run(_cli(config, "--snapshot", sid), check=True, stdout=subprocess.DEVNULL, env=_env(None),
                       cwd=root)
    (root / ".dq_monitor").mkdir(exist_ok=True)
    home = Home(root)
    floor = min(_measure([sys.executable, "-c", "import dagster, pandas"])[0] for _ in range(2))
    for label, path in _versions(before) * repeat:  # interleaved: both versions see the same load
        home.restore()
        _, rss, _, last = _measure([sys.executable, "-c", _INGEST, str(config), "big_2026-03-03"], path)
        step, base, ok = last.split()
        print(f"| {label} {rows:,} x {cols} Parquet, snapshot asset alone (ingest) | {float(step):.2f} s | "
              f"{rss:.0f} MiB ({rss - float(base):.0f} MiB above the {float(base):.0f} MiB after imports) | "
              f"{'ok' if ok == 'True' else 'FAILED'} |")
    for label, path in _versions(before) if not ingest_only else []:
        home.restore()
        wall, rss, code, _ = _measure(_cli(config, "--snapshot", "big_2026-03-03"), path)
        print(f"| {label} {rows:,} x {cols} Parquet, cold `check --snapshot` (all features) | {wall:.2f} s "
              f"({wall / floor:.2f}x the {floor:.2f} s floor) | {rss:.0f} MiB | exit {code} |")


def bench_csv(root: Path, rows: int, cols: int, before: str | None) -> None:
    folder = root / "data" / "wide"
    folder.mkdir(parents=True)
    path = folder / "wide_2026-03-01.csv"
    frame(rows, cols, 0, seed=1).to_csv(path, index=False)
    config = _config(root, "wide", "csv", {"schema": {"columns": {"ts": {"type": "datetime"}}}})
    plain = _measure([sys.executable, "-c", f"import pandas; pandas.read_csv({str(path)!r})"])
    size = path.stat().st_size / 2**20
    print(f"| {rows:,} x {cols} CSV ({size:.0f} MiB): plain `pandas.read_csv` | {plain[0]:.2f} s | "
          f"{plain[1]:.0f} MiB | |")
    for label, pythonpath in _versions(before):
        shutil.rmtree(root / ".dq_monitor", ignore_errors=True)
        wall, rss, code, _ = _measure(_cli(config, "--snapshot", "wide_2026-03-01"), pythonpath)
        print(f"| {label} same file, `dq-monitor check --snapshot` (core checks) | {wall:.2f} s | {rss:.0f} MiB "
              f"({rss / plain[1]:.2f}x read_csv) | exit {code} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["parquet", "csv"])
    parser.add_argument("--rows", type=int)
    parser.add_argument("--cols", type=int)
    parser.add_argument("--before-pythonpath", metavar="DIR",
                        help="also measure with PYTHONPATH=DIR (the previous version) and print both")
    parser.add_argument("--ingest-only", action="store_true", help="parquet: time the snapshot asset alone only")
    parser.add_argument("--repeat", type=int, default=1, help="parquet: measure the snapshot asset N times")
    args = parser.parse_args()
    os.environ.setdefault("DAGSTER_TELEMETRY_DISABLED", "1")
    os.environ.pop("DAGSTER_HOME", None)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dq_large_") as tmp:
        print("| case | wall | peak RSS | |\n|---|---:|---:|---|")
        if args.kind == "parquet":
            bench_parquet(Path(tmp), args.rows or 1_000_000, args.cols or 20, args.before_pythonpath,
                          args.ingest_only, args.repeat)
        else:
            bench_csv(Path(tmp), args.rows or 2_000_000, args.cols or 30, args.before_pythonpath)
    print(f"(bench total {time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
