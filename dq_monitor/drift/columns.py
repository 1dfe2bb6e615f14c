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

Non-float columns are hashed once per side (`value_counts`): the distinct values
and their counts give typing, mixed-type detection and the statistics, so a
string column is hashed once instead of once per question.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from dq_monitor.drift.stattests import BINNED, NEEDS_COUNTS, PreparedColumn

INTEGER_CARDINALITY_LIMIT = 10  # evidently.core.datasets.INTEGER_CARDINALITY_LIMIT
_FEW_VALUES = 20  # above this many reference values get_binned_data switches to a histogram


class SideProfile:
    """One side of one column, hashed once (for non-float dtypes) and answered from that."""

    def __init__(self, series: pd.Series, owned: bool = False):
        self.series = series
        self.owned = owned  # the series is a private copy (read for this comparison): it may be sorted in place
        self.dtype_name = series.dtype.name
        self.hashed = series.dtype.kind not in "fcmM"

    @cached_property
    def _distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct non-null values as objects, count per value); one hash pass, no per-row codes."""
        if self.dtype_name == "bool":  # no missing values, two possible values: no hashing needed
            trues = int(np.count_nonzero(self.series.to_numpy()))
            return np.array([False, True], dtype=object), np.array([len(self.series) - trues, trues], dtype=np.float64)
        counts = self.series.value_counts(dropna=True, sort=False)
        return np.asarray(counts.index, dtype=object), counts.to_numpy(dtype=np.float64)

    @property
    def values(self) -> np.ndarray:
        return self._distinct[0]

    @cached_property
    def _infinite(self) -> np.ndarray:
        """Which distinct values are ±inf floats inside an object column (Evidently drops them)."""
        if self.series.dtype != object:
            return np.zeros(len(self.values), dtype=bool)
        return np.fromiter(
            (isinstance(v, float) and math.isinf(v) for v in self.values), dtype=bool, count=len(self.values)
        )

    @cached_property
    def counts(self) -> np.ndarray:
        """Count per distinct value after Evidently's cleaning (±inf count as missing)."""
        return np.where(self._infinite, 0.0, self._distinct[1])

    @property
    def nunique(self) -> int:
        return int(np.count_nonzero(self._distinct[1])) if self.hashed else int(self.series.nunique())

    @property
    def count(self) -> int:
        """Non-null rows (pandas `count`, before ±inf is dropped)."""
        return int(self._distinct[1].sum()) if self.hashed else int(self.series.count())

    @cached_property
    def value_kind(self) -> str:
        """pandas' inferred kind of the (distinct) values: string, integer, mixed, ..."""
        return pd.api.types.infer_dtype(self.values, skipna=True) if self.hashed else self.dtype_name

    def first_and_last_non_null(self) -> tuple[object, object] | None:
        notna = self.series.notna().to_numpy()
        if not notna.any():
            return None
        values = self.series.to_numpy()
        return values[notna.argmax()], values[len(notna) - 1 - notna[::-1].argmax()]

    def cleaned(self) -> pd.Series:
        """Evidently's cleaning: ±inf -> NaN, then drop NaN."""
        if self.series.dtype.kind == "f":
            finite = np.isfinite(self.series.to_numpy())
            return self.series if finite.all() else self.series[finite]
        keep = self.series.notna().to_numpy()
        if self._infinite.any():
            keep &= ~self.series.isin(list(self.values[self._infinite])).to_numpy()
        return self.series if keep.all() else self.series[keep]


@dataclass(frozen=True)
class ColumnTyping:
    type_key: str | None  # "num" | "cat" | "text", or None when Evidently would not compare the column
    reason: str = ""  # why it is not compared


def infer_type(current: SideProfile) -> ColumnTyping:
    """Evidently's `infer_column_type` on the current column, restricted to drift types."""
    name = current.dtype_name
    if name.startswith("float"):
        return ColumnTyping("num")
    if name.startswith("int"):
        return ColumnTyping("cat" if current.nunique <= INTEGER_CARDINALITY_LIMIT else "num")
    if name in ("string", "str"):
        return ColumnTyping("text" if current.nunique > current.count * 0.5 else "cat")
    if name == "object":
        ends = current.first_and_last_non_null()
        if ends is None:
            return ColumnTyping(None, "no non-null values in the current data")
        first, last = ends
        if isinstance(first, str) and isinstance(last, str):
            return ColumnTyping("text" if current.nunique > current.count * 0.5 else "cat")
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


