"""Two real `dq-monitor check --all` processes started at once on one store, on SQLite and on Postgres.

Both ingest and check the same payments snapshots at the same moments (the races of `record_snapshot`
and of training the anomaly model). Nothing may be lost, duplicated or failed: the store ends as after
one process, with one anomaly model per snapshot it was trained for.
"""

import subprocess
import threading
from collections import Counter
from pathlib import Path

import pytest

from dq_monitor.cli import main
from dq_monitor.config import load_config
from dq_monitor.defs.anomalies import train_model
from dq_monitor.defs.anomalies_training import ModelRegistry
from dq_monitor.defs.context import DatasetContext
from dq_monitor.store import Store
from dq_monitor_tests.support.crash import (
    PAYMENTS,
    check_command,
    cli_env,
    demo_project,
)
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset, write_config

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
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DQ_MONITOR_DATABASE_URL", url)
        env.delenv("DAGSTER_HOME", raising=False)
        code = main(["check", "--config", str(config), "--dataset", PAYMENTS, "--all"])  # in-process: faster
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


def test_two_trainings_of_one_model_at_once_fit_it_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic version of the training race: two threads train the same model at the same instant."""
    import dq_monitor.anomalies as anomalies_package

    fits, real_fit = [], anomalies_package.fit_model

    def counted_fit(*args, **kwargs):  # the real fit, counted
        fits.append(kwargs.get("snapshot_ids"))
        return real_fit(*args, **kwargs)

    (tmp_path / "data/orders").mkdir(parents=True)
    for day in range(1, 5):
        (tmp_path / f"data/orders/orders_2026-01-{day:02d}.csv").write_text(orders_csv(day, rows=200))
    anomalies = {"detector": "robust_z", "columns": ["amount"], "reference_snapshots": 3, "random_state": 0}
    config = write_config(tmp_path, [orders_dataset(anomalies=anomalies, freshness=None)])
    assert main(["check", "--config", str(config), "--all"]) in (0, 1)
    project = load_config(config)
    ctx = DatasetContext.build(project.datasets[0], project)
    registry = ModelRegistry(project.artifact_dir, "orders")
    for entry in registry.entries():  # forget the models the run trained: train day 4's again, twice at once
        entry.path.unlink()
        entry.path.with_name(entry.path.name + ".json").unlink()
    store = Store(f"sqlite:///{tmp_path / '.dq_monitor/findings.db'}")
    barrier, paths = threading.Barrier(2), []
    monkeypatch.setattr(anomalies_package, "fit_model", counted_fit)

    def train() -> None:
        barrier.wait()
        paths.append(train_model(ctx, project.datasets[0].anomalies, store, "orders_2026-01-04")[2])

    threads = [threading.Thread(target=train) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.dispose()
    assert len(paths) == 2 and paths[0] == paths[1]
    assert len(fits) == 1  # the second trainer found the first one's model and reused it
    assert [(e.as_of, e.snapshot_ids) for e in registry.entries()] == [
        ("orders_2026-01-04", ("orders_2026-01-01", "orders_2026-01-02", "orders_2026-01-03"))]
