"""Metrics a dialect cannot compute cheaply in the database, taken from the bucket's seeded sample.

Every value here is exact when the sample holds the whole bucket (bucket rows <= the sample size, `sample_rows`
or `profile_sample_rows`), and an estimate otherwise:
- quantiles p05/p50/p95: `numpy.percentile` of the sampled values (linear interpolation, as `percentile_cont`);
- distinct counts: Haas & Stokes' Duj1 estimator `n*d / (n - f1 + f1*n/N)` -- the one PostgreSQL's own
  ANALYZE uses for `pg_stats.n_distinct` -- where `d` distinct values were seen among `n` sampled non-null
  values, `f1` of them exactly once, and `N` is the bucket's exact non-null count (from the aggregate query).
  It gives `N` for a column whose sampled values are all different (ids, continuous measurements) and `d`
  for one whose sampled values all repeat (categories); clipped to [d, N];
- top-category share: the most frequent value's share of the sampled non-null values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from dq_monitor.history.keys import metric_key

QUANTILES = (("p05", 0.05), ("p50", 0.5), ("p95", 0.95))
NAN = float("nan")


def quantiles_from(sample: pd.DataFrame, columns: Iterable[str]) -> dict[str, float]:
    """p05/p50/p95 of numeric columns from the sample."""
    out: dict[str, float] = {}
    for name in columns:
        values = pd.to_numeric(sample[name], errors="coerce").to_numpy(dtype=float) if name in sample else np.array([])
        values = values[np.isfinite(values)]
        stats = np.percentile(values, [q * 100 for _, q in QUANTILES]) if len(values) else [NAN] * len(QUANTILES)
        out.update({metric_key(m, name): float(v) for (m, _), v in zip(QUANTILES, stats)})
    return out


def duj1(counts: pd.Series, total_non_null: int) -> float:
    """Distinct values among `total_non_null` from the value counts of a uniform sample of them (Duj1)."""
    n, d = int(counts.sum()), len(counts)
    if n == 0:
        return 0.0 if total_non_null == 0 else NAN
    if n >= total_non_null:
        return float(d)
    f1 = int((counts == 1).sum())
    estimate = n * d / (n - f1 + f1 * n / total_non_null)
    return float(min(max(estimate, d), total_non_null))


def distinct_and_top_from(sample: pd.DataFrame, non_null: Mapping[str, int],
                          top_columns: Iterable[str]) -> dict[str, float]:
    """distinct_count of every column in `non_null` (bucket's exact non-null counts), top_share of `top_columns`."""
    out: dict[str, float] = {}
    tops = set(top_columns)
    for name, total in non_null.items():
        column = sample[name] if name in sample else pd.Series([], dtype=object)
        try:
            counts = column.value_counts(dropna=True, sort=False)
        except TypeError:  # unhashable cells
            counts = column.dropna().astype(str).value_counts(sort=False)
        out[metric_key("distinct_count", name)] = duj1(counts, total)
        if name in tops:
            seen = int(counts.sum())
            out[metric_key("top_share", name)] = float(counts.max() / seen) if seen else NAN
    return out
