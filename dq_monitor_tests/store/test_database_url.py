"""Which store each command uses (issue 11 defects 1-3), read commands that never migrate, readable errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dq_monitor.cli import main
from dq_monitor.store import Store
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset, write_config

UNREACHABLE = "postgresql+psycopg2://dq:s3cret@127.0.0.1:1/nowhere"


def _orders_project(tmp_path: Path, **extra) -> Path:
    folder = tmp_path / "data/orders"
    folder.mkdir(parents=True)
    (folder / "orders_2026-01-01.csv").write_text(orders_csv(1))
    (folder / "orders_2026-01-02.csv").write_text(orders_csv(2, rows=10))  # below min_rows: an ERROR finding
    return write_config(tmp_path, [orders_dataset()], **extra)


def _error_checks(url: str) -> set[str]:
    store = Store(url)
    try:
        return {f.check for f in store.findings(status="open", severities=["ERROR"])}
    finally:
        store.dispose()


def test_check_writes_to_the_database_named_by_the_environment_variable(
        tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _orders_project(tmp_path)
    monkeypatch.setenv("DQ_MONITOR_DATABASE_URL", database_url)
    assert main(["check", "--config", str(config), "--all"]) == 1
    assert "orders_row_count_in_bounds" in _error_checks(database_url)
    assert not (tmp_path / ".dq_monitor/findings.db").exists()  # nothing went to the default SQLite file


@pytest.mark.parametrize("form", ["literal", "env reference"])
def test_storage_database_url_in_the_yaml_is_honoured(tmp_path: Path, sqlite_url: str, form: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if form == "env reference":
        monkeypatch.setenv("ORDERS_STORE_URL", sqlite_url)
    configured = sqlite_url if form == "literal" else "${ORDERS_STORE_URL}"
    config = _orders_project(tmp_path, storage={"database_url": configured})
    assert main(["check", "--config", str(config), "--all"]) == 1
    assert "orders_row_count_in_bounds" in _error_checks(sqlite_url)
    assert not (tmp_path / ".dq_monitor/findings.db").exists()


def test_findings_from_another_folder_reads_the_store_check_wrote(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    config = _orders_project(tmp_path / "project")
    assert main(["check", "--config", str(config), "--all"]) == 1
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("DQ_MONITOR_CONFIG", str(config))
    capsys.readouterr()
    assert main(["findings", "--format", "json", "--status", "open"]) == 0
    out = capsys.readouterr()
    assert "orders_row_count_in_bounds" in {f["check"] for f in json.loads(out.out)}
    assert str(tmp_path / "project/.dq_monitor/findings.db") in out.err  # says which store it read
    assert not (elsewhere / ".dq_monitor").exists()


def test_findings_on_a_store_that_does_not_exist_says_so_and_creates_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["findings"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "no findings" and "empty" in out.err and "Traceback" not in out.err
    assert not (tmp_path / ".dq_monitor").exists()


def test_read_commands_never_migrate_an_empty_database(
        database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "current", "--database-url", database_url]) == 0
    assert capsys.readouterr().out.strip() == "empty"
    assert main(["findings", "--database-url", database_url]) == 0
    assert "empty" in capsys.readouterr().err
    assert main(["db", "current", "--database-url", database_url]) == 0
    assert capsys.readouterr().out.strip() == "empty"  # still empty: nothing migrated it
    assert main(["db", "upgrade", "--database-url", database_url]) == 0
    capsys.readouterr()
    assert main(["db", "current", "--database-url", database_url]) == 0
    assert capsys.readouterr().out.strip() not in ("", "empty")


@pytest.mark.parametrize("command", [["findings"], ["db", "upgrade"], ["db", "current"]])
def test_an_unreachable_database_is_one_readable_line_without_the_password(
        command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--database-url", UNREACHABLE]) == 2
    out = capsys.readouterr()
    errors = [line for line in out.err.splitlines() if line.startswith("dq-monitor: error:")]
    assert len(errors) == 1 and "127.0.0.1" in errors[0]
    assert "s3cret" not in out.err + out.out and "Traceback" not in out.err


def test_alerts_flush_on_an_unreachable_database_exits_2_without_the_password(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _orders_project(tmp_path, alerts={"receivers": {"ops": {"slack_webhook": {"url_env": "NOPE"}}},
                                               "route": {"receiver": "ops"}})
    code = main(["alerts", "flush", "--config", str(config), "--database-url", UNREACHABLE])
    out = capsys.readouterr()
    assert code == 2 and "127.0.0.1" in out.err and "s3cret" not in out.err + out.out


@pytest.mark.parametrize(("url", "says"), [
    ("notaurl", "storage.database_url is not a database URL"),
    ("mysql://dq:s3cret@127.0.0.1:1/nowhere", "its driver is not installed"),
])
def test_a_bad_storage_database_url_names_the_field_or_the_missing_driver(
        tmp_path: Path, url: str, says: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = _orders_project(tmp_path, storage={"database_url": url})
    assert main(["check", "--config", str(config), "--all"]) == 2
    out = capsys.readouterr()
    errors = [line for line in out.err.splitlines() if line.startswith("dq-monitor: error:")]
    assert len(errors) == 1 and says in errors[0], out.err
    assert "s3cret" not in out.err + out.out and "Traceback" not in out.err


@pytest.mark.postgres
def test_a_postgresql_url_without_a_driver_uses_the_shipped_psycopg2(
        tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLAlchemy 2.1 reads postgresql:// as psycopg 3, which dq_monitor does not ship; the URL users write works.
    plain = postgres_url.replace("postgresql+psycopg2://", "postgresql://", 1)
    assert plain.startswith("postgresql://")
    monkeypatch.setenv("DQ_MONITOR_DATABASE_URL", plain)
    assert main(["check", "--config", str(_orders_project(tmp_path)), "--all"]) == 1
    assert "orders_row_count_in_bounds" in _error_checks(postgres_url)
