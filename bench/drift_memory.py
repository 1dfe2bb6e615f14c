"""Benchmark: wall time and peak RSS of the drift step on a large snapshot, before and after it reads columns.

    python bench/drift_memory.py --before <checkout of main> --rows 1000000 5000000
    python bench/drift_memory.py --before <checkout of main> --rows 1000000 --cases same shifted

The drift step is `dq_monitor.defs.drift.compare_and_report` against the previous snapshot (reference
strategy `previous`, the default spec: calibrated mode, HTML report on drift only), on Parquet files of
`rows` x `--cols` written from `bench/large_snapshot.py`'s `frame()` (in slices of 1M rows, so writing
them stays small). Each run is a fresh subprocess with `PYTHONPATH` set to the code measured:

* before: the code at `--before` (the step got the whole current frame from the IO manager, which is
  `read_frame` of the partition's file, and read the whole reference with `read_frame`); timed from that
  read on;
* after: this checkout (the step reads both files one column at a time, `parquet_source`).

Both import dagster, the drift engine and (case `shifted`, whose report is rendered) Evidently before the
clock starts; "peak" is the process's max RSS, "imports" its RSS after those imports. Case `same`: the
current snapshot is drawn from the same distribution (no drift, no report); `shifted`: every `x_*` column
is shifted by one standard deviation (dataset drift, the HTML report is rendered from 5000 rows per side).
Verdicts (every column's status, method, p-value, score, verdict; drift share and dataset verdict) must be
identical. Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

_WORKER = r"""
import json, os, resource, sys, time, types
import pandas as pd
import dq_monitor.defs.drift as step
import dq_monitor.drift.engine, dq_monitor.drift.render
from dq_monitor.drift import ReferenceSelection, parse_spec
cur_path, ref_path, out_dir, render = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
if render:
    import evidently.presets  # noqa: F401
def rss_mib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
imports = rss_mib()
ctx = types.SimpleNamespace(name="big", project=types.SimpleNamespace(artifact_dir=out_dir))
log = types.SimpleNamespace(info=lambda message: None)
spec, selection = parse_spec({}), ReferenceSelection(("day0",), "single")
started = time.perf_counter()
if hasattr(step, "parquet_source"):
    current, how = step.parquet_source(cur_path), "columns"
else:
    from dq_monitor.defs.frames import read_frame
    current, how = read_frame(cur_path), "whole frames"
outcome, metadata = step.compare_and_report(ctx, spec, "day1", current, selection, [ref_path], log)
wall = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
table = outcome.metadata["table"]
print(json.dumps({"wall": wall, "peak": peak, "imports": imports, "how": how, "passed": outcome.passed,
                  "message": outcome.message, "table": table, "report": "report" in metadata}))
"""


def write_snapshot(path: Path, rows: int, cols: int, day: int, seed: int, shift: bool) -> None:
    """`frame(rows, cols, day, seed)` written in slices of at most 1M rows (each slice its own seed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from large_snapshot import frame

    writer, schema = None, None
    for start in range(0, rows, 1_000_000):
        part = frame(min(1_000_000, rows - start), cols, day, seed * 1000 + start // 1_000_000)
        if shift:
            for column in [c for c in part.columns if c.startswith("x_")]:
                part[column] = part[column] + part[column].std()
        table = pa.Table.from_pandas(part, schema=schema, preserve_index=False)
        if writer is None:
            schema = table.schema
            writer = pq.ParquetWriter(path, schema)
        writer.write_table(table)
        del part, table
    if writer is not None:
        writer.close()


def run(code_root: Path, cur: Path, ref: Path, out: Path, render: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    done = subprocess.run([sys.executable, "-c", _WORKER, str(cur), str(ref), str(out), "1" if render else "0"],
                          env=env, check=True, capture_output=True, text=True, cwd=code_root)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the code before the change")
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--cases", nargs="+", default=["same"], choices=["same", "shifted"])
    args = parser.parse_args()
    after_root = Path(__file__).resolve().parents[1]
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; cols {args.cols}")
    print(f"{'rows':>9} {'case':>8} | {'before s':>8} {'peak MiB':>8} {'imports':>7} | "
          f"{'after s':>7} {'peak MiB':>8} {'imports':>7} | verdicts")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            ref = Path(tmp) / "day0.parquet"
            write_snapshot(ref, rows, args.cols, 0, 0, shift=False)
            for case in args.cases:
                cur = Path(tmp) / "day1.parquet"
                write_snapshot(cur, rows, args.cols, 1, 1, shift=case == "shifted")
                before = run(args.before.resolve(), cur, ref, Path(tmp) / "before", case == "shifted")
                after = run(after_root, cur, ref, Path(tmp) / "after", case == "shifted")
                same = all(before[k] == after[k] for k in ("passed", "message", "table", "report"))
                print(f"{rows:>9} {case:>8} | {before['wall']:>8.2f} {before['peak']:>8.0f} {before['imports']:>7.0f} | "
                      f"{after['wall']:>7.2f} {after['peak']:>8.0f} {after['imports']:>7.0f} | "
                      f"{'identical' if same else 'DIFFERENT'} ({'drift' if not after['passed'] else 'no drift'}"
                      f"{', report rendered' if after['report'] else ''})", flush=True)
                if not same:
                    print(json.dumps({"before": before, "after": after}, indent=1), file=sys.stderr)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


if __name__ == "__main__":
    main()
