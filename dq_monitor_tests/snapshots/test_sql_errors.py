"""SQL sources: bad input is a clear, masked error; aggregate metrics never read the table's rows."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from dq_monitor.config import load_config
from dq_monitor.config.errors import ConfigError
from dq_monitor.snapshots.sql import (
    SqlSourceError,
    bucket_from_id,
    in_bucket,
    open_relation,
    partition_column,
)
from dq_monitor.snapshots.sql_discover import discover_sql, sql_ref
from dq_monitor.snapshots.sql_profile import profile_in_database
from dq_monitor.snapshots.sql_query import validate_select
from dq_monitor.snapshots.sql_read import read_sql_snapshot
from dq_monitor_tests.snapshots.sql_tables import (
    StatementLog,
    bike,
)
from dq_monitor_tests.support.helpers import orders_dataset, write_config


def test_aggregate_metrics_come_from_one_aggregate_query_and_no_statement_reads_unbounded_rows(
        bike_url: str, statements: StatementLog) -> None:
    ds = bike(profile_sample_rows=5)  # smaller than the bucket: the seeded, ordered sample path
    with open_relation("bike", ds.source) as rel:
        where = in_bucket(rel, partition_column(rel, "ts"), bucket_from_id("2011-01-05", "day"))
        statements.statements.clear()
        prof = profile_in_database(rel, where, timestamp_column="ts")
    assert prof.row_count > 0
    (aggregate,) = statements.statements
    assert aggregate.startswith("SELECT count(*) AS dq_rows") and "LIMIT" not in aggregate
    statements.statements.clear()
    discover_sql(ds)
    read_sql_snapshot(ds, sql_ref("bike", ds.source, "2011-01-05"))
    for statement in statements.reading("hour"):  # reflection queries read catalogues, not the table
        top = statement.split(" FROM ", 1)[0]
        bounded = re.search(r"LIMIT (\d+|%\(param_\d+\)s|\?|\$\d+)", statement)
        assert "count(" in top or bounded, f"unbounded read of rows: {statement[:200]}"
    assert sum("LIMIT" in s for s in statements.reading("hour")) == 1  # the one sample read


def _masked(message: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in message


@pytest.mark.parametrize("url", [
    "postgresql+psycopg2://reader:s3cr3t-pw@127.0.0.1:1/warehouse",  # nothing listens on port 1
    "sqlite:///{tmp}/no_such_folder/warehouse.db",
    "duckdb:///{tmp}/no_such_folder/warehouse.duckdb",
], ids=["postgres", "sqlite", "duckdb"])
def test_an_unreachable_database_names_dataset_and_table_and_masks_the_password(
        url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIKE_DB_URL", url.format(tmp=tmp_path))
    with pytest.raises(SqlSourceError) as err:
        discover_sql(bike())
    message = str(err.value)
    assert "dataset 'bike'" in message and "table hour" in message and "cannot connect" in message
    _masked(message, "s3cr3t-pw")


def test_a_missing_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIKE_DB_URL", raising=False)
    with pytest.raises(SqlSourceError, match="environment variable BIKE_DB_URL"):
        discover_sql(bike())


def test_a_missing_table_is_named(bike_url: str) -> None:
    with pytest.raises(SqlSourceError) as err:
        discover_sql(bike(table="no_such_table"))
    assert "dataset 'bike'" in str(err.value) and "no_such_table" in str(err.value)
    assert "does not exist" in str(err.value)


def test_a_partition_column_of_the_wrong_type_is_named(bike_url: str) -> None:
    with pytest.raises(SqlSourceError) as err:
        discover_sql(bike(partition_by={"column": "cnt", "grain": "day"}))
    assert "partition column 'cnt'" in str(err.value) and "expected a date or timestamp" in str(err.value)


def test_permission_denied_is_named_and_the_password_masked(postgres_url: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    role = f"dqm_reader_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE TABLE secret_orders (id int, ts timestamp)"))
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN PASSWORD 'hunter2-pw'"))
    try:
        host_db = postgres_url.split("@", 1)[1]
        monkeypatch.setenv("BIKE_DB_URL", f"postgresql+psycopg2://{role}:hunter2-pw@{host_db}")
        with pytest.raises(SqlSourceError) as err:
            discover_sql(bike(table="secret_orders"))
        message = str(err.value)
        assert "dataset 'bike'" in message and "table secret_orders" in message and "permission denied" in message
        _masked(message, "hunter2-pw")
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP OWNED BY {role}"))
            conn.execute(sa.text(f"DROP ROLE {role}"))
        admin.dispose()


@pytest.mark.parametrize("query, problem", [
    ("DELETE FROM orders", "not a DELETE statement"),
    ("SELECT 1; DROP TABLE orders", "more than one statement"),
    ("WITH x AS (DELETE FROM orders RETURNING *) SELECT * FROM x", "DELETE is not allowed"),
    ("SELECT * INTO copy FROM orders", "INTO is not allowed"),
    ("", "empty"),
])
def test_a_query_that_is_not_one_read_only_select_is_refused(query: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        validate_select(query)


def test_a_read_only_select_with_keywords_inside_literals_is_accepted() -> None:
    query = "SELECT id, 'drop table' AS note, \"update\" FROM orders -- delete nothing\n;"
    assert validate_select(query) == query.strip().rstrip(";").strip()


def test_a_non_select_query_is_a_config_error_naming_the_dataset(tmp_path: Path) -> None:
    ds = orders_dataset(source={"kind": "sql", "url_env": "ORDERS_DB_URL", "query": "UPDATE orders SET x = 1"})
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path, [ds]))
    assert "orders" in str(err.value) and "read-only SELECT" in str(err.value)


def test_a_query_source_is_profiled_like_a_table(bike_url: str) -> None:
    ds = bike(table=None, query="SELECT instant, ts, cnt FROM hour WHERE cnt > 100")
    snapshots = discover_sql(ds)
    day = next(s for s in snapshots if s.row_count)
    got = read_sql_snapshot(ds, day.ref)
    assert set(got.columns) == {"instant", "ts", "cnt"} and got.metrics["min:cnt"] > 100
