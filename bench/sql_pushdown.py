"""Profiling a partitioned Postgres table: pushdown (dq_monitor's SQL source) vs reading buckets into pandas.

    .venv/bin/python bench/sql_pushdown.py --rows 10000000        # the issue's size (~12 min, ~2 GB table)
    .venv/bin/python bench/sql_pushdown.py --rows 1000000 --keep  # smaller; keep the database for the next run

Builds `bench_events` with `generate_series` in SQL (20 columns: id, ts, 12 floats, 4 ints, 2 text
categories; 30 daily buckets; rows in time order, as an append-only event table is; index on ts) in a
throwaway database on $DQ_MONITOR_TEST_PG_URL's server, then profiles every bucket twice, each in its own
process so peak RSS is that mode's alone. The database is dropped afterwards unless `--keep` (which also
reuses a kept table of the same size instead of building it):
- pushdown: `read_sql_snapshots` over all buckets (one connection and schema read, then per bucket one
  aggregate query + the seeded sample of `--sample-rows`);
- pandas: `SELECT` each bucket's rows into a frame and `dq_monitor.history.profile` it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from types import SimpleNamespace

import sqlalchemy as sa

ADMIN = os.environ.get("DQ_MONITOR_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
DB = "dqm_bench_sql_pushdown"
DAYS = 30


def build(rows: int) -> None:
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{DB}"'))
    admin.dispose()
    floats = ", ".join(f"random() * {k + 1} AS f{k}" for k in range(12))
    ints = ", ".join(f"(i % {10 ** (k + 1)})::int AS n{k}" for k in range(4))
    engine = sa.create_engine(url())
    with engine.begin() as conn:
        conn.execute(sa.text(
            f"CREATE TABLE bench_events AS SELECT i AS id, "
            f"timestamp '2026-01-01' + (i - 1) * (interval '{DAYS} days' / {rows}) AS ts, "
            f"{floats}, {ints}, 'c' || (i % 50) AS cat_a, CASE WHEN i % 7 = 0 THEN NULL ELSE 'k' || (i % 5) END AS cat_b "
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


def dataset(sample_rows: int) -> SimpleNamespace:
    from dq_monitor.snapshots.spec import SqlSource

    source = SqlSource(url_env="BENCH_DB_URL", table="bench_events", sample_rows=sample_rows,
                       partition_by={"column": "ts", "grain": "day"})
    return SimpleNamespace(name="bench", source=source, timestamp_column="ts", schema_=None)


def run_mode(mode: str, sample_rows: int) -> dict:
    """One mode in this process: wall time and peak RSS (ru_maxrss, KiB on Linux)."""
    import pandas as pd

    from dq_monitor.history import profile
    from dq_monitor.snapshots.sql_discover import discover_sql
    from dq_monitor.snapshots.sql_read import read_sql_snapshots

    os.environ["BENCH_DB_URL"] = url()
    ds = dataset(sample_rows)
    start = time.perf_counter()
    snapshots = discover_sql(ds)
    rows = 0
    if mode == "pushdown":
        for read in read_sql_snapshots(ds, [s.ref for s in snapshots]):
            rows += read.row_count
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
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--sample-rows", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the database; reuse a kept table of this size")
    parser.add_argument("--mode", choices=["pushdown", "pandas"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args.mode, args.sample_rows)))
        return
    if not (args.keep and kept_rows() == args.rows):
        t0 = time.perf_counter()
        build(args.rows)
        print(f"built {args.rows:,} rows in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    results = []
    try:
        for mode in ("pushdown", "pandas"):
            out = subprocess.run([sys.executable, __file__, "--mode", mode, "--sample-rows", str(args.sample_rows)],
                                 check=True, capture_output=True, text=True).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        if not args.keep:
            drop()
    print("| mode | buckets | rows | wall s | peak RSS MiB |\n|---|---|---|---|---|")
    for r in results:
        print(f"| {r['mode']} | {r['buckets']} | {r['rows']:,} | {r['seconds']} | {r['peak_rss_mib']} |")
    push, pandas_ = results
    print(f"\nspeed-up {pandas_['seconds'] / push['seconds']:.1f}x, "
          f"memory {pandas_['peak_rss_mib'] / push['peak_rss_mib']:.1f}x")


if __name__ == "__main__":
    main()
