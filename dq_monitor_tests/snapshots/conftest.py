"""Fixtures of the SQL-source tests (real Postgres, SQLite and DuckDB tables of the bike-sharing hours)."""

from dq_monitor_tests.snapshots.sql_tables import bike_postgres, bike_url, statements  # noqa: F401 (fixtures)
