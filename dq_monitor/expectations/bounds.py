"""The learned (warning-level) expectations of a suggested suite and how each bound is chosen.

Each learner takes the pooled values of clean snapshots and returns one expectation entry
(a JSON-ready dict with `meta.reason` and the `learned` facts behind it), or None when the
data cannot support a bound.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from dq_monitor.expectations.evidence import plain


def _round_out(value: float, scale: float, up: bool) -> float:
    """Round outward to 4 significant digits of `scale`, so bounds read cleanly in review."""
    if not math.isfinite(value) or scale <= 0:
        return float(value)
    step = 10.0 ** (math.floor(math.log10(scale)) - 3)
    rounded = (math.ceil if up else math.floor)(value / step) * step
    digits = max(0, -int(math.floor(math.log10(step))))
    return round(rounded, digits)


def entry(type_: str, kwargs: dict[str, Any], severity: str, reason: str, **facts: Any) -> dict[str, Any]:
    """One expectation of a suite file, with why it was chosen and the facts it was learned from."""
    return {"type": type_, "kwargs": plain(kwargs), "severity": severity,
            "meta": {"reason": reason, **({"learned": plain(facts)} if facts else {})}}


def row_count_bounds(counts: list[int], alpha: float) -> dict[str, Any]:
    n = len(counts)
    lo_obs, hi_obs = min(counts), max(counts)
    if n >= 3 and np.std(counts, ddof=1) > 0:
        mean, sd = float(np.mean(counts)), float(np.std(counts, ddof=1))
        from scipy import (
            stats,  # scipy.stats takes a second to import; only needed here
        )

        t = float(stats.t.ppf(1 - alpha / 2, n - 1))
        half = t * sd * math.sqrt(1 + 1 / n)
        lo, hi = min(lo_obs, math.floor(mean - half)), max(hi_obs, math.ceil(mean + half))
        reason = (f"{100 * (1 - alpha):g}% prediction interval for one more snapshot from {n} snapshots' row "
                  f"counts (mean {mean:.1f}, sd {sd:.1f}, t={t:.2f}), never narrower than the observed range")
    elif n >= 3:
        margin = max(1, math.ceil(0.1 * hi_obs))
        lo, hi = lo_obs - margin, hi_obs + margin
        reason = f"all {n} snapshots had {hi_obs} rows; no observed variation, so +/-10% is allowed"
    else:
        lo, hi = math.floor(lo_obs / 2), hi_obs * 2
        reason = f"only {n} snapshot(s): too few to estimate variation, so half to double the observed rows"
    return entry("expect_table_row_count_to_be_between", {"min_value": max(0, int(lo)), "max_value": int(hi)},
                 "warning", reason, snapshots=n, observed_min=lo_obs, observed_max=hi_obs)


def _skew(values: np.ndarray) -> float:
    sd = float(values.std())
    return float(np.mean(((values - values.mean()) / sd) ** 3)) if sd > 0 else 0.0


def _excess_kurtosis(values: np.ndarray) -> float:
    sd = float(values.std())
    return float(np.mean(((values - values.mean()) / sd) ** 4)) - 3.0 if sd > 0 else 0.0


def _tail_bound(values: np.ndarray, upper: bool, p_target: float) -> tuple[float, dict[str, Any]]:
    """Extrapolate the (1 - p_target) quantile from the observed tail, assuming at most an exponential tail."""
    n = len(values)
    p0 = min(0.05, max(0.01, 5.0 / n))
    p1 = min(0.25, 10 * p0)
    q = (lambda p: float(np.quantile(values, 1 - p))) if upper else (lambda p: float(np.quantile(values, p)))
    q0, q1 = q(p0), q(p1)
    steps = max(0.0, math.log(p0 / p_target) / math.log(p1 / p0))
    bound = q0 + (q0 - q1) * steps
    observed = float(values.max() if upper else values.min())
    bound = max(bound, observed) if upper else min(bound, observed)
    side = "upper" if upper else "lower"
    return bound, {f"{side}_q{p0:g}": q0, f"{side}_q{p1:g}": q1, f"{side}_tail_steps": round(steps, 3)}


def numeric_range(column: str, values: np.ndarray, is_int: bool, snapshot_rows: int, alpha: float,
                   n_snapshots: int) -> dict[str, Any] | None:
    values = values[np.isfinite(values)]
    if len(values) < 20:
        return None
    p_target = alpha / max(1, snapshot_rows)
    obs_lo, obs_hi = float(values.min()), float(values.max())
    # Positive right-skewed values (amounts, durations) have tails heavier than exponential:
    # extrapolate on the log scale, where such tails are light again.
    # Power-law tails (high kurtosis) become exponential under asinh, a signed log.
    log_scale = obs_lo > 0 and _skew(values) > 1.0
    center = float(np.median(values))
    spread = float(np.subtract(*np.quantile(values, [0.75, 0.25]))) or float(np.std(values)) or 1.0
    asinh_scale = not log_scale and _excess_kurtosis(values) > 3.0
    if log_scale:
        work = np.log(values)
    elif asinh_scale:
        work = np.arcsinh((values - center) / spread)
    else:
        work = values
    lo, lo_facts = _tail_bound(work, False, p_target)
    hi, hi_facts = _tail_bound(work, True, p_target)
    if log_scale:
        lo, hi = math.exp(lo), math.exp(hi)
    elif asinh_scale:
        lo, hi = center + spread * math.sinh(lo), center + spread * math.sinh(hi)
    reasons = [f"observed range [{obs_lo:.6g}, {obs_hi:.6g}] over {len(values)} values in {n_snapshots} "
               f"snapshot(s), widened to the tail probability {p_target:.2g} (= {alpha:g} / {snapshot_rows} rows "
               f"per snapshot) by extrapolating the spread between the outer tail quantiles"
               + (" on the log scale (positive, right-skewed values)" if log_scale else "")
               + (" on the asinh scale (heavy tails: excess kurtosis > 3)" if asinh_scale else "")]
    if obs_lo >= 0 > lo:
        lo = 0.0
        reasons.append("never negative, so the lower bound is 0")
    scale = max(abs(lo), abs(hi), hi - lo, 1e-12)
    lo, hi = _round_out(lo, scale, up=False), _round_out(hi, scale, up=True)
    if is_int:
        lo, hi = math.floor(lo), math.ceil(hi)
    return entry("expect_column_values_to_be_between", {"column": column, "min_value": lo, "max_value": hi},
                 "warning", "; ".join(reasons), observed_min=obs_lo, observed_max=obs_hi,
                 values=len(values), target_tail_probability=p_target, log_scale=log_scale, asinh_scale=asinh_scale,
                 **lo_facts, **hi_facts)


def value_set(column: str, series: pd.Series, max_categories: int, snapshot_rows: int, alpha: float,
               n_snapshots: int) -> tuple[dict[str, Any] | None, str | None]:
    counts = series.dropna().value_counts()
    n = int(counts.sum())
    if n == 0 or len(counts) > max_categories or len(counts) * 5 > n:
        return None, None
    singletons = int((counts == 1).sum())
    # Good-Turing: the share of rows carrying a not-yet-seen value is about singletons / n.
    p_unseen_snapshot = 1 - math.exp(-snapshot_rows * singletons / n)
    if p_unseen_snapshot > alpha:
        return None, (f"{singletons} value(s) seen only once: a new clean snapshot would show an unseen value "
                      f"with probability ~{p_unseen_snapshot:.2f}, so no value set was suggested")
    values = sorted((plain(v) for v in counts.index), key=lambda v: (type(v).__name__, v))
    reason = (f"{len(values)} distinct value(s) in {n} rows of {n_snapshots} snapshot(s), each seen at least "
              f"twice (Good-Turing estimate of unseen values: 0)")
    return entry("expect_column_values_to_be_in_set", {"column": column, "value_set": values}, "warning",
                 reason, rarest_count=int(counts.min())), None


def null_rate(column: str, rates: list[float], pooled: float, min_rows: int, alpha: float) -> dict[str, Any] | None:
    z = NormalDist().inv_cdf(1 - alpha)
    upper = max(max(rates), pooled + z * math.sqrt(pooled * (1 - pooled) / max(1, min_rows)))
    if upper >= 1:
        return None
    mostly = math.floor((1 - upper) * 1e4) / 1e4
    return entry(
        "expect_column_values_to_not_be_null", {"column": column, "mostly": mostly}, "warning",
        f"null rate {100 * pooled:.3g}% overall, at most {100 * max(rates):.3g}% in one snapshot; allowed up to "
        f"{100 * (1 - mostly):.3g}% (one-sided {100 * (1 - alpha):g}% binomial bound for {min_rows} rows)",
        null_rate_pooled=pooled, null_rate_max=max(rates))
