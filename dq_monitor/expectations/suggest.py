"""Learn a first expectation suite from a dataset's recent (clean) snapshots.

Every bound is chosen so that a new clean snapshot passes with high probability
(`false_alarm_rate` per expectation and snapshot) while the faults an expectation can
see — nulls where there never were any, values far outside the observed range, new
categories — fail. Each expectation's `meta.reason` says why it was chosen and from what.

* structure (critical): columns present in every snapshot exist and keep their types;
  columns never null stay not null; identifier-like columns unique in every snapshot
  stay unique; a declared primary key is unique.
* learned bounds (warning, to be reviewed): the null rate of columns that had nulls;
  numeric ranges, extrapolated from the observed tail quantiles to the tail probability
  that one new snapshot of the usual size can reach; value sets of low-cardinality
  columns, only where the Good-Turing estimate of unseen values is zero; the row count,
  from a prediction interval over the snapshots' row counts.

The output is deterministic: same frames, same JSON.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from dq_monitor.expectations.evidence import plain


def _kind(series: pd.Series) -> str:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.StringDtype):
        return "string"
    if dtype == object:
        values = series.dropna()
        if len(values) and all(isinstance(v, str) for v in values):
            return "string"
        return "object"
    return str(dtype)


def _gx_type_name(series: pd.Series) -> str | None:
    """The name `expect_column_values_to_be_in_type_list` accepts for this column on pandas, or None."""
    dtype = series.dtype
    kind = _kind(series)
    if kind == "category" or isinstance(dtype, pd.DatetimeTZDtype) or kind == "object":
        return None  # GX 1.x on pandas cannot express these dtypes in a type list
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        if isinstance(dtype, pd.StringDtype):
            # GX compares with pd.StringDtype(), which only equals the default ("python") storage.
            return "StringDtype" if dtype == pd.StringDtype() else None
        return f"{dtype.name}Dtype" if hasattr(pd, f"{dtype.name}Dtype") else None
    if kind == "string":
        return "str"  # object column of Python strings: GX checks each value's type
    return str(dtype)


def _round_out(value: float, scale: float, up: bool) -> float:
    """Round outward to 4 significant digits of `scale`, so bounds read cleanly in review."""
    if not math.isfinite(value) or scale <= 0:
        return float(value)
    step = 10.0 ** (math.floor(math.log10(scale)) - 3)
    rounded = (math.ceil if up else math.floor)(value / step) * step
    digits = max(0, -int(math.floor(math.log10(step))))
    return round(rounded, digits)


def _expectation(type_: str, kwargs: dict[str, Any], severity: str, reason: str, **facts: Any) -> dict[str, Any]:
    return {"type": type_, "kwargs": plain(kwargs), "severity": severity,
            "meta": {"reason": reason, **({"learned": plain(facts)} if facts else {})}}


def _row_count(counts: list[int], alpha: float) -> dict[str, Any]:
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
    return _expectation("expect_table_row_count_to_be_between", {"min_value": max(0, int(lo)), "max_value": int(hi)},
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


def _numeric_range(column: str, values: np.ndarray, is_int: bool, snapshot_rows: int, alpha: float,
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
    return _expectation("expect_column_values_to_be_between", {"column": column, "min_value": lo, "max_value": hi},
                        "warning", "; ".join(reasons), observed_min=obs_lo, observed_max=obs_hi,
                        values=len(values), target_tail_probability=p_target, log_scale=log_scale, asinh_scale=asinh_scale,
                        **lo_facts, **hi_facts)


def _value_set(column: str, series: pd.Series, max_categories: int, snapshot_rows: int, alpha: float,
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
    return _expectation("expect_column_values_to_be_in_set", {"column": column, "value_set": values}, "warning",
                        reason, rarest_count=int(counts.min())), None


def _null_rate(column: str, rates: list[float], pooled: float, min_rows: int, alpha: float) -> dict[str, Any] | None:
    z = NormalDist().inv_cdf(1 - alpha)
    upper = max(max(rates), pooled + z * math.sqrt(pooled * (1 - pooled) / max(1, min_rows)))
    if upper >= 1:
        return None
    mostly = math.floor((1 - upper) * 1e4) / 1e4
    return _expectation(
        "expect_column_values_to_not_be_null", {"column": column, "mostly": mostly}, "warning",
        f"null rate {100 * pooled:.3g}% overall, at most {100 * max(rates):.3g}% in one snapshot; allowed up to "
        f"{100 * (1 - mostly):.3g}% (one-sided {100 * (1 - alpha):g}% binomial bound for {min_rows} rows)",
        null_rate_pooled=pooled, null_rate_max=max(rates))


def _snapshot_attribute(series_list: list[pd.Series], alpha: float) -> str | None:
    """Why a column constant within every snapshot gets no value set or range, or None.

    Such a column (a date, month, batch or partition id) carries one value per snapshot,
    so the evidence for its range is the number of snapshots, not the number of rows.
    """
    if len(series_list) < 2 or any(len(s) < 2 or s.nunique(dropna=False) != 1 for s in series_list):
        return None
    n = len(series_list)
    if all(s.isna().all() for s in series_list):
        return f"always null in all {n} snapshots: nothing to learn a value set or range from"
    values = {repr(plain(s.iloc[0])) for s in series_list}
    if len(values) > 1:
        return (f"constant within each snapshot but changing between snapshots ({len(values)} values in {n}): "
                "a snapshot attribute such as a date or batch id, no value set or range suggested")
    if 3 / n > alpha:  # rule of three: with n unchanged snapshots a change may still be 3/n likely
        return (f"the same value in all {n} snapshots, one value per snapshot: too few snapshots to rule out a "
                f"change (rule of three: up to {300 / n:.0f}% per snapshot), no value set or range suggested")
    return None


def _trend(series_list: list[pd.Series]) -> str | None:
    """Why a numeric column has no stable range (it moves with every snapshot), or None."""
    if len(series_list) < 3:
        return None
    quartiles = [s.dropna().astype(float).quantile([0.25, 0.5, 0.75]).to_numpy() for s in series_list]
    if any(np.isnan(q).any() for q in quartiles):
        return None
    medians = np.array([q[1] for q in quartiles])
    steps = np.diff(medians)
    monotonic = bool(np.all(steps > 0) or np.all(steps < 0))
    first, last = quartiles[0], quartiles[-1]
    apart = last[0] > first[2] or last[2] < first[0]
    if monotonic and apart:
        return ("values move with every snapshot (median "
                f"{medians[0]:.6g} -> {medians[-1]:.6g} over {len(series_list)} snapshots): no range suggested")
    return None


@dataclass(frozen=True)
class _History:
    """What every column's rules share: the snapshots' sizes and the tolerated false-alarm rate."""

    n_snapshots: int
    row_counts: tuple[int, ...]
    alpha: float
    max_categories: int
    primary_key: tuple[str, ...]

    @property
    def typical_rows(self) -> int:
        return max(self.row_counts)

    @property
    def min_rows(self) -> int:
        return max(1, min(self.row_counts))


def _column_suggestions(name: str, series_list: list[pd.Series], h: _History) -> tuple[list[dict], list[str]]:
    """Expectations for one column (in a fixed order) and notes on what was deliberately left out."""
    out: list[dict[str, Any]] = []
    notes: list[str] = []
    pooled = pd.concat(series_list, ignore_index=True)
    kinds = {_kind(s) for s in series_list}
    numeric = kinds <= {"int", "float"}
    out.append(_expectation("expect_column_to_exist", {"column": name}, "critical",
                            f"present in all {h.n_snapshots} snapshot(s)"))

    type_names = {_gx_type_name(s) for s in series_list}
    if None in type_names:
        notes.append(f"dtype {sorted(str(s.dtype) for s in series_list)[0]} cannot be checked by GX's type list")
    else:
        if numeric and "float" in kinds and all(
                np.all(np.mod(s.dropna().to_numpy(dtype=float), 1) == 0) for s in series_list):
            type_names.add("int64")  # integers read as floats because of nulls: a null-free day is int64
        out.append(_expectation("expect_column_values_to_be_in_type_list",
                                {"column": name, "type_list": sorted(type_names)}, "critical",
                                f"dtype(s) observed in {h.n_snapshots} snapshot(s): {', '.join(sorted(type_names))}"))

    null_counts = [int(s.isna().sum()) for s in series_list]
    if sum(null_counts) == 0:
        out.append(_expectation("expect_column_values_to_not_be_null", {"column": name}, "critical",
                                f"never null in {sum(h.row_counts)} rows of {h.n_snapshots} snapshot(s)"))
    else:
        rates = [nc / max(1, len(s)) for nc, s in zip(null_counts, series_list)]
        e = _null_rate(name, rates, sum(null_counts) / max(1, len(pooled)), h.min_rows, h.alpha)
        if e:
            out.append(e)

    always_unique = kinds <= {"int", "string"} and h.min_rows >= 10 and all(
        s.dropna().is_unique for s in series_list)
    if always_unique and [name] != list(h.primary_key):
        out.append(_expectation("expect_column_values_to_be_unique", {"column": name}, "critical",
                                f"unique within every one of {h.n_snapshots} snapshot(s)"))

    attribute = _snapshot_attribute(series_list, h.alpha)
    if attribute:
        notes.append(attribute)
        return out, notes
    if kinds <= {"int", "string", "category", "bool"}:
        e, why_not = _value_set(name, pooled, h.max_categories, h.typical_rows, h.alpha, h.n_snapshots)
        if e:
            out.append(e)
        elif why_not:
            notes.append(why_not)

    if numeric and (always_unique or name in h.primary_key):
        notes.append("identifier (unique in every snapshot or primary key): no range suggested")
    elif numeric and (trend := _trend(series_list)):
        notes.append(trend)
    elif numeric:
        values = pooled.dropna().to_numpy(dtype=float)
        is_int = kinds == {"int"} or "int64" in type_names
        e = _numeric_range(name, values, is_int, h.typical_rows, h.alpha, h.n_snapshots)
        if e:
            out.append(e)
    elif kinds == {"datetime"}:
        notes.append("datetime: no range suggested, timestamps move forward with every snapshot")
    return out, notes


def suggest_suite(
    frames: Sequence[pd.DataFrame],
    dataset: str,
    *,
    primary_key: Sequence[str] = (),
    max_categories: int = 20,
    false_alarm_rate: float = 0.01,
) -> dict[str, Any]:
    """A GX 1.x suite (as a JSON-ready dict) learned from clean snapshots, oldest first."""
    frames = [f for f in frames if f is not None]
    if not frames:
        raise ValueError(f"{dataset}: no snapshots to learn an expectation suite from")
    history = _History(len(frames), tuple(len(f) for f in frames), float(false_alarm_rate), max_categories,
                       tuple(str(c) for c in primary_key))
    common = set(frames[0].columns).intersection(*(set(f.columns) for f in frames[1:]))
    seen_any = set().union(*(set(f.columns) for f in frames))
    notes: dict[str, str] = {
        str(col): "present in only some snapshots: no expectations suggested" for col in seen_any - common
    }

    expectations: list[dict[str, Any]] = [_row_count(list(history.row_counts), history.alpha)]
    for col in sorted(common, key=str):
        column_expectations, column_notes = _column_suggestions(str(col), [f[col] for f in frames], history)
        expectations.extend(column_expectations)
        if column_notes:
            notes[str(col)] = "; ".join(column_notes)

    pk = [str(c) for c in primary_key if c in common]
    if len(pk) == 1:
        expectations.append(_expectation("expect_column_values_to_be_unique", {"column": pk[0]}, "critical",
                                         "declared primary key"))
    elif len(pk) > 1:
        expectations.append(_expectation("expect_compound_columns_to_be_unique", {"column_list": pk}, "critical",
                                         "declared primary key"))

    return {
        "name": dataset,
        "expectations": expectations,
        "meta": {
            "dq_monitor": plain({
                "generated_by": "dq_monitor.expectations.suggest_suite",
                "dataset": dataset,
                "snapshots": history.n_snapshots,
                "rows": sum(history.row_counts),
                "false_alarm_rate": history.alpha,
                "max_categories": max_categories,
                "notes": dict(sorted(notes.items())),
                "review": "critical = structure seen in every snapshot; warning = learned bounds, review them",
            }),
        },
    }
