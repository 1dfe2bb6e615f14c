"""Only completely checked snapshots are clean; record_snapshot is safe under races (real SQLite and Postgres)."""

import threading
from datetime import datetime, timedelta, timezone

from dq_monitor.core.outcome import CheckOutcome, Finding, Severity
from dq_monitor.store import Store, clean

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
EXPECTED = clean.ExpectedChecks(always=("orders_snapshot_is_readable", "orders_schema_matches_contract",
                                        "orders_schema_unchanged"),
                                unless_blocked=("orders_has_no_dataset_drift",),
                                blocking=("orders_schema_matches_contract",))


def _store(url: str) -> Store:
    store = Store(url)
    store.upgrade()
    return store


def _ingest(store: Store, sid: str, day: int, columns=None) -> None:
    store.record_snapshot("orders", sid, source_path=f"/x/{sid}", snapshot_time=T0 + timedelta(days=day),
                          row_count=100, bytes=1, columns=columns or {"a": {"type": "int"}}, expected_checks=EXPECTED)
    store.record_metrics("orders", sid, {"row_count": 100.0 + day}, T0 + timedelta(days=day))


def _evaluate(store: Store, sid: str, checks, failing: str | None = None) -> None:
    for check in checks:
        findings = (Finding("orders", sid, check, Severity.ERROR, "bad", {}, key="k"),) if check == failing else ()
        store.record_outcome("orders", sid, CheckOutcome(check, not findings, Severity.ERROR, "m", {}, findings),
                             check_type="schema")


def test_a_snapshot_whose_checks_did_not_all_run_is_never_baseline_reference_or_history(database_url: str) -> None:
    store = _store(database_url)
    _ingest(store, "s1", 0)
    _evaluate(store, "s1", EXPECTED.always + EXPECTED.unless_blocked)
    _ingest(store, "s2", 1, columns={"a": {"type": "int"}, "b": {"type": "str"}})
    _evaluate(store, "s2", EXPECTED.always[:1])  # the run was killed after the readability check
    _ingest(store, "s3", 2)

    assert [s.snapshot for s in store.unchecked_snapshots("orders")] == ["s2", "s3"]
    assert store.baseline_snapshot("orders", "s3", T0 + timedelta(days=2)).snapshot == "s1"
    for policy in (clean.BASELINE, clean.DRIFT_REFERENCE, clean.ANOMALY_TRAINING, clean.SUGGESTION):
        assert [s.snapshot for s in store.clean_snapshots("orders", disqualifying=policy)] == ["s1"]
    assert [s for _, s, _ in store.metric_series("orders", "row_count", keep="s3")] == ["s1", "s3"]
    assert store.disqualified_snapshots("orders", clean.SUGGESTION) == {"s2", "s3"}  # suggest-expectations

    _evaluate(store, "s2", EXPECTED.always + EXPECTED.unless_blocked)  # the next run redid it
    assert store.get_snapshot("orders", "s2").checked_at is not None
    assert store.baseline_snapshot("orders", "s3", T0 + timedelta(days=2)).snapshot == "s2"
    assert [s for _, s, _ in store.metric_series("orders", "row_count")] == ["s1", "s2"]
    store.dispose()


def test_a_failed_blocking_check_completes_a_snapshot_without_the_checks_it_skips(database_url: str) -> None:
    store = _store(database_url)
    _ingest(store, "s1", 0)
    _evaluate(store, "s1", EXPECTED.always, failing="orders_schema_matches_contract")
    assert store.get_snapshot("orders", "s1").checked_at is not None
    assert store.clean_snapshots("orders", disqualifying=clean.BASELINE) == []  # checked, but not clean
    _ingest(store, "s2", 1)
    _evaluate(store, "s2", EXPECTED.always)  # contract passed: drift must still run
    assert store.get_snapshot("orders", "s2").checked_at is None
    store.dispose()


def test_re_ingesting_a_checked_snapshot_keeps_it_checked(database_url: str) -> None:
    store = _store(database_url)
    _ingest(store, "s1", 0)
    _evaluate(store, "s1", EXPECTED.always + EXPECTED.unless_blocked)
    checked = store.get_snapshot("orders", "s1").checked_at
    _ingest(store, "s1", 0)
    assert store.get_snapshot("orders", "s1").checked_at == checked
    store.dispose()


def test_concurrent_record_snapshot_of_one_snapshot_never_fails_or_duplicates(database_url: str) -> None:
    stores = [_store(database_url) for _ in range(4)]
    errors: list[BaseException] = []
    for round_ in range(5):
        barrier = threading.Barrier(len(stores))

        def ingest(store: Store, sid: str = f"race{round_}") -> None:
            try:
                barrier.wait()
                _ingest(store, sid, round_)
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=ingest, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sorted(s.snapshot for s in stores[0].snapshots("orders")) == [f"race{i}" for i in range(5)]
    for s in stores:
        s.dispose()
