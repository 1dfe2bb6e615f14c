"""Evidently 0.7's drift statistics, computed once per column with numpy/scipy.

Each implementation reproduces the formula of the matching function in
`evidently.legacy.calculations.stattests` (same binning, same zero filling,
same scipy call, same comparison with the threshold), but works on data that
was prepared once per column: sorted finite values for numeric columns and
aligned category counts for categorical ones. Methods without a fast twin here
are computed by Evidently's own registered function (imported lazily), so every
Evidently method name can be configured and gives Evidently's exact result.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance


@dataclass(frozen=True)
class StatTestInfo:
    """What Evidently registers for a method: display name, column types, default threshold."""

    name: str
    display_name: str
    types: tuple[str, ...]  # Evidently ColumnType values: "num", "cat", "text"
    default_threshold: float
    kind: str  # "p_value" (drift when small) or "distance" (drift when large)


# Copied from the StatTest(...) declarations of evidently 0.7 (legacy/calculations/stattests).
STATTESTS: dict[str, StatTestInfo] = {
    t.name: t
    for t in (
        StatTestInfo("ks", "K-S p_value", ("num",), 0.05, "p_value"),
        StatTestInfo("chisquare", "chi-square p_value", ("cat",), 0.05, "p_value"),
        StatTestInfo("z", "Z-test p_value", ("cat",), 0.05, "p_value"),
        StatTestInfo("wasserstein", "Wasserstein distance (normed)", ("num",), 0.1, "distance"),
        StatTestInfo("jensenshannon", "Jensen-Shannon distance", ("cat", "num"), 0.1, "distance"),
        StatTestInfo("psi", "PSI", ("cat", "num"), 0.1, "distance"),
        StatTestInfo("kl_div", "Kullback-Leibler divergence", ("cat", "num"), 0.1, "distance"),
        StatTestInfo("hellinger", "Hellinger distance", ("cat", "num"), 0.1, "distance"),
        StatTestInfo("anderson", "Anderson-Darling", ("num",), 0.1, "p_value"),
        StatTestInfo("cramer_von_mises", "Cramer-von Mises", ("num",), 0.1, "p_value"),
        StatTestInfo("ed", "Energy-distance", ("num",), 0.1, "distance"),
        StatTestInfo("es", "Epps-Singleton", ("num",), 0.05, "p_value"),
        StatTestInfo("fisher_exact", "Fisher's Exact test", ("cat",), 0.1, "p_value"),
        StatTestInfo("g_test", "g_test", ("cat",), 0.1, "p_value"),
        StatTestInfo("mannw", "Mann-Whitney U-rank test", ("num",), 0.05, "p_value"),
        StatTestInfo("empirical_mmd", "empirical_mmd", ("num",), 0.1, "p_value"),
        StatTestInfo("t_test", "t_test", ("num",), 0.05, "p_value"),
        StatTestInfo("TVD", "Total-Variation-Distance", ("cat",), 0.1, "p_value"),
        StatTestInfo("perc_text_content_drift", "Percentile text content drift", ("text",), 0.95, "distance"),
        StatTestInfo("abs_text_content_drift", "Absolute text content drift", ("text",), 0.55, "distance"),
    )
}


@dataclass
class PreparedColumn:
    """One column of both sides after Evidently's cleaning (±inf -> NaN, NaN dropped).

    Numeric columns carry sorted float arrays; every column carries the aligned
    value counts when it has few distinct values (or is categorical). The cleaned
    Series are kept only for methods delegated to Evidently.
    """

    type_key: str  # "num" | "cat" | "text"
    n_ref: int
    n_cur: int
    n_values: int  # distinct values over both sides (Evidently's n_values)
    ref_nunique: int
    ref_sorted: np.ndarray | None = None
    cur_sorted: np.ndarray | None = None
    keys: list | None = None
    ref_counts: np.ndarray | None = None
    cur_counts: np.ndarray | None = None
    ref_series: pd.Series | None = None
    cur_series: pd.Series | None = None


def default_method(col: PreparedColumn) -> str:
    """Evidently's `_get_default_stattest` (legacy/calculations/stattests/registry.py)."""
    if col.type_key == "text":
        return "abs_text_content_drift" if col.n_ref > 1000 else "perc_text_content_drift"
    if col.n_ref <= 1000:
        if col.type_key == "num" and col.n_values > 5:
            return "ks"
        return "chisquare" if col.n_values > 2 else "z"
    if col.type_key == "num":
        return "jensenshannon" if col.n_values <= 5 else "wasserstein"
    return "jensenshannon"


# --- the statistics ---------------------------------------------------------------------------


def _ks(col: PreparedColumn, threshold: float) -> tuple[float, bool]:
    p_value = float(stats.ks_2samp(col.ref_sorted, col.cur_sorted)[1])
    return p_value, p_value <= threshold


def _chisquare(col: PreparedColumn, threshold: float) -> tuple[float, bool]:
    k_norm = col.n_cur / col.n_ref
    f_exp = col.ref_counts * k_norm
    with warnings.catch_warnings():
        # A category absent from the reference has expected count 0: statistic inf, p 0 (as in Evidently).
        warnings.simplefilter("ignore", RuntimeWarning)
        p_value = float(stats.chisquare(col.cur_counts, f_exp)[1])
    return p_value, p_value < threshold


