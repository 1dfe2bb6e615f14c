"""Benchmark: our expectation-suite check end to end vs plain GX `batch.validate(suite)`.

A 10-expectation suite on 100k and 1M rows x 20 columns, with a few planted faults so
that some expectations fail and evidence is collected. Both sides share the same warm
GX context and batch definition (built once per process, as in production), so the
difference is what our check adds: reading the suite JSON, checking columns, matching
results, looking up the primary keys of sample failing rows, building findings and
writing them with a plain SQLAlchemy insert into a temporary SQLite file.

Run from the repo root::

    python bench/gx_validation.py [--sizes 100000 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

import dq_monitor.expectations.validate as validate_module
from dq_monitor.expectations import validate_frame
from dq_monitor.expectations.context import gx_runtime
from dq_monitor.expectations.suite import build_gx_suite, load_suite

SUITE = {
    "name": "bench",
    "expectations": [
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "amount"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "amount", "min_value": 0,
                                                                  "max_value": 1000}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "status",
                                                                 "value_set": ["new", "paid", "shipped"]},
         "severity": "warning"},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "f03", "min_value": -6,
                                                                  "max_value": 6}},
        {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "f04", "min_value": -0.1,
                                                                "max_value": 0.1}},
        {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "code", "regex": "^[A-Z]{3}$"},
         "severity": "warning"},
        {"type": "expect_column_values_to_be_in_type_list", "kwargs": {"column": "qty",
                                                                       "type_list": ["int64"]}},
    ],
    "meta": {},
}


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {
        "id": np.arange(rows, dtype=np.int64),
        "amount": rng.lognormal(3, 0.5, rows),
        "status": rng.choice(np.array(["new", "paid", "shipped"], dtype=object), rows),
        "code": rng.choice(np.array(["ABC", "DEF", "GHI", "JKL"], dtype=object), rows),
        "qty": rng.integers(1, 10, rows),
    }
    for i in range(3, 18):
        data[f"f{i:02d}"] = rng.normal(0, 1, rows)
    frame = pd.DataFrame(data)
    # Planted faults: a few nulls, out-of-range amounts and a new status.
    faulty = rng.choice(rows, 50, replace=False)
    frame.loc[faulty[:10], "amount"] = np.nan
    frame.loc[faulty[10:30], "amount"] = 5000.0
    frame.loc[faulty[30:], "status"] = "refunded"
    return frame


def write_findings(engine: sa.Engine, table: sa.Table, outcome) -> None:
    rows = [{"fingerprint": f.fingerprint, "check_name": f.check, "severity": f.severity.value,
             "message": f.message, "details": json.dumps(f.to_dict()["details"])} for f in outcome.findings]
    with engine.begin() as conn:
        if rows:
            conn.execute(table.insert(), rows)
        conn.execute(sa.text("DELETE FROM findings"))  # keep the table small between repeats


class GxTimer:
    """Wraps our module's GX call to measure how much of our end-to-end time GX itself takes.

    On a shared 2-core machine GX's own run time varies by 20-30% between identical runs;
    our own work (end to end minus the GX call inside it) is the stable measure of overhead.
    """

    def __init__(self) -> None:
        self.inner = validate_module._run_gx
        self.seconds = 0.0
        validate_module._run_gx = self

    def __call__(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t


BIKE_FAULTS = {
    # fault name -> (column it touches, how)
    "nulls in cnt": ("cnt", lambda f: f.assign(cnt=f["cnt"].astype(float).mask(f.index.isin([2, 9, 15])))),
    "cnt x100 in 2 rows": ("cnt", lambda f: f.assign(cnt=f["cnt"].where(~f.index.isin([4, 17]), f["cnt"] * 100))),
    "temp out of [0, 1]": ("temp", lambda f: f.assign(temp=f["temp"].where(f.index != 6, 3.5))),
    "new weathersit 7": ("weathersit", lambda f: f.assign(weathersit=f["weathersit"].where(f.index != 8, 7))),
}


def suggestion_eval(datasets: Path, window: int, horizon: int, step: int) -> None:
    """Learn a suite from `window` days of the UCI bike-sharing hourly data, validate the next
    `horizon` days as they are (clean) and with planted faults; slide by `step` days."""
    from dq_monitor.expectations import suggest_suite, write_suite

    hours = pd.read_csv(datasets / "bike_sharing" / "hour.csv")
    days = [g.reset_index(drop=True) for _, g in hours.groupby("dteday", sort=False)]
    tmp = Path(tempfile.mkdtemp(prefix="dq_gx_suggest_"))
    clean_pass = clean_total = 0
    detected = {name: 0 for name in BIKE_FAULTS}
    faulty_total = 0
    windows = 0
    for start in range(0, len(days) - window - horizon + 1, step):
        windows += 1
        suite = suggest_suite(days[start:start + window], "bike_hours", primary_key=["instant"])
        path = write_suite(suite, tmp / f"w{start}.json")
        for day in days[start + window:start + window + horizon]:
            clean_total += 1
            clean_pass += validate_frame(day, path, "bike_hours", "clean", ["instant"]).passed
            faulty_total += 1
            for name, (column, plant) in BIKE_FAULTS.items():
                outcome = validate_frame(plant(day), path, "bike_hours", name, ["instant"])
                detected[name] += any(column in (f.details.get("columns") or []) for f in outcome.findings
                                      if f.severity.rank > 0)
    print(f"\nSuggested suites on UCI bike sharing (hourly rows, one day = one snapshot): {windows} windows of "
          f"{window} days, each validated on the next {horizon} days")
    print("\n| day kind | days | flagged | rate |")
    print("|---|---:|---:|---:|")
    print(f"| clean (as recorded) | {clean_total} | {clean_total - clean_pass} "
          f"| {100 * (clean_total - clean_pass) / clean_total:.1f}% false alarms |")
    for name, hits in detected.items():
        print(f"| planted: {name} | {faulty_total} | {hits} | {100 * hits / faulty_total:.1f}% detected |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--suggest-eval", action="store_true",
                        help="instead: evaluate suggested suites on ../shared/datasets/bike_sharing")
    parser.add_argument("--datasets", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
    parser.add_argument("--window", type=int, default=28)
    parser.add_argument("--horizon", type=int, default=7)
    parser.add_argument("--step", type=int, default=30)
    args = parser.parse_args(argv)
    if args.suggest_eval:
        suggestion_eval(args.datasets, args.window, args.horizon, args.step)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="dq_gx_bench_"))
    suite_path = tmp / "bench.json"
    suite_path.write_text(json.dumps(SUITE, indent=2), encoding="utf-8")
    engine = sa.create_engine(f"sqlite:///{tmp / 'findings.db'}")
    meta = sa.MetaData()
    table = sa.Table("findings", meta, sa.Column("fingerprint", sa.String, primary_key=True),
                     sa.Column("check_name", sa.String), sa.Column("severity", sa.String),
                     sa.Column("message", sa.Text), sa.Column("details", sa.Text))
    meta.create_all(engine)

    t0 = time.perf_counter()
    runtime = gx_runtime()
    setup = time.perf_counter() - t0
    gx_suite = build_gx_suite(load_suite(suite_path))
    print(f"GX import + context set-up (once per process): {setup:.2f} s")

    timer = GxTimer()
    print("\n| rows | columns | expectations | failed | plain GX CPU (s) | dq_monitor CPU (s) | overhead (CPU) "
          "| plain GX wall (s) | dq_monitor wall (s) | overhead (wall) | our own work (s) | own work / plain GX |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for rows in args.sizes:
        frame = make_frame(rows)
        plain_wall, plain_cpu, ours_wall, ours_cpu, own = [], [], [], [], []
        # Warm-up of both paths (first-call caches inside GX and pandas).
        runtime.batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(gx_suite)
        outcome = validate_frame(frame, suite_path, "bench", "s1", ["id"])

        def run_plain():
            w, c = time.perf_counter(), time.process_time()
            batch = runtime.batch_definition.get_batch(batch_parameters={"dataframe": frame})
            batch.validate(gx_suite)
            plain_wall.append(time.perf_counter() - w)
            plain_cpu.append(time.process_time() - c)

        def run_ours():
            timer.seconds = 0.0
            w, c = time.perf_counter(), time.process_time()
            result = validate_frame(frame, suite_path, "bench", "s1", ["id"])
            write_findings(engine, table, result)
            ours_wall.append(time.perf_counter() - w)
            ours_cpu.append(time.process_time() - c)
            own.append(ours_wall[-1] - timer.seconds)
            return result

        for i in range(args.repeats):
            # Alternate the order so neither side always runs right after the other's garbage.
            if i % 2 == 0:
                run_plain()
                outcome = run_ours()
            else:
                outcome = run_ours()
                run_plain()
        result = runtime.batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(gx_suite)
        med = statistics.median
        over_cpu = 100 * (med(ours_cpu) - med(plain_cpu)) / med(plain_cpu)
        over_wall = 100 * (med(ours_wall) - med(plain_wall)) / med(plain_wall)
        own_s = med(own)
        if rows >= 1_000_000:
            worst = max(worst, over_cpu)
        failed = sum(not r.success for r in result.results)
        assert failed == len(outcome.findings), (failed, [f.key for f in outcome.findings])
        print(f"| {rows:,} | {frame.shape[1]} | {len(SUITE['expectations'])} | {failed} "
              f"| {med(plain_cpu):.3f} | {med(ours_cpu):.3f} | {over_cpu:+.1f}% "
              f"| {med(plain_wall):.3f} | {med(ours_wall):.3f} | {over_wall:+.1f}% "
              f"| {own_s:.3f} | {100 * own_s / med(plain_wall):.1f}% |")
    print(f"\nmedians of {args.repeats} runs per side, alternating order. CPU = process CPU time, robust to other "
          "load on the machine; own work = our wall time minus the GX call inside it. "
          "Target: overhead < 25% at 1M rows.")
    return 0 if worst < 25 else 1


if __name__ == "__main__":
    sys.exit(main())
