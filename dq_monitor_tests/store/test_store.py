"""The findings store on real SQLite and real Postgres."""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from dq_monitor.core.outcome import CheckOutcome, Finding, Severity
from dq_monitor.store import Store, migrate

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def migrated_store(url: str) -> Store:
    """Tables come from the alembic migrations, as in production (opening a Store never migrates)."""
    store = Store(url)
    store.upgrade()
    return store


def outcome(check: str, *keys: str, severity: Severity = Severity.ERROR, metrics=None) -> CheckOutcome:
    findings = tuple(Finding("orders", "s1", check, severity, f"problem {k}", {"k": k}, key=k) for k in keys)
    return CheckOutcome(check, not findings, severity, "msg", {"observed": 1}, findings, metrics or {})


def test_rerunning_a_check_updates_findings_instead_of_duplicating(database_url: str) -> None:
    store = migrated_store(database_url)
    store.record_outcome("orders", "s1", outcome("c", "a", "b"), check_type="schema")
    store.record_outcome("orders", "s1", outcome("c", "a", "b"), check_type="schema")
    assert len(store.findings()) == 2
    assert len(store.evaluations()) == 1
    # The next run no longer sees "b": it resolves, "a" stays open.
    store.record_outcome("orders", "s1", outcome("c", "a"), check_type="schema")
    by_key = {f.key: f for f in store.findings()}
    assert by_key["a"].status == "open" and by_key["b"].status == "resolved"
    assert by_key["b"].resolved_at is not None and by_key["b"].alert_state == "pending"
    store.dispose()


def test_metrics_are_upserted_per_snapshot_and_returned_in_time_order(database_url: str) -> None:
    store = migrated_store(database_url)
    store.record_metrics("orders", "s2", {"row_count": 10}, T0 + timedelta(days=1))
    store.record_metrics("orders", "s1", {"row_count": 5, "bad": float("nan")}, T0)
    store.record_metrics("orders", "s1", {"row_count": 6}, T0)
    series = store.metric_series("orders", "row_count")
    assert [(s, v) for _, s, v in series] == [("s1", 6.0), ("s2", 10.0)]
    assert series[0][0] == T0  # timezone-aware on both backends
    assert store.metrics_for_snapshot("orders", "s1")["bad"] is None
    store.dispose()


def test_the_baseline_skips_snapshots_with_open_schema_or_volume_findings(database_url: str) -> None:
    store = migrated_store(database_url)
    for i, sid in enumerate(["s1", "s2", "s3"]):
        store.record_snapshot("orders", sid, source_path=f"/x/{sid}", snapshot_time=T0 + timedelta(days=i),
                              row_count=100 * (i + 1), bytes=1, columns={"a": {"type": "int"}})
        store.record_outcome("orders", sid, outcome("orders_row_count_in_bounds"), check_type="volume")  # checked
    store.record_outcome("orders", "s2", outcome("orders_row_count_in_bounds", "bounds"), check_type="volume")
    base = store.baseline_snapshot("orders", "s3", T0 + timedelta(days=2))
    assert base is not None and base.snapshot == "s1"
    assert store.baseline_snapshot("orders", "s1", T0) is None
    store.dispose()


def test_expected_marks_round_trip(database_url: str) -> None:
    store = migrated_store(database_url)
    store.mark_expected("orders", "s1", check="orders_row_count_is_normal", reason="holiday", marked_by="alice")
    store.mark_expected("orders", "s1", check="orders_row_count_is_normal", reason="public holiday", marked_by="bob")
    marks = store.expected_marks("orders", "orders_row_count_is_normal")
    assert len(marks) == 1 and marks[0].reason == "public holiday" and marks[0].marked_by == "bob"
    store.dispose()


def test_migrations_go_down_and_up_and_match_the_models(database_url: str) -> None:
    store = migrated_store(database_url)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    assert migrate.pending_model_changes(store.engine) == []
    migrate.downgrade(store.engine, "base")
    assert set(sa.inspect(store.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(store.engine)
    assert {"findings", "metrics", "snapshots", "check_evaluations", "expected_marks"} <= set(
        sa.inspect(store.engine).get_table_names())
    store.dispose()


def test_a_model_change_without_a_migration_is_detected(sqlite_url: str) -> None:
    store = migrated_store(sqlite_url)
    with store.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE findings ADD COLUMN surprise INTEGER"))
    diff = migrate.pending_model_changes(store.engine)
    assert any("surprise" in str(d) for d in diff)
    store.dispose()


def test_the_store_never_shows_a_password_in_its_repr() -> None:
    store = Store.__new__(Store)
    store.engine = sa.create_engine("postgresql+psycopg2://u:s3cret@localhost/db")
    assert "s3cret" not in repr(store)
