"""Profiling a partitioned Postgres table: pushdown (dq_monitor's SQL source) vs reading buckets into pandas.

    .venv/bin/python bench/sql_pushdown.py --rows 10000000        # the issue's size (~12 min, ~2 GB table)
    .venv/bin/python bench/sql_pushdown.py --rows 1000000 --keep  # smaller; keep the database for the next run
    .venv/bin/python bench/sql_pushdown.py --rows 1000000 --keep --profile-sample-rows 10000  # exploration

Builds `bench_events` with `generate_series` in SQL after `setseed(0.5)` (20 columns: id, ts, 10 uniform
floats, 4 ints of 10..10,000 values, a heavy-tailed int `zipf` and text category `cat_z` (P(k) = 1/(k(k+1)),
half the rows k=1), 2 uniform text categories; 30 daily buckets; rows in time order, as an append-only event
table is; index on ts) in a throwaway database on $DQ_MONITOR_TEST_PG_URL's server, then profiles every
bucket twice, each in its own process so peak RSS is that mode's alone. The database is dropped afterwards
unless `--keep` (which also reuses a kept table of the same size instead of building it):
- pushdown: `read_sql_snapshots` over all buckets with the config's defaults (a dataset with no drift,
  anomalies or expectations: one connection and schema read, then per bucket one aggregate query + the
  seeded sample of `profile_sample_rows`, default 30,000, that Postgres' estimates come from);
- pandas: `SELECT` each bucket's rows into a frame and `dq_monitor.history.profile` it.
Then the accuracy of the estimates on bucket `ACCURACY_BUCKET` (`bench/sql_pushdown_accuracy.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import sqlalchemy as sa

ADMIN = os.environ.get("DQ_MONITOR_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
DB = "dqm_bench_sql_pushdown"
DAYS = 30
ACCURACY_BUCKET = 4  # 2026-01-05
NUMERIC = ["id"] + [f"f{k}" for k in range(10)] + ["zipf"] + [f"n{k}" for k in range(4)]
CATEGORIES = ["cat_z", "cat_a", "cat_b"]


def build(rows: int) -> None:
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{DB}"'))
    admin.dispose()
    floats = ", ".join(f"random() * {k + 1} AS f{k}" for k in range(10))
    heavy = "floor(1.0 / (1.0 - random()))::bigint"  # P(k) = 1/(k(k+1)): k=1 half the time, a long tail
    ints = ", ".join(f"(i % {10 ** (k + 1)})::int AS n{k}" for k in range(4))
    engine = sa.create_engine(url())
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT setseed(0.5)"))  # the same table on every build
        conn.execute(sa.text(
            f"CREATE TABLE bench_events AS SELECT i AS id, "
            f"timestamp '2026-01-01' + (i - 1) * (interval '{DAYS} days' / {rows}) AS ts, "
            f"{floats}, {heavy} AS zipf, 'z' || {heavy} AS cat_z, {ints}, 'c' || (i % 50) AS cat_a, "
            f"CASE WHEN i % 7 = 0 THEN NULL ELSE 'k' || (i % 5) END AS cat_b "
            f"FROM generate_series(1, {rows}) AS i"))
        conn.execute(sa.text("CREATE INDEX ON bench_events (ts)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE bench_events"))  # what autovacuum does to a settled table
    engine.dispose()


def kept_rows() -> int | None:
    """Rows of a kept bench table, or None when there is none."""
    engine = sa.create_engine(url())
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM bench_events")).scalar_one())
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def drop() -> None:
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
    admin.dispose()


def url() -> str:
    return ADMIN.rsplit("/", 1)[0] + f"/{DB}"


def dataset(profile_sample_rows: int | None):
    """The dataset as a user writes it: a `DatasetConfig` with the config's defaults (no drift, anomalies or
    expectations), unless `--profile-sample-rows` overrides that one field."""
    from dq_monitor.config.project import DatasetConfig

    source = {"kind": "sql", "url_env": "BENCH_DB_URL", "table": "bench_events",
              "partition_by": {"column": "ts", "grain": "day"}}
    if profile_sample_rows is not None:
        source["profile_sample_rows"] = profile_sample_rows
    return DatasetConfig(name="bench", source=source, timestamp_column="ts")


def run_mode(mode: str, profile_sample_rows: int | None) -> dict:
    """One mode in this process: wall time and peak RSS (ru_maxrss, KiB on Linux)."""
    import pandas as pd

    from dq_monitor.history import profile
    from dq_monitor.snapshots.sql_discover import discover_sql
    from dq_monitor.snapshots.sql_read import read_sql_snapshots

    os.environ["BENCH_DB_URL"] = url()
    ds = dataset(profile_sample_rows)
    start = time.perf_counter()
    snapshots = discover_sql(ds)
    rows, kept, sample = 0, {}, 0
    if mode == "pushdown":
        for i, read in enumerate(read_sql_snapshots(ds, [s.ref for s in snapshots])):
            rows += read.row_count
            if i == ACCURACY_BUCKET:
                kept, sample = dict(read.metrics), len(read.frame)
    else:
        engine = sa.create_engine(url())
        for snap in snapshots:
            t0 = snap.ref.snapshot_time.replace(tzinfo=None)
            frame = pd.read_sql(sa.text("SELECT * FROM bench_events WHERE ts >= :a AND ts < :b"), engine,
                                params={"a": t0, "b": t0 + pd.Timedelta(days=1)})
            frame["ts"] = frame["ts"].dt.tz_localize("UTC")
            profile(frame, timestamp_column="ts", snapshot_time=snap.ref.snapshot_time)
            rows += len(frame)
            del frame
        engine.dispose()
    seconds = time.perf_counter() - start
    return {"mode": mode, "buckets": len(snapshots), "rows": rows, "seconds": round(seconds, 2),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "sample_size": ds.source.profile_sample_rows, "metrics": kept, "sampled": sample}


def accuracy(push: dict) -> str:
    from sql_pushdown_accuracy import accuracy_table  # beside this script, on sys.path

    day = f"timestamp '2026-01-01' + interval '{ACCURACY_BUCKET} days'"
    where = f"ts >= {day} AND ts < {day} + interval '1 day'"
    head = (f"accuracy on bucket 2026-01-{ACCURACY_BUCKET + 1:02d} ({int(push['metrics']['row_count']):,} rows, "
            f"{push['sampled']:,} sampled):\n")
    return head + accuracy_table(url(), "bench_events", where, push["metrics"], NUMERIC, CATEGORIES,
                                 ["id", "ts"] + NUMERIC[1:] + CATEGORIES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--profile-sample-rows", type=int, default=None,
                        help="exploration: override the config default of profile_sample_rows (30000)")
    parser.add_argument("--keep", action="store_true", help="keep the database; reuse a kept table of this size")
    parser.add_argument("--mode", choices=["pushdown", "pandas"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args.mode, args.profile_sample_rows)))
        return
    if not (args.keep and kept_rows() == args.rows):
        t0 = time.perf_counter()
        build(args.rows)
        print(f"built {args.rows:,} rows in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    results = []
    flag = [] if args.profile_sample_rows is None else ["--profile-sample-rows", str(args.profile_sample_rows)]
    try:
        for mode in ("pushdown", "pandas"):
            out = subprocess.run([sys.executable, __file__, "--mode", mode, *flag],
                                 check=True, capture_output=True, text=True).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
        table = accuracy(results[0])
    finally:
        if not args.keep:
            drop()
    print("| mode | buckets | rows | wall s | peak RSS MiB |\n|---|---|---|---|---|")
    for r in results:
        print(f"| {r['mode']} | {r['buckets']} | {r['rows']:,} | {r['seconds']} | {r['peak_rss_mib']} |")
    push, pandas_ = results
    print(f"\nspeed-up {pandas_['seconds'] / push['seconds']:.1f}x, "
          f"memory {pandas_['peak_rss_mib'] / push['peak_rss_mib']:.1f}x (profile_sample_rows={push['sample_size']})\n")
    print(table)


if __name__ == "__main__":
    main()
