"""`dq-monitor suggest-expectations`: a first Great Expectations suite learned from recent snapshots."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dq_monitor.cli.common import (
    EXIT_OK,
    UsageError,
    add_store_arguments,
    load_project,
    read_store,
)
from dq_monitor.snapshots import SourceError, discover_snapshots, read_snapshot


def run(args: argparse.Namespace) -> int:
    from dq_monitor.defs.context import DatasetContext
    from dq_monitor.expectations import suggest_suite, write_suite
    from dq_monitor.expectations.spec import ExpectationsSpec

    project = load_project(args)
    assert project is not None
    ds = project.dataset(args.dataset)
    ctx = DatasetContext.build(ds, project)
    try:
        refs = discover_snapshots(ds, ctx.root_path)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    # Learn only from snapshots the store does not hold ERROR findings for (when it has any history).
    from dq_monitor.store.clean import SUGGESTION

    store = read_store(args, project)
    bad = store.disqualified_snapshots(ds.name, SUGGESTION) if store is not None else set()
    if args.until:
        refs = [r for r in refs if r.snapshot_id <= args.until]
    clean = [r for r in refs if r.snapshot_id not in bad][-args.snapshots:]
    if not clean:
        raise UsageError(f"dataset {ds.name!r}: no clean snapshots to learn from")
    frames = []
    for i, ref in enumerate(clean, start=1):
        print(f"[{i}/{len(clean)}] reading {ref.snapshot_id}", file=sys.stderr)
        frames.append(read_snapshot(ds, ref).frame)
    suite = suggest_suite(frames, ds.name, primary_key=ds.primary_key)
    spec = ds.expectations or ExpectationsSpec()
    out = Path(args.out) if args.out else spec.suite_path(ds.name, project.base_dir)
    write_suite(suite, out)
    print(f"wrote {len(suite['expectations'])} expectations learned from {len(clean)} snapshot(s) "
          f"({clean[0].snapshot_id} .. {clean[-1].snapshot_id}) to {out}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("suggest-expectations", help="learn a first Great Expectations suite from recent snapshots")
    add_store_arguments(p)
    p.add_argument("--dataset", required=True)
    p.add_argument("--snapshots", type=int, default=7, help="learn from the last N clean snapshots (default 7)")
    p.add_argument("--until", help="ignore snapshots after this id (learn from an older window)")
    p.add_argument("--out", help="suite file (default: the dataset's suite path)")
    p.set_defaults(func=run)
