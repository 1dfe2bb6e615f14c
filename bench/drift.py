"""Benchmark: Evidently's DataDriftPreset on the full data vs dq_monitor.drift.

    python bench/drift.py                 # all cases (about 6-8 minutes, mostly Evidently)
    python bench/drift.py --cases numeric_100k mixed_100k
    python bench/drift.py --cases numeric_1m --mode dq_monitor   # ours in the calibrated default mode

Each side of each case runs in its own fresh subprocess, so peak memory (the
process's max RSS: interpreter + imports + the two frames + the work) is not
polluted by the other side. Both subprocesses import their libraries and build
the same seeded frames before the clock starts; the clock then covers

* Evidently: `Report([DataDriftPreset()], include_tests=True).run(current, reference)`
  plus writing the HTML report;
* ours: `compare(reference, current, {"mode": MODE})` on the full data plus `render_html(...)`
  (Evidently rendering from a 5000-row sample with the exact full-data scores).

Wall seconds depend on what else the machine runs; CPU seconds (user + system of
the worker process over the timed region, all threads) much less so.
Verdicts agree = every per-column drift verdict, every method and the dataset
verdict are equal (only meaningful for `--mode evidently`, the default here; the
calibrated `--mode dq_monitor` uses other tests by design). Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the Evidently oracle lives in dq_monitor_tests.support

CASES = {
    "numeric_100k": ("numeric", 100_000),
    "numeric_1m": ("numeric", 1_000_000),
    "mixed_100k": ("mixed", 100_000),
    "mixed_1m": ("mixed", 1_000_000),
}
SAMPLE_ROWS = 5000


def make_frames(kind: str, n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded reference/current frames with 20 columns; a few columns drift, some only slightly.

    Built without transient copies (the numeric block is filled in place and wrapped, the
    string columns reference 12 shared level strings) so that peak RSS measures the work,
    not the data generator.
    """
    rng = np.random.default_rng(seed)
    n_numeric = 20 if kind == "numeric" else 10
    # shift in reference std units per numeric column: clear drift, borderline and none.
    shifts = [0.5, 0.2, 0.12, 0.08, 0.05] + [0.0] * (n_numeric - 5)
    names = [f"num_{i}" for i in range(n_numeric)]
    frames = []
    for side in ("reference", "current"):
        block = np.empty((n_numeric, n))  # one row per column: contiguous columns once transposed
        for i in range(n_numeric):
            if side == "reference":
                block[i] = rng.normal(0, 1, n)
            else:
                block[i] = rng.normal(shifts[i], 1.3 if i == n_numeric - 1 else 1.0, n)
        frames.append(pd.DataFrame(block.T, columns=names, copy=False))
    if kind == "mixed":
        levels = np.array([f"level_{k}" for k in range(12)], dtype=object)
        for i in range(6):
            p_ref = np.full(12, 1 / 12)
            tilt = [0.5, 0.15, 0.05, 0.0, 0.0, 0.0][i]
            p_cur = p_ref - tilt / 12
            p_cur[0] = p_ref[0] + tilt / 12 * 11
            frames[0][f"cat_{i}"] = levels[rng.choice(12, n, p=p_ref)]
            frames[1][f"cat_{i}"] = levels[rng.choice(12, n, p=p_cur)]
        for i in range(4):
            frames[0][f"bin_{i}"] = rng.random(n) < 0.5
            frames[1][f"bin_{i}"] = rng.random(n) < [0.7, 0.52, 0.5, 0.5][i]
    return frames[0], frames[1]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(side: str, case: str, out_dir: str, mode: str = "evidently") -> dict:
    import warnings

    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    import evidently  # noqa: F401  (both sides need it: ours renders the HTML with it)

    from dq_monitor.drift import compare, render_html
    from dq_monitor_tests.support.evidently_oracle import read_verdicts, run_evidently

    import_s = time.perf_counter() - t0
    reference, current = make_frames(*CASES[case])
    rss_before = _peak_mb()
    html = Path(out_dir) / f"{side}_{case}.html"
    start, cpu_start = time.perf_counter(), _cpu_s()
    if side == "evidently":
        snapshot = run_evidently(reference, current)
        snapshot.save_html(str(html))
        wall, cpu = time.perf_counter() - start, _cpu_s() - cpu_start
        verdicts = read_verdicts(snapshot)
        columns = {c: [v.method, v.drifted] for c, v in verdicts.columns.items()}
        dataset = verdicts.dataset_drift
    else:
        result = compare(reference, current, {"mode": mode})
        render_html(reference, current, result, html, sample_rows=SAMPLE_ROWS)
        wall, cpu = time.perf_counter() - start, _cpu_s() - cpu_start
        columns = {c.column: [c.method_display_name, c.drifted] for c in result.compared}
        dataset = result.dataset_drift
    return {"wall_s": wall, "cpu_s": cpu, "peak_mb": _peak_mb(), "import_s": import_s, "rss_before_mb": rss_before,
            "columns": columns,
            "dataset_drift": dataset, "drifted": sum(v[1] for v in columns.values()), "html_kb": html.stat().st_size / 1024}


BIKE_NOT_COMPARED = ["instant", "dteday", "season", "yr", "mnth"]
PUBLISHED_DRIFTED = ["temp", "atemp", "cnt", "casual", "registered"]


