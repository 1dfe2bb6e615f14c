"""`dq-monitor check`: ingest and check snapshots in-process; exit 1 on ERROR findings."""

from __future__ import annotations

import argparse
import json
from typing import Any

from dq_monitor.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    database_url,
    load_project,
    progress,
)
from dq_monitor.core.markdown import markdown_table
from dq_monitor.core.names import snapshot_job

_QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _choose(ids: list[str], args: argparse.Namespace, dataset: str) -> list[str]:
    if args.snapshot:
        if args.snapshot not in ids:
            raise UsageError(f"dataset {dataset!r} has no snapshot {args.snapshot!r} "
                             f"(known: {', '.join(ids[-5:]) or 'none'})")
        return [args.snapshot]
    return ids if args.all else ids[-1:]


def _plan(project, datasets, store_resource, instance, args) -> tuple[list[tuple[Any, Any]], list[str]]:
    """(dataset context, snapshot reference) pairs to run, and the datasets whose source could not be listed."""
    from dq_monitor.cli.recovery import with_unfinished
    from dq_monitor.defs.automation import discover_or_record
    from dq_monitor.defs.context import DatasetContext

    plan: list[tuple[DatasetContext, Any]] = []
    failed_sources: list[str] = []
    for ds in datasets:
        ctx = DatasetContext.build(ds, project)
        found = discover_or_record(ctx, store_resource)
        if isinstance(found, str):
            progress(f"ERROR {found}")
            failed_sources.append(ds.name)
            continue
        ids = [r.snapshot_id for r in found]
        chosen, redo = with_unfinished(store_resource.get_store(), ds.name, ids, _choose(ids, args, ds.name))
        if redo:
            progress(f"{ds.name}: checking again {', '.join(redo)} (an earlier check did not finish)")
        if not chosen:
            progress(f"{ds.name}: no snapshots found under {ctx.root_path}")
        existing = set(instance.get_dynamic_partitions(ctx.partitions_def.name))
        missing = [sid for sid in chosen if sid not in existing]
        if missing:
            instance.add_dynamic_partitions(ctx.partitions_def.name, missing)
        by_id = {r.snapshot_id: r for r in found}
        plan.extend((ctx, by_id[sid]) for sid in chosen)
    return plan, failed_sources


def _run(plan, defs, instance, store) -> int:
    """Execute each snapshot's job in-process; returns how many runs had non-contract step failures."""
    from dq_monitor.cli.instance import InProcessRunner
    from dq_monitor.cli.recovery import process_tags
    from dq_monitor.defs.features import SNAPSHOT_RUN_HOOKS
    from dq_monitor.defs.snapshots import snapshot_ref_tags

    runner = InProcessRunner(instance)  # each dataset's job and execution plan built once
    run_failures = 0
    for i, (ctx, ref) in enumerate(plan, start=1):
        sid = ref.snapshot_id
        for hook in SNAPSHOT_RUN_HOOKS:
            note = hook(ctx, defs, instance, store, sid)
            if note:
                progress(f"[{i}/{len(plan)}] {ctx.name} {sid}: {note}")
        job = defs.resolve_job_def(snapshot_job(ctx.name))
        tags = {**process_tags(), **snapshot_ref_tags(ref)}
        result = runner.run(job, partition_key=sid, run_config=_QUIET, tags=tags)
        evaluations = result.get_asset_check_evaluations()
        failed = [e.check_name for e in evaluations if not e.passed]
        blocked = [e.step_key for e in result.all_events
                   if e.is_step_failure and "schema_matches_contract" not in e.step_key]
        run_failures += bool(blocked)
        status = "ok" if not failed else f"{len(failed)} failed: {', '.join(failed)}"
        if blocked:
            status += f"; step failures: {', '.join(blocked)}"
        progress(f"[{i}/{len(plan)}] {ctx.name} {sid}: {len(evaluations)} checks, {status}")
    return run_failures


def _report(store, checked: set[tuple[str, str]], fmt: str, snapshots: int) -> int:
    """Print the evaluations of the checked snapshots; returns the number of open ERROR findings."""
    rows: list[dict[str, Any]] = []
    error_findings = 0
    for ds_name, sid in sorted(checked):
        for ev in store.evaluations(dataset=ds_name, snapshot=sid):
            rows.append({"dataset": ds_name, "snapshot": sid, "check": ev.check,
                         "result": "PASS" if ev.passed else "FAIL",
                         "severity": "" if ev.passed else ev.severity, "message": ev.message[:120]})
        error_findings += len(store.findings(dataset=ds_name, snapshot=sid, status="open", severities=["ERROR"]))
    if fmt == "json":
        print(json.dumps(rows, indent=2))
        return error_findings
    print(markdown_table(rows, ["dataset", "snapshot", "check", "result", "severity", "message"]) if rows
          else "no checks ran")
    failed_count = sum(1 for r in rows if r["result"] == "FAIL")
    print(f"\n{snapshots} snapshot(s), {len(rows)} check result(s), {failed_count} failed, "
          f"{error_findings} open ERROR finding(s)")
    return error_findings


def cmd_check(args: argparse.Namespace) -> int:
    from dq_monitor.core.lazy import freeze_imported_objects

    # What the command imports stays until it exits: full collections need not scan it again.
    freeze_imported_objects()
    from dq_monitor.cli.instance import cli_instance
    from dq_monitor.cli.recovery import fail_orphaned_runs
    from dq_monitor.defs.automation import NO_SNAPSHOT
    from dq_monitor.defs.builder import build_definitions
    from dq_monitor.defs.resources import FindingsStoreResource, store_for

    freeze_imported_objects()

    project = load_project(args)
    assert project is not None
    if args.snapshot and args.all:
        raise UsageError("give --snapshot ID or --all, not both")
    datasets = [project.dataset(args.dataset)] if args.dataset else list(project.datasets)
    defs = build_definitions(project, automation_running=False)
    # The definitions' resource may hold a dg.EnvVar only Dagster resolves; the CLI resolves the same URL itself.
    url = database_url(args, project)
    store_resource = FindingsStoreResource(database_url=url, home=str(project.home_dir))
    store = store_for(url)
    progress(f"findings store: {store.masked_url}")
    instance = cli_instance()
    for note in fail_orphaned_runs(instance):
        progress(note)
    plan, failed_sources = _plan(project, datasets, store_resource, instance, args)
    run_failures = _run(plan, defs, instance, store)
    checked = {(ctx.name, ref.snapshot_id) for ctx, ref in plan} | {(name, NO_SNAPSHOT) for name in failed_sources}
    error_findings = _report(store, checked, args.format, len(plan))
    return EXIT_FINDINGS if error_findings or run_failures or failed_sources else EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="ingest and check snapshots in-process; exit 1 on ERROR findings")
    p.add_argument("--config", help="dq_monitor YAML (default $DQ_MONITOR_CONFIG)")
    p.add_argument("--dataset")
    p.add_argument("--snapshot", help="snapshot id (default: the newest)")
    p.add_argument("--all", action="store_true", help="every snapshot, oldest first")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_check)
