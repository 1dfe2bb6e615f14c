"""The anomaly scoring step alone on large snapshots, before and after (issue 16): wall, CPU, peak RSS.

    .venv/bin/python bench/anomaly_scoring_step.py --before ../main [--rows 1000000 5000000] [--cols 20] [--repeat 1]

Writes a training and a scoring snapshot (`large_snapshot.frame`, as the snapshot IO manager writes them),
trains the model of bench/large_snapshot.py's config (columns x_0, x_1, x_2, count) once, then runs the
scoring step in fresh processes, `before` and `after` interleaved: `before` is the tree given by --before
(PYTHONPATH) doing what its step did (the IO manager loads the whole partition, `score_snapshot` scores the
frame); `after` is this tree's step (`score_snapshot` on the partition's Parquet file). A step's process
first imports dagster, pandas and dq_monitor.defs.anomalies (not timed: every run has them); the step
includes loading the model (the scikit-learn and scipy.stats imports, shown apart), reading, scoring, the
outcome and the scores file. Peak RSS is the process's; "step RSS" is that minus the RSS before the step
(and minus the RSS after those imports).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SPEC = {"columns": ["x_0", "x_1", "x_2", "count"], "reference_snapshots": 1}
_STEP = """
import json, resource, sys, time
from pathlib import Path
from types import SimpleNamespace
import dagster, pandas
import dq_monitor.defs.anomalies as step
from dq_monitor.anomalies.spec import parse_spec
root, mode = Path(sys.argv[1]), sys.argv[2]
ctx = SimpleNamespace(name="big", dataset=SimpleNamespace(primary_key=[]),
                      project=SimpleNamespace(artifact_dir=root / mode))
spec = parse_spec(json.loads(sys.argv[3]))
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
def peak():  # VmHWM: this program's own peak (ru_maxrss also counts the forked parent's pages before exec)
    line = next(x for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
before, usage, started = rss(), resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
from dq_monitor.anomalies import FittedModel
import scipy.stats  # what every scoring step imports: scikit-learn (the model), scipy.stats (the rate test)
FittedModel.load(root / "model.joblib")
loaded, load_rss = time.perf_counter() - started, rss()
current = root / "big_3.parquet"
if mode == "before":
    from dq_monitor.defs.frames import read_frame
    current = read_frame(current)  # the snapshot IO manager's load_input
outcome, version, _ = step.score_snapshot(ctx, spec, root / "model.joblib", "big_3", current)
wall, end = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": wall, "cpu": end.ru_utime + end.ru_stime - usage.ru_utime - usage.ru_stime,
                  "peak": peak(), "start": before, "load": loaded, "load_rss": load_rss,
                  "passed": outcome.passed,
                  "message": outcome.message, "metrics": outcome.metrics}))
"""


def _write(root: Path, rows: int, cols: int) -> None:
    sys.path.insert(0, str(HERE))
    from large_snapshot import frame

    from dq_monitor.anomalies import fit_model
    from dq_monitor.defs.frames import write_frame

    reference = frame(1_000_000, cols, 1, seed=1)
    fit_model(reference, SPEC, snapshot_ids=["big_2"]).save(root / "model.joblib")
    del reference
    current = frame(rows, cols, 2, seed=2)
    write_frame(current, root / "big_3.parquet")


def _step(root: Path, mode: str, tree: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "DAGSTER_TELEMETRY_DISABLED": "1"}
    out = subprocess.run([sys.executable, "-c", _STEP, str(root), mode, json.dumps(SPEC)], env=env, check=True,
                         capture_output=True, text=True, cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _scores_differ(root: Path) -> float:
    import pandas as pd

    old, new = (pd.read_parquet(root / m / "big" / "anomalies" / "big_3.parquet") for m in ("before", "after"))
    assert old["is_anomaly"].equals(new["is_anomaly"]) and old["severity"].equals(new["severity"])
    return float(np.abs(old["raw_score"].to_numpy() - new["raw_score"].to_numpy()).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--before", type=Path, required=True, help="the source tree of the 'before' step")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    after = HERE.parent
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print("| snapshot | step | wall (imports + model load) | CPU | peak RSS | step RSS (after the imports) "
          "| verdict |\n"
          "|---|---|---:|---:|---:|---:|---|")
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="dq_anom_step_") as tmp:
            root = Path(tmp)
            _write(root, rows, args.cols)
            runs = {"before": [], "after": []}
            for _ in range(args.repeat):
                for mode, tree in (("before", args.before), ("after", after)):
                    runs[mode].append(_step(root, mode, tree))
            for mode, results in runs.items():
                for r in results:
                    print(f"| {rows:,} x {args.cols} | {mode} | {r['wall']:.2f} s ({r['load']:.2f} s) | "
                          f"{r['cpu']:.2f} s | {r['peak']:.0f} MiB | {r['peak'] - r['start']:.0f} MiB "
                          f"({r['peak'] - r['load_rss']:.0f} MiB) | "
                          f"{'pass' if r['passed'] else 'FAIL'}: {r['message'][:60]} |")
            same = runs["before"][-1]["message"] == runs["after"][-1]["message"]
            print(f"| {rows:,} x {args.cols} | same verdict message: {same}; max |raw score| difference "
                  f"{_scores_differ(root):.1e} | | | | | |")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
