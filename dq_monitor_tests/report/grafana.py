"""The Grafana dashboard's SQL as Grafana would send it: macros and variables substituted."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from dq_monitor_tests.support.paths import REPO_ROOT

GRAFANA_DIR = REPO_ROOT / "docker" / "grafana"
DASHBOARD = GRAFANA_DIR / "dashboards" / "dq_monitor.json"


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def panel_sql(title_part: str) -> str:
    """The rawSql of the one panel whose title contains `title_part`."""
    found = [t["rawSql"] for p in dashboard()["panels"] if title_part in p["title"] for t in p["targets"]]
    assert len(found) == 1, (title_part, len(found))
    return found[0]


def sqlstring(values: list[str]) -> str:
    """Grafana's `${var:sqlstring}`: each value single-quoted with quotes doubled, comma-separated."""
    return ",".join("'" + v.replace("'", "''") + "'" for v in values)


def interpolate(sql: str, variables: dict[str, list[str]], time_from: datetime, time_to: datetime) -> str:
    """`$__timeFilter(col)` as Grafana's Postgres macro (col BETWEEN from AND to) and `${var:sqlstring}`.

    Any other `$` left in the SQL is an error: a macro this test does not know would reach Postgres unchanged.
    """
    def time_filter(m: re.Match) -> str:
        return f"{m[1]} BETWEEN '{time_from.isoformat()}' AND '{time_to.isoformat()}'"

    sql = re.sub(r"\$__timeFilter\(([^)]+)\)", time_filter, sql)
    sql = re.sub(r"\$\{(\w+):sqlstring\}", lambda m: sqlstring(variables[m[1]]), sql)
    assert "$" not in sql, sql
    return sql
