"""Where a full `dq-monitor check --all` pass on the demo spends its time, stage by stage (issue 16).

    .venv/bin/python bench/stage_timing.py [--dir DIR] [--executor both|in_process|multiprocess] [--runs N]
                                           [--only-load]

Stages: import (fresh interpreter, `import dq_monitor.definitions`, next to the `import dagster, pandas`
floor), one small snapshot checked by a cold CLI process (fresh store), discovery, read, profile, each check (the `duration_ms` every evaluation records), store writes and
the Dagster execution overhead (wall time of the runs minus everything above). The read/profile/store timers
wrap the functions the snapshot asset calls (measurement only, the code path is the CLI's).

`--executor` then launches N snapshot runs the way the daemon does (`execute_job`, a run per snapshot, on a
persistent instance) with the job's in-process executor ("after", what `build_job` sets) and with Dagster's
default multiprocess executor ("before": a subprocess and a code import per step).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

TIMERS: dict[str, float] = defaultdict(float)


def _fresh_python(code: str, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    # Run outside any checkout: `python -c` puts the working directory first on sys.path, ahead of PYTHONPATH,
    # so a before/after comparison started in a work tree would import that tree's dq_monitor both times.
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, **(env or {})},
                   capture_output=True, cwd=tempfile.gettempdir())
    return time.perf_counter() - started


def cold_check(config: Path, dataset: str, snapshot: str) -> float:
    """Wall time of a fresh `dq-monitor check --dataset D --snapshot S` process on a fresh store."""
    shutil.rmtree(config.parent / ".dq_monitor", ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "dq_monitor.cli", "check", "--config", str(config), "--dataset",
                           dataset, "--snapshot", snapshot], env={**env, "DAGSTER_TELEMETRY_DISABLED": "1"},
                          capture_output=True, text=True, cwd=tempfile.gettempdir())  # see _fresh_python
    elapsed = time.perf_counter() - started
    assert "check result(s)" in done.stdout, done.stderr[-2000:]  # exit 1 (ERROR findings) is expected
    return elapsed


def _timed(owner: object, name: str, stage: str) -> None:
    """Replace owner.name by a wrapper adding its wall time to TIMERS[stage] (bench instrumentation)."""
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            TIMERS[stage] += time.perf_counter() - started

    setattr(owner, name, wrapper)


def instrument() -> None:
    import dq_monitor.defs.automation as automation
    import dq_monitor.defs.snapshots as snapshots
    from dq_monitor.store import Store

    _timed(automation, "discover_snapshots", "discovery")
    _timed(snapshots, "read_snapshot", "read")
    _timed(snapshots, "describe_columns", "profile")
    _timed(snapshots, "snapshot_metrics", "profile")
    _timed(Store, "record_outcome", "store writes")  # evaluations and findings, after each check body
    for method in ("record_snapshot", "record_metrics"):
        _timed(Store, method, "snapshot writes")  # inside snapshot_is_readable's duration


def check_all(config: Path) -> tuple[float, dict[str, tuple[int, float]]]:
    """Wall time of an in-process `check --all` on a fresh store, and (count, ms) per check kind."""
    from dq_monitor.cli import main
    from dq_monitor.store import Store

    shutil.rmtree(config.parent / ".dq_monitor", ignore_errors=True)
    os.environ.pop("DAGSTER_HOME", None)  # an ephemeral instance, like a CI run
    started = time.perf_counter()
    with open(os.devnull, "w") as sink:
        stdout, sys.stdout = sys.stdout, sink
        try:
            main(["check", "--config", str(config), "--all", "--format", "json"])
        finally:
            sys.stdout = stdout
    wall = time.perf_counter() - started
    store = Store(f"sqlite:///{config.parent / '.dq_monitor' / 'findings.db'}")
    per_check: dict[str, list[float]] = defaultdict(list)
    for ev in store.evaluations():
        if "duration_ms" in ev.metadata:
            kind = ev.check.removeprefix(ev.dataset + "_")
            per_check[kind].append(float(ev.metadata["duration_ms"]))
    return wall, {k: (len(v), sum(v)) for k, v in sorted(per_check.items())}


def _daemon_job(executor: str):
    """The first dataset's snapshot job as the daemon would run it, with the chosen executor."""
    import dagster as dg

    import dq_monitor.definitions as location
    from dq_monitor.config import load_config
    from dq_monitor.core.names import snapshot_job

    name = snapshot_job(load_config(os.environ[location.CONFIG_ENV]).datasets[0].name)
    job = location.defs.resolve_job_def(name)
    return job.with_executor_def(dg.in_process_executor if executor == "in_process" else dg.multiprocess_executor)


def _in_process_job():
    return _daemon_job("in_process")


def _multiprocess_job():
    return _daemon_job("multiprocess")


