"""Accuracy of the sample-based Postgres metrics of `bench/sql_pushdown.py`: one bucket, estimate vs exact.

Exact values come from `count(DISTINCT)`, `percentile_cont` and a `GROUP BY` per category column on the
bucket; a quantile estimate is judged by its rank error: 0 when the quantile's fraction q lies between the
shares of the bucket's values below and at-or-below the estimate (ties make that an interval), else the
distance from q to that interval, in percentage points.
"""

from __future__ import annotations

import math

import sqlalchemy as sa

QUANTILES = (("p05", 0.05), ("p50", 0.5), ("p95", 0.95))


def _exact(conn: sa.Connection, table: str, where: str, numeric: list[str], categories: list[str],
           distinct: list[str]) -> dict[str, float]:
    parts = ["count(*) AS rows"] + [f'count(DISTINCT "{c}") AS "d_{c}"' for c in distinct]
    parts += [f'percentile_cont(ARRAY[0.05, 0.5, 0.95]) WITHIN GROUP (ORDER BY "{c}") AS "q_{c}"' for c in numeric]
    parts += [f'(SELECT max(n) FROM (SELECT count(*) AS n FROM {table} WHERE {where} AND "{c}" IS NOT NULL '
              f'GROUP BY "{c}") s)::float / nullif(count("{c}"), 0) AS "t_{c}"' for c in categories]
    row = conn.execute(sa.text(f"SELECT {', '.join(parts)} FROM {table} WHERE {where}")).one()._mapping
    out = {f"distinct_count:{c}": float(row[f"d_{c}"]) for c in distinct}
    for c in numeric:
        out.update({f"{m}:{c}": float(v) for (m, _), v in zip(QUANTILES, row[f"q_{c}"])})
    out.update({f"top_share:{c}": float(row[f"t_{c}"]) for c in categories})
    return out


def _ranks(conn: sa.Connection, table: str, where: str, estimates: dict[str, float], numeric: list[str]) -> dict[str, float]:
    parts = []
    for c in numeric:
        for m, _ in QUANTILES:
            est = estimates[f"{m}:{c}"]
            parts += [f'count(*) FILTER (WHERE "{c}" {op} {est!r})::float / nullif(count("{c}"), 0) AS "{m}_{c}_{k}"'
                      for op, k in (("<", "lo"), ("<=", "hi"))]
    row = conn.execute(sa.text(f"SELECT {', '.join(parts)} FROM {table} WHERE {where}")).one()._mapping
    out = {}
    for c in numeric:
        for m, q in QUANTILES:
            lo, hi = float(row[f"{m}_{c}_lo"]), float(row[f"{m}_{c}_hi"])
            out[f"{m}:{c}"] = lo - q if q < lo else hi - q if q > hi else 0.0
    return out


def accuracy_table(url: str, table: str, where: str, estimates: dict[str, float], numeric: list[str],
                   categories: list[str], distinct: list[str]) -> str:
    """A markdown table: per column the exact and estimated distinct count, the worst quantile rank error
    and the exact and estimated top share; then the worst error of each kind."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            exact = _exact(conn, table, where, numeric, categories, distinct)
            ranks = _ranks(conn, table, where, estimates, numeric)
    finally:
        engine.dispose()
    lines = ["| column | distinct exact | distinct est | err % | worst quantile rank err (pts) | top share exact | est |",
             "|---|---|---|---|---|---|---|"]
    worst = {"distinct": 0.0, "rank": 0.0, "top": 0.0}
    for c in distinct:
        d, e = exact[f"distinct_count:{c}"], estimates[f"distinct_count:{c}"]
        err = 100 * (e - d) / d
        worst["distinct"] = max(worst["distinct"], abs(err))
        rank = "—"
        if c in numeric:
            errs = [100 * ranks[f"{m}:{c}"] for m, _ in QUANTILES]
            rank_err = max(errs, key=abs)
            worst["rank"] = max(worst["rank"], abs(rank_err))
            rank = f"{rank_err:+.2f}"
        top = est = "—"
        if c in categories:
            t, s = exact[f"top_share:{c}"], estimates[f"top_share:{c}"]
            worst["top"] = max(worst["top"], abs(s - t))
            top, est = f"{t:.4f}", f"{s:.4f}"
        lines.append(f"| {c} | {d:,.0f} | {e:,.0f} | {err:+.1f} | {rank} | {top} | {est} |")
    lines.append(f"\nworst: distinct {worst['distinct']:.1f} %, quantile rank {worst['rank']:.2f} points, "
                 f"top share {worst['top']:.4f} absolute")
    return "\n".join(lines) if all(math.isfinite(v) for v in worst.values()) else "\n".join(lines) + " (NaN seen)"
