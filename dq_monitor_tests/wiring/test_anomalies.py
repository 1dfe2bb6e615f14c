"""`<dataset>_anomaly_rate_is_normal` through real Dagster runs: the model each snapshot is judged by.

A small project (eight daily `orders` snapshots, planted anomalous amounts on days 6 and 7, a
three-snapshot training window) is checked with `dq-monitor check --all` and, in a second copy,
through a real tick of the new-snapshot sensor whose run requests are executed in order, as the
daemon would. Both must catch the same days, with the same scores, run after run.
"""

from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from dq_monitor.cli import main
from dq_monitor.config import load_config
from dq_monitor.defs.builder import build_definitions
from dq_monitor.store import Store
from dq_monitor_tests.support.helpers import orders_dataset, write_config

DAYS = 8
PLANTED = {6: 8, 7: 8}  # day -> rows with absurd amounts
CHECK = "orders_anomaly_rate_is_normal"
ANOMALIES = {"detector": "robust_z", "columns": ["amount"], "reference_snapshots": 3, "random_state": 0}


def _orders(day: int, rows: int = 300) -> str:
    rng = np.random.default_rng(day)
    amount = rng.normal(100, 10, rows).round(2)
    amount[: PLANTED.get(day, 0)] = 100_000.0
    lines = ["id,ts,amount,country"]
    lines += [f"{day * 1000 + i},2026-01-{day:02d}T00:{i % 60:02d}:00,{a},{'DE' if i % 2 else 'FR'}"
              for i, a in enumerate(amount)]
    return "\n".join(lines) + "\n"


def _project(root: Path) -> Path:
    folder = root / "data/orders"
    folder.mkdir(parents=True)
    for day in range(1, DAYS + 1):
        (folder / f"orders_2026-01-{day:02d}.csv").write_text(_orders(day))
    return write_config(root, [orders_dataset(anomalies=ANOMALIES, freshness=None)])


def _verdicts(config: Path) -> dict[str, tuple[bool, str]]:
    store = Store(f"sqlite:///{config.parent / '.dq_monitor/findings.db'}")
    try:
        return {e.snapshot: (e.passed, e.message) for e in store.evaluations(dataset="orders") if e.check == CHECK}
    finally:
        store.dispose()


def _scores(config: Path) -> dict[str, pd.DataFrame]:
    folder = load_config(config).artifact_dir / "orders/anomalies"
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def _findings(config: Path) -> list:
    store = Store(f"sqlite:///{config.parent / '.dq_monitor/findings.db'}")
    try:
        return [f for f in store.findings(dataset="orders", status="open") if f.check == CHECK]
    finally:
        store.dispose()


def _day(n: int) -> str:
    return f"orders_2026-01-{n:02d}"


@pytest.fixture
def cli_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    config = _project(tmp_path / "cli")
    main(["check", "--config", str(config), "--all"])
    return config


def test_check_all_catches_the_planted_days_with_one_finding_each(cli_project: Path) -> None:
    verdicts = _verdicts(cli_project)
    assert {s for s, (passed, _) in verdicts.items() if not passed and "not evaluated" not in _} == {_day(6), _day(7)}
    findings = _findings(cli_project)
    assert sorted(f.snapshot for f in findings) == [_day(6), _day(7)]  # one finding per snapshot, not per row
    top = findings[0].details["top_rows"]
    assert {r["key"] for r in top[:8]} == {f"id={int(findings[0].snapshot[-2:]) * 1000 + i}" for i in range(8)}


def test_snapshots_before_any_model_are_not_evaluated_and_do_not_pass(cli_project: Path) -> None:
    verdicts = _verdicts(cli_project)
    for day in (1, 2, 3):
        passed, message = verdicts[_day(day)]
        assert not passed
        assert message == (f"orders: {_day(day)} not evaluated: no anomaly model trained before this snapshot; "
                           f"needs 3 clean snapshot(s) before it, has {day - 1}")
    assert verdicts[_day(4)][0] and verdicts[_day(5)][0] and verdicts[_day(8)][0]


def test_re_running_check_all_gives_identical_verdicts_and_scores(cli_project: Path) -> None:
    first_verdicts, first_scores = _verdicts(cli_project), _scores(cli_project)
    # A model trained later, for day 8, on the clean days before it (3, 4, 5: days 6 and 7 failed):
    # its window ends before days 6 and 7, but it was not the model of their time.
    defs = build_definitions(load_config(cli_project), automation_running=False)
    with dg.instance_for_test() as instance:
        assert defs.resolve_job_def("orders_anomaly_model_job").execute_in_process(
            instance=instance, run_config={"ops": {"orders_anomaly_model": {"config": {"as_of": _day(8)}}}}).success
    main(["check", "--config", str(cli_project), "--all"])
    assert _verdicts(cli_project) == first_verdicts
    second_scores = _scores(cli_project)
    assert second_scores.keys() == first_scores.keys() and len(first_scores) == DAYS - 3
    for sid, frame in first_scores.items():
        pd.testing.assert_frame_equal(second_scores[sid], frame)


def test_a_backlog_under_a_real_sensor_tick_is_judged_like_check_all(tmp_path: Path, cli_project: Path) -> None:
    config = _project(tmp_path / "sensor")
    defs = build_definitions(load_config(config))
    sensor = defs.resolve_sensor_def("orders_new_snapshot_sensor")
    with dg.instance_for_test() as instance:
        tick = sensor(dg.build_sensor_context(instance=instance, definitions=defs), dq_store=defs.resources["dq_store"])
        for request in tick.dynamic_partitions_requests:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        assert [r.partition_key for r in tick.run_requests] == [_day(d) for d in range(1, DAYS + 1)]
        for request in tick.run_requests:  # the whole backlog arrived before any model existed
            defs.resolve_job_def(request.job_name or "orders_snapshot_job").execute_in_process(
                partition_key=request.partition_key, instance=instance, tags=dict(request.tags),
                raise_on_error=False)
    assert _verdicts(config) == _verdicts(cli_project)
    sensor_scores, cli_scores = _scores(config), _scores(cli_project)
    assert sensor_scores.keys() == cli_scores.keys()
    for sid, frame in cli_scores.items():
        pd.testing.assert_frame_equal(sensor_scores[sid], frame)