def daemon_runs(config: Path, executor: str, runs: int) -> float:
    """Seconds per snapshot run launched with `execute_job` on a persistent instance (the daemon's path)."""
    import dagster as dg

    from dq_monitor.config import load_config
    from dq_monitor.defs.automation import discover_or_record
    from dq_monitor.defs.context import DatasetContext
    from dq_monitor.defs.resources import FindingsStoreResource

    project = load_config(config)
    ctx = DatasetContext.build(project.datasets[0], project)
    os.environ["DQ_MONITOR_CONFIG"] = str(config)
    shutil.rmtree(config.parent / ".dq_monitor", ignore_errors=True)
    store = FindingsStoreResource(database_url=f"sqlite:///{config.parent / '.dq_monitor' / 'findings.db'}",
                                  home=str(project.home_dir))
    refs = discover_or_record(ctx, store)
    assert not isinstance(refs, str), refs
    ids = [r.snapshot_id for r in refs[:runs]]
    with tempfile.TemporaryDirectory() as home:
        with dg.DagsterInstance.from_config(home) as instance:
            instance.add_dynamic_partitions(ctx.partitions_def.name, ids)
            job = dg.reconstructable(_in_process_job if executor == "in_process" else _multiprocess_job)
            started = time.perf_counter()
            for sid in ids:
                result = dg.execute_job(job, instance=instance, tags={"dagster/partition": sid})
                assert result.success, f"{executor} run of {sid} failed"
            return (time.perf_counter() - started) / len(ids)


def _print_table(rows: list[tuple[str, str, str]]) -> None:
    print("| stage | count | seconds |\n|---|---:|---:|")
    for stage, count, seconds in rows:
        print(f"| {stage} | {count} | {seconds} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="demo folder (default: a fresh one in a temporary folder)")
    parser.add_argument("--executor", choices=["both", "in_process", "multiprocess", "none"], default="both")
    parser.add_argument("--runs", type=int, default=3, help="snapshot runs per executor")
    parser.add_argument("--only-load", action="store_true",
                        help="only the first three rows (floor, import, cold CLI); no check --all, no daemon runs")
    args = parser.parse_args()
    from dq_monitor.demo import write_demo

    root = args.dir or Path(tempfile.mkdtemp(prefix="dq_stage_timing_"))
    config = write_demo(root).config
    env = {"DQ_MONITOR_CONFIG": str(config), "DAGSTER_TELEMETRY_DISABLED": "1"}
    floor = min(_fresh_python("import dagster, pandas") for _ in range(2))
    load = min(_fresh_python("import dq_monitor.definitions", env) for _ in range(2))
    cold = min(cold_check(config, "sensors", "sensors_2026-03-05") for _ in range(2))
    rows = [("floor: `python -c 'import dagster, pandas'`", "1", f"{floor:.2f}"),
            ("import dq_monitor.definitions (fresh interpreter)", "1", f"{load:.2f} ({load / floor:.2f}x floor)"),
            ("cold CLI: `check --dataset sensors --snapshot sensors_2026-03-05`, fresh store", "1",
             f"{cold:.2f} ({cold / floor:.2f}x floor)")]
    if args.only_load:
        _print_table(rows)
        return
    instrument()
    wall, per_check = check_all(config)
    checks_s = sum(ms for _, ms in per_check.values()) / 1000.0
    measured = TIMERS["discovery"] + checks_s + TIMERS["store writes"]
    rows += [("check --all wall (in-process, one instance)", "1", f"{wall:.2f}"),
             ("discovery", "", f"{TIMERS['discovery']:.2f}"),
             ("read (inside snapshot_is_readable)", "", f"{TIMERS['read']:.2f}"),
             ("profile (inside snapshot_is_readable)", "", f"{TIMERS['profile']:.2f}"),
             ("store: snapshot rows + metrics (inside snapshot_is_readable)", "", f"{TIMERS['snapshot writes']:.2f}")]
    rows += [(f"check `{kind}`", str(n), f"{ms / 1000.0:.2f}") for kind, (n, ms) in per_check.items()]
    rows += [("store: evaluations + findings (after each check)", "", f"{TIMERS['store writes']:.2f}"),
             ("Dagster execution overhead (wall - checks - discovery - store writes, approx.)", "",
              f"{max(wall - measured, 0.0):.2f}")]
    _print_table(rows)
    if args.executor != "none":
        print("\n| daemon-style run (`execute_job`, one snapshot) | seconds per run |\n|---|---:|")
        for executor in (["multiprocess", "in_process"] if args.executor == "both" else [args.executor]):
            print(f"| {executor} executor | {daemon_runs(config, executor, args.runs):.2f} |", flush=True)


if __name__ == "__main__":
    main()
