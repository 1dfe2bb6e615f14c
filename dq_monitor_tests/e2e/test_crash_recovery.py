"""kill -9 of a real `dq-monitor check` mid-snapshot, then a re-run, on SQLite and on Postgres.

The killed snapshot is payments_2026-03-07, the demo's schema fault: checked to the end it fails the
contract and never becomes a baseline. Killed before its schema checks, it has no findings at all; it
must still never be a baseline or reference, the next run must redo it, and the Dagster run the kill
left STARTED must not stay STARTED.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef

from dq_monitor.cli import main
from dq_monitor.core.names import schema_unchanged_check
from dq_monitor.store import Store, clean
from dq_monitor_tests.support.crash import (
    PAYMENTS,
    add_payments_day,
    check_command,
    cli_env,
    demo_project,
    payments_snapshot,
    run_check,
)

pytestmark = pytest.mark.slow
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
KILLED = payments_snapshot(7)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(out)]) == 0
    return out


def _kill_once_ingested(command: list[str], env: dict[str, str], store: Store) -> None:
    """Start `check`, SIGKILL it as soon as the snapshot's row is in the store (its checks are still running)."""
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        while store.get_snapshot(PAYMENTS, KILLED) is None:
            assert proc.poll() is None, f"check ended before ingesting {KILLED}: {proc.stderr.read()[-2000:]}"
            assert time.monotonic() < deadline, f"{KILLED} was never ingested"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def _runs(home: Path, status: dg.DagsterRunStatus) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        return list(instance.get_runs(filters=dg.RunsFilter(statuses=[status])))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_killed_check_leaves_no_unchecked_baseline_and_the_next_run_redoes_it(
        backend: str, demo: Path, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = request.getfixturevalue(f"{backend}_url")
    project = tmp_path / "project"
    config = demo_project(demo, project, days=[1])
    env = cli_env(url, dagster_home=tmp_path / "dagster_home")
    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
    monkeypatch.setenv("DQ_MONITOR_DATABASE_URL", url)
    assert main(["check", "--config", str(config), "--all"]) == 0  # in-process: one interpreter start less
    store = Store(url)

    add_payments_day(demo, project, 7)
    _kill_once_ingested(check_command(config), env, store)
    killed = store.get_snapshot(PAYMENTS, KILLED)
    assert killed is not None and killed.checked_at is None
    assert [s.snapshot for s in store.unchecked_snapshots(PAYMENTS)] == [KILLED]
    orphans = _runs(tmp_path / "dagster_home", dg.DagsterRunStatus.STARTED)
    assert [(r.job_name, r.tags.get("dagster/partition")) for r in orphans] == [("payments_snapshot_job", KILLED)]
    # Before any re-run, the never-checked snapshot is no baseline, drift reference or training snapshot.
    for policy in (clean.BASELINE, clean.DRIFT_REFERENCE, clean.ANOMALY_TRAINING):
        assert KILLED not in {s.snapshot for s in store.clean_snapshots(PAYMENTS, disqualifying=policy)}
    assert KILLED not in {s for _, s, _ in store.metric_series(PAYMENTS, "row_count")}

    add_payments_day(demo, project, 8)
    rerun = run_check(config, env)  # the newest snapshot only: the killed one is added by recovery
    assert f"checking again {KILLED}" in rerun.stderr
    assert "marked run" in rerun.stderr and "is gone" in rerun.stderr
    assert "step failures" not in rerun.stderr

    redone = {e.check: e for e in store.evaluations(dataset=PAYMENTS, snapshot=KILLED)}
    assert store.get_snapshot(PAYMENTS, KILLED).checked_at is not None
    assert not redone["payments_schema_matches_contract"].passed  # the schema fault is found after all
    newest = {e.check: e for e in store.evaluations(dataset=PAYMENTS, snapshot=payments_snapshot(8))}
    assert newest[schema_unchanged_check(PAYMENTS)].passed
    assert newest[schema_unchanged_check(PAYMENTS)].message == f"schema unchanged since {payments_snapshot(1)}"
    assert not [f.message for f in store.findings(dataset=PAYMENTS) if f"since {KILLED}" in f.message]
    assert store.unchecked_snapshots(PAYMENTS) == []
    assert _runs(tmp_path / "dagster_home", dg.DagsterRunStatus.STARTED) == []
    failed = {r.run_id for r in _runs(tmp_path / "dagster_home", dg.DagsterRunStatus.FAILURE)}
    assert orphans[0].run_id in failed  # marked failed, not left STARTED (the redo's own run fails the contract)
    store.dispose()


def test_a_process_name_tells_a_dead_or_reused_pid_from_a_live_process() -> None:
    from dq_monitor.core.process import process_gone, this_process

    me = this_process()
    host, pid, start = me.rsplit(":", 2)
    assert not process_gone(me)
    child = subprocess.run([sys.executable, "-c", "from dq_monitor.core.process import this_process as p; print(p())"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert process_gone(child)  # exited
    assert process_gone(f"{host}:{pid}:{int(start) + 1}")  # same pid, another process
    assert not process_gone(f"another-host:{pid}:{start}")  # cannot tell: left alone
