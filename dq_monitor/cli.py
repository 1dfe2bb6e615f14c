"""`dq-monitor` command line.

Exit codes: 0 no ERROR finding, 1 an ERROR finding (or a failed run), 2 usage or config error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dq_monitor.config import ConfigError, ProjectConfig, load_config

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

class UsageError(Exception):
    pass


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_project(args: argparse.Namespace, required: bool = True) -> ProjectConfig | None:
    path = getattr(args, "config", None) or os.environ.get("DQ_MONITOR_CONFIG")
    if path is None:
        if required:
            raise UsageError("--config PATH is required (or set DQ_MONITOR_CONFIG)")
        return None
    return load_config(path)


def open_store(args: argparse.Namespace):
    from dq_monitor.store import Store, default_database_url

    url = getattr(args, "database_url", None)
    if not url:
        project = load_project(args, required=False)
        home = project.home_dir if project else Path(".dq_monitor").resolve()
        url = default_database_url(home)
    return Store(url)


# -- check -------------------------------------------------------------------------------------


def _instance():
    import dagster as dg

    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def cmd_check(args: argparse.Namespace) -> int:
    from dq_monitor.checks.schema import markdown_table
    from dq_monitor.defs.automation import NO_SNAPSHOT, discover_or_record
    from dq_monitor.defs.builder import build_definitions
    from dq_monitor.defs.context import DatasetContext

    project = load_project(args)
    assert project is not None
    datasets = [project.dataset(args.dataset)] if args.dataset else list(project.datasets)
    if args.snapshot and args.all:
        raise UsageError("give --snapshot ID or --all, not both")
    defs = build_definitions(project, automation_running=False)
    resources = defs.resources or {}
    store_resource = resources["dq_store"]
    store = store_resource.get_store()
    instance = _instance()
    quiet = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}

    plan: list[tuple[DatasetContext, str]] = []
    failed_sources: list[str] = []
    for ds in datasets:
        ctx = DatasetContext.build(ds, project)
        found = discover_or_record(ctx, store_resource)
        if isinstance(found, str):
            _progress(f"ERROR {found}")
            failed_sources.append(ds.name)
            continue
        ids = [r.snapshot_id for r in found]
        if args.snapshot:
            if args.snapshot not in ids:
                raise UsageError(f"dataset {ds.name!r} has no snapshot {args.snapshot!r} "
                                 f"(known: {', '.join(ids[-5:]) or 'none'})")
            chosen = [args.snapshot]
        elif args.all:
            chosen = ids
        else:
            chosen = ids[-1:]
        if not chosen:
            _progress(f"{ds.name}: no snapshots found under {ctx.root_path}")
        existing = set(instance.get_dynamic_partitions(ctx.partitions_def.name))
        missing = [sid for sid in chosen if sid not in existing]
        if missing:
            instance.add_dynamic_partitions(ctx.partitions_def.name, missing)
        plan.extend((ctx, sid) for sid in chosen)

    from dq_monitor.defs.features import feature_modules

    hooks = [m.before_snapshot_run for m in feature_modules() if hasattr(m, "before_snapshot_run")]
    run_failures = 0
    for i, (ctx, sid) in enumerate(plan, start=1):
        for hook in hooks:
            note = hook(ctx, defs, instance, store, sid)
            if note:
                _progress(f"[{i}/{len(plan)}] {ctx.name} {sid}: {note}")
        job = defs.resolve_job_def(f"{ctx.name}_snapshot_job")
        result = job.execute_in_process(partition_key=sid, instance=instance, raise_on_error=False, run_config=quiet,
                                        tags={"dq_monitor/trigger": "cli"})
        evaluations = result.get_asset_check_evaluations()
        failed = [e.check_name for e in evaluations if not e.passed]
        step_failures = [e.step_key for e in result.all_events if e.is_step_failure]
        blocked = [s for s in step_failures if "schema_matches_contract" not in s]
        if blocked:
            run_failures += 1
        status = "ok" if not failed else f"{len(failed)} failed: {', '.join(failed)}"
        if blocked:
            status += f"; step failures: {', '.join(blocked)}"
        _progress(f"[{i}/{len(plan)}] {ctx.name} {sid}: {len(evaluations)} checks, {status}")

    rows: list[dict[str, Any]] = []
    error_findings = 0
    checked = {(ctx.name, sid) for ctx, sid in plan} | {(name, NO_SNAPSHOT) for name in failed_sources}
    for ds_name, sid in sorted(checked):
        for ev in store.evaluations(dataset=ds_name, snapshot=sid):
            rows.append({"dataset": ds_name, "snapshot": sid, "check": ev["check"],
                         "result": "PASS" if ev["passed"] else "FAIL",
                         "severity": "" if ev["passed"] else ev["severity"], "message": ev["message"][:120]})
        error_findings += len(store.findings(dataset=ds_name, snapshot=sid, status="open", severities=["ERROR"]))
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        print(markdown_table(rows, ["dataset", "snapshot", "check", "result", "severity", "message"]) if rows
              else "no checks ran")
        failed_count = sum(1 for r in rows if r["result"] == "FAIL")
        print(f"\n{len(plan)} snapshot(s), {len(rows)} check result(s), {failed_count} failed, "
              f"{error_findings} open ERROR finding(s)")
    return EXIT_FINDINGS if error_findings or run_failures or failed_sources else EXIT_OK


# -- findings ----------------------------------------------------------------------------------


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since {value!r} is not an ISO date or datetime (e.g. 2026-03-01 or 2026-03-01T06:00)")
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def cmd_findings(args: argparse.Namespace) -> int:
    from dq_monitor.checks.schema import markdown_table

    store = open_store(args)
    status = None if args.status == "all" else args.status
    items = store.findings(dataset=args.dataset, since=_parse_since(args.since), status=status,
                           severities=args.severity or None)
    from dq_monitor.alerts import SqlDeliveryLedger, delivery_status

    deliveries = delivery_status(SqlDeliveryLedger(store.engine), [f["fingerprint"] for f in items])
    for f in items:
        f["deliveries"] = deliveries.get(f["fingerprint"], [])
        failed = [d for d in f["deliveries"] if d["status"] == "failed"]
        if failed:  # permanent delivery failures are shown where people look for findings
            f["alert_state"] = "failed: " + "; ".join(f"{d['receiver']}: {d['error']}" for d in failed)
    if args.format == "json":
        print(json.dumps(items, indent=2, default=str))
        return EXIT_OK
    rows = [{k: (str(v)[:100] if k == "message" else v) for k, v in f.items()
             if k in ("dataset", "snapshot", "check", "severity", "status", "message", "created_at", "alert_state")}
            for f in items]
    print(markdown_table(rows, ["created_at", "dataset", "snapshot", "check", "severity", "status", "alert_state",
                                "message"])
          if rows else "no findings")
    return EXIT_OK


# -- db ----------------------------------------------------------------------------------------


def cmd_db(args: argparse.Namespace) -> int:
    from dq_monitor.store import migrate

    store = open_store(args)  # Store() upgrades to head on open
    if args.action == "upgrade":
        print(f"database at revision {migrate.current_revision(store.engine)} (head {migrate.head_revision()})")
    elif args.action == "current":
        print(migrate.current_revision(store.engine) or "empty")
    elif args.action == "check":
        diff = migrate.pending_model_changes(store.engine)
        if diff:
            print("models and migrations disagree:\n" + "\n".join(f"  {d}" for d in diff))
            return EXIT_FINDINGS
        print("models and migrations agree")
    return EXIT_OK


# -- demo & dev --------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from dq_monitor.demo import write_demo

    out = Path(args.dir)
    paths = write_demo(out, days=args.days, seed=args.seed)
    print(f"demo data written to {out}\n  config: {paths.config}\n  ground truth: {paths.ground_truth}")
    if args.check or args.serve:
        os.environ.setdefault("DAGSTER_HOME", str(_dagster_home(Path(".dagster_home"))))
        code = main(["check", "--config", str(paths.config), "--all"])
        _progress(f"demo check finished (exit {code}: failures are the injected faults)")
    if args.serve:
        return _serve(Path(paths.config), args.host, args.port)
    return EXIT_OK


def _dagster_home(home: Path) -> Path:
    """An instance folder with the project's dagster.yaml (SQLite storage, telemetry off)."""
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists():
        source = Path("dagster.yaml")
        target.write_text(source.read_text() if source.exists() else "telemetry:\n  enabled: false\n")
    return home


