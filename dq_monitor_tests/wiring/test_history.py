"""Adaptive monitors on the metric history, through real Dagster runs and the real store."""

from pathlib import Path

import pytest

from dq_monitor.cli import main
from dq_monitor.store import Store
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset, write_config

ROWS = [100, 104, 98, 101, 97, 103, 99, 102, 100, 98, 101, 30]  # the last day loses 70% of its rows


def _project(tmp_path: Path, **overrides) -> str:
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True, exist_ok=True)
    for day, rows in enumerate(ROWS, start=1):
        (folder / f"orders_2026-01-{day:02d}.csv").write_text(orders_csv(day, rows=rows))
    ds = orders_dataset(volume="adaptive", monitors=[{"metric": "null_rate", "column": "amount"}], **overrides)
    return str(write_config(tmp_path, [ds]))


def _evaluation(store: Store, snapshot: str, check: str) -> dict:
    return next(e for e in store.evaluations(dataset="orders", snapshot=snapshot) if e.check == check)


def test_adaptive_volume_learns_then_flags_the_drop(tmp_path: Path) -> None:
    config = _project(tmp_path)
    assert main(["check", "--config", config, "--all"]) == 1
    store = Store(f"sqlite:///{tmp_path / '.dq_monitor/findings.db'}")
    first = _evaluation(store, "orders_2026-01-02", "orders_row_count_is_normal")
    assert first.passed and first.metadata["state"] == "learning"
    normal = _evaluation(store, "orders_2026-01-11", "orders_row_count_is_normal")
    assert normal.passed and normal.metadata["state"] == "ok"
    drop = _evaluation(store, "orders_2026-01-12", "orders_row_count_is_normal")
    assert not drop.passed and drop.severity == "ERROR"
    assert drop.metadata["observed"] == 30 and drop.metadata["lower"] > 30
    # The profile recorded column metrics too; the null-rate monitor sees no nulls and passes.
    assert store.metrics_for_snapshot("orders", "orders_2026-01-12")["null_rate:amount"] == 0.0
    assert _evaluation(store, "orders_2026-01-12", "orders_null_rate_amount_is_normal").passed


def test_a_backfill_of_an_old_snapshot_gives_the_same_verdict(tmp_path: Path) -> None:
    config = _project(tmp_path)
    main(["check", "--config", config, "--all"])
    store = Store(f"sqlite:///{tmp_path / '.dq_monitor/findings.db'}")
    before = _evaluation(store, "orders_2026-01-09", "orders_row_count_is_normal").metadata
    main(["check", "--config", config, "--snapshot", "orders_2026-01-09"])
    after = _evaluation(store, "orders_2026-01-09", "orders_row_count_is_normal").metadata
    assert (before["expected"], before["lower"], before["upper"], before["history_length"]) == (
        after["expected"], after["lower"], after["upper"], after["history_length"])


def test_mark_expected_round_trips_and_silences_the_monitor(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = _project(tmp_path)
    main(["check", "--config", config, "--all"])
    assert main(["mark-expected", "--config", config, "--dataset", "orders", "--snapshot", "orders_2026-01-12",
                 "--check", "orders_row_count_is_normal", "--reason", "planned outage", "--by", "alice"]) == 0
    store = Store(f"sqlite:///{tmp_path / '.dq_monitor/findings.db'}")
    marks = store.expected_marks("orders", "orders_row_count_is_normal")
    assert [(m.snapshot, m.reason, m.marked_by) for m in marks] == [
        ("orders_2026-01-12", "planned outage", "alice")]
    main(["check", "--config", config, "--snapshot", "orders_2026-01-12"])
    evaluation = _evaluation(store, "orders_2026-01-12", "orders_row_count_is_normal")
    assert evaluation.passed and evaluation.metadata["marked_expected"] is True
    assert main(["mark-expected", "--config", config, "--dataset", "orders", "--snapshot", "nope"]) == 2


def test_a_bad_monitor_entry_is_a_config_error_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True)
    config = write_config(tmp_path, [orders_dataset(monitors=[{"metric": "row_count", "sensitivty": 3}])])
    assert main(["check", "--config", str(config)]) == 2
    assert "dataset 'orders', field 'monitors[0].sensitivty': unknown key" in capsys.readouterr().err