def bike_sharing_evaluation() -> None:
    """January vs July 2011 must drift in the published columns; random halves of a month must not."""
    from dq_monitor.drift import compare
    from dq_monitor_tests.support.evidently_oracle import disagreements, evidently_drift

    root = Path(__file__).resolve().parents[1]
    path = Path(os.environ.get("DQ_MONITOR_SHARED_DATASETS", root.parent / "shared" / "datasets"))
    path = path / "bike_sharing" / "hour.csv"
    if not path.exists():
        print(f"\nBike-sharing evaluation skipped: {path} not found.")
        return
    frame = pd.read_csv(path)
    day = pd.to_datetime(frame["dteday"], format="%m/%d/%y")
    month = {m: frame[(day.dt.year == 2011) & (day.dt.month == m)].drop(columns=BIKE_NOT_COMPARED) for m in (1, 7)}
    result = compare(month[1], month[7], {"mode": "evidently"})
    theirs = evidently_drift(month[1], month[7])
    print("\n| bike sharing hour.csv | expected (dataset README) | ours | Evidently DataDriftPreset |")
    print("|---|---|---|---|")
    print(f"| Jan 2011 vs Jul 2011: dataset drift | yes | {'yes' if result.dataset_drift else 'no'} "
          f"(share {result.drift_share:.3f}) | {'yes' if theirs.dataset_drift else 'no'} (share {theirs.drift_share:.3f}) |")
    print(f"| Jan vs Jul: drifted columns | includes {', '.join(PUBLISHED_DRIFTED)} | "
          f"{', '.join(result.drifted_columns)} | {', '.join(c for c, v in theirs.columns.items() if v.drifted)} |")
    print(f"| Jan vs Jul: verdicts identical to Evidently | | {'yes' if not disagreements(result, theirs) else 'NO'} | |")
    for m in (1, 7):
        rng = np.random.default_rng(m)
        clean = clean_ev = identical = 0
        for _ in range(20):
            order = rng.permutation(len(month[m]))
            half = len(order) // 2
            first, second = month[m].iloc[np.sort(order[:half])], month[m].iloc[np.sort(order[half:])]
            split, split_ev = compare(first, second, {"mode": "evidently"}), evidently_drift(first, second)
            clean += not split.dataset_drift
            clean_ev += not split_ev.dataset_drift
            identical += not disagreements(split, split_ev)
        print(f"| 20 random 50/50 splits of {'Jan' if m == 1 else 'Jul'} 2011: no dataset drift | >= 19 of 20 | "
              f"{clean} of 20 (verdicts identical to Evidently on {identical} of 20) | {clean_ev} of 20 |")


def run_side(side: str, case: str, out_dir: str, mode: str = "evidently") -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", side, "--case", case, "--out-dir", out_dir, "--mode", mode],
        capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[1],
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{side} on {case} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--worker", choices=["evidently", "ours"])
    parser.add_argument("--case", choices=list(CASES))
    parser.add_argument("--out-dir")
    parser.add_argument("--mode", choices=["evidently", "dq_monitor"], default="evidently",
                        help="the drift spec mode of our side (default: evidently, to check parity)")
    parser.add_argument("--eval-only", action="store_true", help="only the bike-sharing evaluation")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.case, args.out_dir, args.mode)))
        return
    if args.eval_only:
        bike_sharing_evaluation()
        return

    header = ("| case | rows x cols | Evidently wall s | ours wall s | wall speedup | Evidently CPU s | ours CPU s | "
              "CPU speedup | Evidently peak MB | ours peak MB | memory ratio | drifted cols (Ev / ours) | "
              "dataset drift (Ev / ours) | verdicts agree |")
    print(f"Ours: `compare(..., {{'mode': '{args.mode}'}})` + `render_html`.\n")
    print(header)
    print("|" + "---|" * 14)
    with tempfile.TemporaryDirectory() as out_dir:
        imports, befores = [], []
        for case in args.cases:
            ev = run_side("evidently", case, out_dir)
            ours = run_side("ours", case, out_dir, args.mode)
            imports.append((ev["import_s"], ours["import_s"]))
            befores.append((ev["rss_before_mb"], ours["rss_before_mb"]))
            agree = ev["columns"] == ours["columns"] and ev["dataset_drift"] == ours["dataset_drift"]
            kind, n = CASES[case]
            print(
                f"| {case} | {n:,} x 20 ({kind}) | {ev['wall_s']:.2f} | {ours['wall_s']:.2f} | "
                f"{ev['wall_s'] / ours['wall_s']:.1f}x | {ev['cpu_s']:.2f} | {ours['cpu_s']:.2f} | "
                f"{ev['cpu_s'] / ours['cpu_s']:.1f}x | {ev['peak_mb']:.0f} | {ours['peak_mb']:.0f} | "
                f"{ours['peak_mb'] / ev['peak_mb']:.2f} | {ev['drifted']} / {ours['drifted']} | "
                f"{ev['dataset_drift']} / {ours['dataset_drift']} | {'yes' if agree else 'NO'} |",
                flush=True,
            )
            if not agree:
                diff = {c: (ev["columns"].get(c), ours["columns"].get(c))
                        for c in set(ev["columns"]) | set(ours["columns"]) if ev["columns"].get(c) != ours["columns"].get(c)}
                print(f"  differences: {diff}", flush=True)
    ev_imp = np.mean([i[0] for i in imports])
    for case, before in zip(args.cases, befores):
        print(f"Peak RSS before the clock in {case} (interpreter, imports, both frames): "
              f"Evidently process {before[0]:.0f} MB, ours {before[1]:.0f} MB.")
    print(f"\nImport time before the clock (same libraries on both sides): {ev_imp:.1f} s on average. "
          f"HTML sample for ours: {SAMPLE_ROWS} rows per side. Load average at the end: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs.")
    bike_sharing_evaluation()


if __name__ == "__main__":
    main()