def mixed_types(side: SideProfile) -> str | None:
    """Name the mixture when an object column holds values of several kinds (e.g. str and int)."""
    if side.dtype_name != "object" or not side.value_kind.startswith("mixed"):
        return None
    present = side.values[side._distinct[1] > 0]
    kinds = sorted({type(v).__name__ for v in present[:10_000]})
    return "mixed value types (" + ", ".join(kinds) + ")"


def dtype_group(side: SideProfile) -> str:
    """A coarse kind used to spot a column whose type changed between reference and current."""
    dtype = side.series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if dtype.kind in "iuf":
        return "numeric"
    if dtype.kind == "b" or dtype.name == "boolean":
        return "bool"
    if dtype.kind == "M" or dtype.name.startswith("datetime"):
        return "datetime"
    if dtype.kind == "m":
        return "timedelta"
    if dtype == object:
        kind = side.value_kind
        if kind in ("integer", "floating", "mixed-integer-float", "decimal"):
            return "numeric"
        if kind == "boolean":
            return "bool"
        if kind == "empty":
            return "empty"
    return "text"


def _distinct_sorted(values: np.ndarray) -> int:
    return int(np.count_nonzero(values[1:] != values[:-1])) + 1 if values.size else 0


def _aligned_counts(ref: SideProfile, cur: SideProfile) -> tuple[list, np.ndarray, np.ndarray]:
    """Counts of every value seen on either side, aligned (Python equality: 1 == 1.0 == True, like
    the dict Evidently builds)."""
    ref_present, cur_present = ref.counts > 0, cur.counts > 0
    ref_values = pd.Index(ref.values[ref_present], dtype=object)
    cur_values = pd.Index(cur.values[cur_present], dtype=object)
    keys = ref_values.append(cur_values).unique()
    ref_counts = np.zeros(len(keys))
    cur_counts = np.zeros(len(keys))
    np.add.at(ref_counts, keys.get_indexer(ref_values), ref.counts[ref_present])
    np.add.at(cur_counts, keys.get_indexer(cur_values), cur.counts[cur_present])
    return list(keys), ref_counts, cur_counts


def _sorted(side: SideProfile, cleaned: pd.Series, keep_series: bool) -> np.ndarray:
    """The cleaned values as sorted floats: sorted in place when they are a private array (a conversion, or
    a column read for this comparison and not kept), so a numeric column is not held twice."""
    values = cleaned.to_numpy(dtype=np.float64)
    fresh = isinstance(cleaned.dtype, np.dtype) and not np.may_share_memory(values, cleaned.to_numpy())
    if values.flags.writeable and (fresh or (side.owned and not keep_series)):
        values.sort()
        return values
    return np.sort(values)


def _float_profile(values: np.ndarray) -> SideProfile:
    return SideProfile(pd.Series(values, copy=False))


def prepare(
    ref: SideProfile, cur: SideProfile, type_key: str, method: str | None, keep_series: bool
) -> PreparedColumn:
    """Clean both sides once and derive what every statistic needs.

    `method` is the configured method (None = automatic); counts for numeric
    columns are built only when a count-based method can be used.
    """
    if type_key == "num" or keep_series:
        ref_c, cur_c = ref.cleaned(), cur.cleaned()
    if type_key == "num":
        ref_sorted, cur_sorted = _sorted(ref, ref_c, keep_series), _sorted(cur, cur_c, keep_series)
        ref_unique = _distinct_sorted(ref_sorted)
        cur_unique = _distinct_sorted(cur_sorted)
        if ref_unique > 5 or cur_unique > 5:
            n_values = max(ref_unique, cur_unique)  # a lower bound: "more than 5" is all selection needs
        else:
            n_values = int(np.union1d(ref_sorted, cur_sorted).size)
        col = PreparedColumn(
            type_key, ref_sorted.size, cur_sorted.size, n_values, ref_unique, ref_sorted=ref_sorted, cur_sorted=cur_sorted
        )
        if n_values <= 5 or method in NEEDS_COUNTS or (method in BINNED and ref_unique <= _FEW_VALUES):
            keys, rc, cc = _aligned_counts(_float_profile(ref_sorted), _float_profile(cur_sorted))
            col.keys, col.ref_counts, col.cur_counts = keys, rc, cc
    else:
        keys, rc, cc = _aligned_counts(ref, cur)
        col = PreparedColumn(
            type_key, int(rc.sum()), int(cc.sum()), len(keys), int(np.count_nonzero(rc)),
            keys=keys, ref_counts=rc, cur_counts=cc,
        )
    if keep_series:
        col.ref_series, col.cur_series = ref_c, cur_c
    return col
