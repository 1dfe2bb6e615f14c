"""Two real `dq-monitor check --all` processes started at once on one store, on SQLite and on Postgres.

Both ingest and check the same payments snapshots at the same moments (the races of `record_snapshot`
and of training the anomaly model). Nothing may be lost, duplicated or failed: the store ends as after
one process, with one anomaly model per snapshot it was trained for.
"""

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from dq_monitor.cli import main
from dq_monitor.defs.anomalies_training import ModelRegistry
from dq_monitor.store import Store
from dq_monitor_tests.support.crash import (
    PAYMENTS,
    check_command,
    cli_env,
    demo_project,
    run_check,
)

pytestmark = pytest.mark.slow
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
DAYS = [1, 2, 3, 4, 5]  # models are trained for days 4 and 5


def _state(store: Store, project: Path) -> dict:
    """What a check run leaves behind, without ids and times."""
    models = ModelRegistry(project / ".dq_monitor" / "artifacts", PAYMENTS).entries()
    return {
        "snapshots": sorted((s.snapshot, s.row_count, s.checked_at is not None) for s in store.snapshots(PAYMENTS)),
        "evaluations": sorted((e.snapshot, e.check, e.passed, e.severity, e.message)
                              for e in store.evaluations(dataset=PAYMENTS)),
        "findings": sorted((f.snapshot, f.check, f.key, f.severity, f.status, f.message)
                           for f in store.findings(dataset=PAYMENTS)),
        "models": sorted((m.as_of, m.snapshot_ids) for m in models),
    }


@pytest.fixture(scope="module")
def single_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, int]:
    """The demo, and what one `check --all` process leaves in a SQLite store."""
    demo = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(demo)]) == 0
    project = tmp_path_factory.mktemp("single") / "project"
    config = demo_project(demo, project, DAYS)
    url = f"sqlite:///{project / 'single.db'}"
    code = run_check(config, cli_env(url), "--all").returncode
    store = Store(url)
    state = _state(store, project)
    store.dispose()
    return demo, state, code


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_concurrent_check_all_processes_end_like_one(
        backend: str, single_run: tuple[Path, dict, int], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    demo, expected, expected_code = single_run
    url = request.getfixturevalue(f"{backend}_url")
    project = tmp_path / "project"
    config = demo_project(demo, project, DAYS)
    Store(url).upgrade()  # both processes would migrate; the race of two migrations is not this test's subject
    procs = [subprocess.Popen(check_command(config, "--all"), env=cli_env(url), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == expected_code, err[-3000:]
        assert "Traceback" not in err and "step failures" not in err and "UniqueViolation" not in err, err[-3000:]
        assert f"{len(DAYS)} snapshot(s)" in out

    store = Store(url)
    state = _state(store, project)
    store.dispose()
    assert len(state["snapshots"]) == len(DAYS) and all(checked for _, _, checked in state["snapshots"])
    assert Counter((s, c) for s, c, *_ in state["evaluations"]).most_common(1)[0][1] == 1
    assert state["evaluations"] == expected["evaluations"]
    assert state["findings"] == expected["findings"]
    assert state["models"] == expected["models"]  # each model trained once: the loser reused the winner's
    assert len(set(state["models"])) == len(state["models"]) == 2