def _serve(config: Path, host: str, port: int) -> int:
    env = {**os.environ, "DQ_MONITOR_CONFIG": str(config.resolve())}
    env.setdefault("DAGSTER_HOME", str(_dagster_home(Path(".dagster_home"))))
    cmd = [sys.executable, "-m", "dagster", "dev", "-m", "dq_monitor.definitions", "-h", host, "-p", str(port)]
    _progress(f"starting: {' '.join(cmd)} (DAGSTER_HOME={env['DAGSTER_HOME']})")
    os.execvpe(cmd[0], cmd, env)
    return EXIT_OK  # pragma: no cover


def cmd_dev(args: argparse.Namespace) -> int:
    project_path = Path(args.config or os.environ.get("DQ_MONITOR_CONFIG", "demo_data/dq_monitor.yaml"))
    load_config(project_path)  # fail here with a readable error, not inside dagster
    return _serve(project_path, args.host, args.port)


# -- parser ------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dq-monitor", description="Data-quality monitoring on Dagster.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="ingest and check snapshots in-process; exit 1 on ERROR findings")
    p.add_argument("--config", help="dq_monitor YAML (default $DQ_MONITOR_CONFIG)")
    p.add_argument("--dataset")
    p.add_argument("--snapshot", help="snapshot id (default: the newest)")
    p.add_argument("--all", action="store_true", help="every snapshot, oldest first")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("findings", help="list findings from the store")
    p.add_argument("--config")
    p.add_argument("--database-url")
    p.add_argument("--dataset")
    p.add_argument("--since", help="ISO date/datetime (UTC when no offset)")
    p.add_argument("--status", choices=["open", "resolved", "all"], default="all")
    p.add_argument("--severity", action="append", choices=["INFO", "WARN", "ERROR"])
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_findings)

    p = sub.add_parser("db", help="findings store maintenance")
    p.add_argument("action", choices=["upgrade", "current", "check"])
    p.add_argument("--config")
    p.add_argument("--database-url")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("demo", help="write demo datasets with injected faults and ground truth")
    p.add_argument("--dir", default="demo_data")
    p.add_argument("--days", type=int, default=16)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--check", action="store_true", help="then check every snapshot into $DAGSTER_HOME")
    p.add_argument("--serve", action="store_true", help="then check everything and start dagster dev")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("dev", help="start dagster dev on a config (DAGSTER_HOME defaults to .dagster_home)")
    p.add_argument("--config")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_dev)

    from dq_monitor.commands import command_modules

    for module in command_modules():
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import warnings

    # Dagster marks partitioned asset checks as preview; the CLI's user cannot act on that warning.
    warnings.filterwarnings("ignore", message=".*is currently in preview.*")
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) and EXIT_USAGE
    try:
        return int(args.func(args))
    except (ConfigError, UsageError) as exc:
        print(f"dq-monitor: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
