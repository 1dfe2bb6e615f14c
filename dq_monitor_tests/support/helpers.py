"""Small builders for test datasets on disk."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import yaml


def write_config(tmp_path: Path, datasets: list[dict], **extra) -> Path:
    path = tmp_path / "dq_monitor.yaml"
    path.write_text(yaml.safe_dump({"datasets": datasets, **extra}, sort_keys=False))
    return path


def orders_csv(day: int, rows: int = 100, *, ts_day: int | None = None) -> str:
    ts_day = day if ts_day is None else ts_day
    lines = ["id,ts,amount,country"]
    lines += [f"{i},2026-01-{ts_day:02d}T00:{i % 60:02d}:00,{10 + i * 0.5},{'DE' if i % 2 else 'FR'}" for i in range(rows)]
    return "\n".join(lines) + "\n"


def orders_dataset(path: str = "data/orders", **overrides) -> dict:
    ds = {
        "name": "orders",
        "source": {"kind": "files", "path": path, "pattern": "*.csv", "format": "csv"},
        "primary_key": ["id"],
        "timestamp_column": "ts",
        "schedule": "0 6 * * *",
        "owners": ["orders-team@example.com", "@alice"],
        "schema": {"columns": {"id": {"type": "int", "nullable": False}, "ts": "datetime", "amount": "float",
                               "country": "string"}},
        "volume": {"min_rows": 50, "max_rows": 1000, "max_change_pct": 50},
        "freshness": {"max_age": "6h"},
    }
    ds.update(overrides)
    return ds


def store_text(url: str) -> str:
    """Every row of every table of the database at `url`, as text (to search for secrets)."""
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return "\n".join(str(row) for table in meta.sorted_tables for row in conn.execute(table.select()))
    finally:
        engine.dispose()