def _z(col: PreparedColumn, threshold: float) -> tuple[float, bool]:
    ref_present = col.ref_counts > 0
    cur_present = col.cur_counts > 0
    if ref_present.sum() == 1 and cur_present.sum() == 1 and np.array_equal(ref_present, cur_present):
        return 1.0, 1.0 < threshold
    first = sorted(range(len(col.keys)), key=lambda i: col.keys[i])[0]
    n1, n2 = col.n_ref, col.n_cur
    p1 = float(n1 - col.ref_counts[first]) / n1
    p2 = float(n2 - col.cur_counts[first]) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_stat = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    p_value = float(2 * (1 - stats.norm.cdf(np.abs(z_stat))))
    return p_value, p_value < threshold


def wasserstein_sorted(u: np.ndarray, v: np.ndarray) -> float:
    """First Wasserstein distance of two sorted samples with equal weights.

    Integrates |F_u^-1(t) - F_v^-1(t)| over t in [0, 1]: both quantile functions are
    step functions with breaks at multiples of 1/n and 1/m, so on the common grid of
    breaks (integers in units of 1/(n*m)) the integral is an exact finite sum. Equal to
    scipy.stats.wasserstein_distance up to float rounding, without its three sorts.
    """
    n, m = u.size, v.size
    if n == m:
        return float(np.abs(u - v).mean())
    breaks = np.concatenate([np.arange(n, dtype=np.int64) * m, np.arange(m, dtype=np.int64) * n])
    breaks.sort()
    widths = np.diff(breaks, append=np.int64(n) * m)
    keep = widths > 0
    breaks, widths = breaks[keep], widths[keep]
    gaps = np.abs(u[breaks // m] - v[breaks // n])
    return float(np.dot(widths.astype(np.float64), gaps) / (float(n) * float(m)))


def _wasserstein(col: PreparedColumn, threshold: float) -> tuple[float, bool]:
    norm = max(float(np.std(col.ref_sorted)), 0.001)
    value = wasserstein_sorted(col.ref_sorted, col.cur_sorted) / norm
    return value, value >= threshold


def _binned_percents(col: PreparedColumn, fill_zeroes: bool) -> tuple[np.ndarray, np.ndarray]:
    """Evidently's `get_binned_data`: Sturges histogram over both sides for numeric columns
    with more than 20 reference values, else per-value shares; optional zero filling."""
    if col.type_key == "num" and col.ref_nunique > 20:
        bins = np.histogram_bin_edges(np.concatenate([col.ref_sorted, col.cur_sorted]), bins="sturges")
        ref_p = np.histogram(col.ref_sorted, bins)[0] / col.n_ref
        cur_p = np.histogram(col.cur_sorted, bins)[0] / col.n_cur
    else:
        ref_p = col.ref_counts / col.n_ref
        cur_p = col.cur_counts / col.n_cur
    if fill_zeroes:
        for p in (ref_p, cur_p):
            smallest = p[p != 0].min()
            np.place(p, p == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001)
    return ref_p, cur_p


def _jensenshannon(col: PreparedColumn, threshold: float) -> tuple[float, bool]:
    ref_p, cur_p = _binned_percents(col, fill_zeroes=False)
    value = float(distance.jensenshannon(ref_p, cur_p))
    return value, value >= threshold


def _psi(col: PreparedColumn, threshold: float) -> tuple[float, bool]:
    ref_p, cur_p = _binned_percents(col, fill_zeroes=True)
    value = float(np.sum((ref_p - cur_p) * np.log(ref_p / cur_p)))
    return value, value >= threshold


def _kl_div(col: PreparedColumn, threshold: float) -> tuple[float, bool]:
    ref_p, cur_p = _binned_percents(col, fill_zeroes=True)
    value = float(stats.entropy(ref_p, cur_p))
    return value, value >= threshold


FAST: dict[str, Callable[[PreparedColumn, float], tuple[float, bool]]] = {
    "ks": _ks,
    "chisquare": _chisquare,
    "z": _z,
    "wasserstein": _wasserstein,
    "jensenshannon": _jensenshannon,
    "psi": _psi,
    "kl_div": _kl_div,
}

#: Methods whose fast twin needs the per-value counts (numeric columns get them only when small).
NEEDS_COUNTS = {"chisquare", "z"}
#: Methods using Evidently's get_binned_data (per-value shares up to 20 reference values).
BINNED = {"jensenshannon", "psi", "kl_div"}


def needs_series(method: str) -> bool:
    return method not in FAST


def run_stattest(method: str, col: PreparedColumn, threshold: float) -> tuple[float, bool]:
    """(score, drifted) of `method` on a prepared column, as Evidently computes it."""
    fast = FAST.get(method)
    if fast is not None:
        return fast(col, threshold)
    from evidently.legacy.calculations.stattests.registry import get_registered_stattest
    from evidently.legacy.core import ColumnType

    column_type = ColumnType(col.type_key)
    test = get_registered_stattest(method, column_type)
    result = test(col.ref_series.copy(), col.cur_series.copy(), column_type, threshold)
    score = float(result.drift_score)
    return score, bool(result.drifted)


def is_valid_score(score: float) -> bool:
    return not (math.isnan(score) or (math.isinf(score) and score < 0))
