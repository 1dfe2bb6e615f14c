"""Column typing and cleaning exactly as Evidently 0.7's DataDriftPreset does it.

Type inference (`evidently.core.datasets.infer_column_type`, applied to the
*current* frame, which is the one whose data definition the preset uses):

* float dtypes -> numeric;
* int dtypes -> categorical when at most 10 distinct values, else numeric;
* `string` dtype, or `object` whose first and last non-null values are str ->
  text when distinct values > 50% of non-null values, else categorical;
* bool and category dtypes -> categorical;
* everything else (datetime, uint, pandas nullable Int64/Float64/boolean, lists,
  non-string objects) is not part of Evidently's drift preset.

Cleaning (`get_one_column_drift`): ±inf become NaN and NaN rows are dropped on
each side independently. The auto-selected method then depends on the cleaned
reference size and the number of distinct values over both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dq_monitor.drift.stattests import BINNED, NEEDS_COUNTS, PreparedColumn

INTEGER_CARDINALITY_LIMIT = 10  # evidently.core.datasets.INTEGER_CARDINALITY_LIMIT
_FEW_VALUES = 20  # above this many reference values get_binned_data switches to a histogram


@dataclass(frozen=True)
class ColumnTyping:
    type_key: str | None  # "num" | "cat" | "text", or None when Evidently would not compare the column
    reason: str = ""  # why it is not compared


def infer_type(current: pd.Series) -> ColumnTyping:
    """Evidently's `infer_column_type` on the current column, restricted to drift types."""
    name = current.dtype.name
    if name.startswith("float"):
        return ColumnTyping("num")
    if name.startswith("int"):
        return ColumnTyping("cat" if current.nunique() <= INTEGER_CARDINALITY_LIMIT else "num")
    if name in ("string", "str"):
        return ColumnTyping("text" if current.nunique() > current.count() * 0.5 else "cat")
    if name == "object":
        non_null = current.dropna()
        if non_null.empty:
            return ColumnTyping(None, "no non-null values in the current data")
        first, last = non_null.iloc[0], non_null.iloc[-1]
        if isinstance(first, str) and isinstance(last, str):
            return ColumnTyping("text" if current.nunique() > current.count() * 0.5 else "cat")
        if isinstance(first, (list, tuple)):
            return ColumnTyping(None, "list values are not compared by Evidently's drift preset")
        return ColumnTyping(None, f"object column of {type(first).__name__} values is not a drift type for Evidently")
    if name in ("bool", "category"):
        return ColumnTyping("cat")
    if name.startswith("datetime"):
        return ColumnTyping(None, "datetime columns are not compared by Evidently's drift preset")
    return ColumnTyping(
        None, f"dtype {name} is not a drift type for Evidently (cast it to int64, float64, bool or str to compare it)"
    )


def mixed_types(series: pd.Series) -> str | None:
    """Name the mixture when an object column holds values of several kinds (e.g. str and int)."""
    if series.dtype != object:
        return None
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind.startswith("mixed"):
        kinds = sorted({type(v).__name__ for v in series.dropna().iloc[:10_000]})
        return "mixed value types (" + ", ".join(kinds) + ")"
    return None


def clean(series: pd.Series) -> pd.Series:
    """Evidently's cleaning: ±inf -> NaN, then drop NaN."""
    if series.dtype.kind == "f":
        values = series.to_numpy()
        finite = np.isfinite(values)
        return series if finite.all() else series[finite]
    if series.dtype == object:
        series = series.replace([-np.inf, np.inf], np.nan)
    return series.dropna()


def _distinct_sorted(values: np.ndarray) -> int:
    return int(np.count_nonzero(values[1:] != values[:-1])) + 1 if values.size else 0


def _aligned_counts(ref: pd.Series, cur: pd.Series) -> tuple[list, np.ndarray, np.ndarray]:
    ref_vc = ref.value_counts(sort=False)
    cur_vc = cur.value_counts(sort=False)
    ref_vc = ref_vc[ref_vc > 0]  # category dtype lists unused categories with count 0
    cur_vc = cur_vc[cur_vc > 0]
    both = pd.concat([ref_vc.rename("ref"), cur_vc.rename("cur")], axis=1).fillna(0)
    return list(both.index), both["ref"].to_numpy(np.float64), both["cur"].to_numpy(np.float64)


def prepare(ref: pd.Series, cur: pd.Series, type_key: str, method: str | None, keep_series: bool) -> PreparedColumn:
    """Clean both sides once and derive what every statistic needs.

    `method` is the configured method (None = automatic); counts for numeric
    columns are built only when a count-based method can be used.
    """
    ref_c, cur_c = clean(ref), clean(cur)
    if type_key == "num":
        ref_sorted = np.sort(ref_c.to_numpy(dtype=np.float64))
        cur_sorted = np.sort(cur_c.to_numpy(dtype=np.float64))
        ref_unique = _distinct_sorted(ref_sorted)
        cur_unique = _distinct_sorted(cur_sorted)
        if ref_unique > 5 or cur_unique > 5:
            n_values = max(ref_unique, cur_unique)  # a lower bound: "more than 5" is all selection needs
        else:
            n_values = int(np.union1d(ref_sorted, cur_sorted).size)
        col = PreparedColumn(
            type_key, ref_sorted.size, cur_sorted.size, n_values, ref_unique, ref_sorted=ref_sorted, cur_sorted=cur_sorted
        )
        counts_needed = (
            n_values <= 5
            or method in NEEDS_COUNTS
            or (method in BINNED and ref_unique <= _FEW_VALUES)
        )
        if counts_needed:
            keys, rc, cc = _aligned_counts(ref_c, cur_c)
            col.keys, col.ref_counts, col.cur_counts = keys, rc, cc
    else:
        keys, rc, cc = _aligned_counts(ref_c, cur_c)
        col = PreparedColumn(
            type_key,
            len(ref_c),
            len(cur_c),
            len(keys),
            int(np.count_nonzero(rc)),
            keys=keys,
            ref_counts=rc,
            cur_counts=cc,
        )
    if keep_series:
        col.ref_series, col.cur_series = ref_c, cur_c
    return col
