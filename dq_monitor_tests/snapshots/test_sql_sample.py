"""One sample per bucket: `sample_rows` when the dataset has row-level features (reused for the estimates),
`profile_sample_rows` when it has none; estimates exact when the bucket fits (Postgres, SQLite, DuckDB)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from dq_monitor.config import load_config
from dq_monitor.config.errors import ConfigError
from dq_monitor.snapshots.spec import SqlSource
from dq_monitor.snapshots.sql_discover import sql_ref
from dq_monitor.snapshots.sql_read import has_row_level_features, read_sql_snapshots
from dq_monitor_tests.snapshots.sql_tables import StatementLog, bike, bike_hours
from dq_monitor_tests.support.helpers import write_config

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "config-reference.md"
DAYS = ["2011-01-05", "2011-01-06", "2011-01-07"]  # 23, 23 and 24 rows


def test_profile_sample_rows_defaults_to_postgres_analyze_size_is_validated_and_documented(tmp_path: Path) -> None:
    assert SqlSource(url_env="U", table="t").profile_sample_rows == 30_000  # 300 x default_statistics_target
    with pytest.raises(ValidationError, match="profile_sample_rows"):
        SqlSource(url_env="U", table="t", profile_sample_rows=0)
    source = {"kind": "sql", "url_env": "U", "table": "t", "profile_sample_rows": "many"}
    with pytest.raises(ConfigError, match="profile_sample_rows"):
        load_config(write_config(tmp_path, [{"name": "orders", "source": source}]))
    source["profile_sample_rows"] = 7
    plain, featured = load_config(write_config(tmp_path, [
        {"name": "orders", "source": source},
        {"name": "events", "source": source, "expectations": {"suite": "s.json"}}])).datasets
    assert not has_row_level_features(plain) and has_row_level_features(featured)
    (row,) = [line for line in REFERENCE.read_text().splitlines() if line.startswith("| `profile_sample_rows`")]
    assert "`30000`" in row and "ANALYZE" in row


def test_one_sample_per_bucket_sized_by_whether_the_dataset_has_row_level_features(
        bike_url: str, statements: StatementLog) -> None:
    plain = bike(sample_rows=5, profile_sample_rows=7)
    assert not has_row_level_features(plain)
    featured = bike(sample_rows=5, profile_sample_rows=7)
    featured.drift = {"reference": "previous"}
    assert has_row_level_features(featured)
    for ds, size in ((plain, 7), (featured, 5)):
        statements.statements.clear()
        reads = list(read_sql_snapshots(ds, [sql_ref("bike", ds.source, d) for d in DAYS]))
        assert [len(r.frame) for r in reads] == [size] * len(DAYS) and all(r.sampled for r in reads)
        assert len(statements.samples("hour")) == len(DAYS)  # never two samples of one bucket
        for r in reads:  # the quantiles (all dialects but DuckDB) came from that one sample
            if not bike_url.startswith("duckdb"):
                assert r.metrics["p50:cnt"] == pytest.approx(float(np.percentile(r.frame["cnt"], 50)))


def test_a_bucket_that_fits_is_read_whole_once_and_every_estimate_is_exact(
        bike_url: str, statements: StatementLog) -> None:
    hours = bike_hours().assign(weather=lambda f: f["weathersit"].astype(str))
    query = "SELECT instant, ts, cnt, temp, hum, CAST(weathersit AS TEXT) AS weather FROM hour"
    ds = bike(table=None, query=query, sample_rows=5)  # no row-level features: profile_sample_rows holds a day
    statements.statements.clear()
    reads = list(read_sql_snapshots(ds, [sql_ref("bike", ds.source, d) for d in DAYS]))
    assert len(statements.samples("hour")) == len(DAYS)
    for day, r in zip(DAYS, reads):
        frame = hours[hours["ts"].dt.strftime("%Y-%m-%d") == day]
        assert not r.sampled and len(r.frame) == r.row_count == len(frame) and r.sample_method.startswith("all ")
        expected = {f"distinct_count:{c}": float(frame[c].nunique()) for c in ("instant", "cnt", "temp", "weather")}
        expected.update({f"{m}:{c}": float(np.percentile(frame[c], q)) for c in ("cnt", "temp", "hum")
                         for m, q in (("p05", 5), ("p50", 50), ("p95", 95))})
        expected["top_share:weather"] = float(frame["weather"].value_counts().max() / len(frame))
        assert {k: r.metrics[k] for k in expected} == pytest.approx(expected)
        assert not any("estimated" in n for n in r.notes)
