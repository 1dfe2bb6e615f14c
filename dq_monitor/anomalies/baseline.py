"""Robust baselines of numeric columns: the global median/scale/MAD and the same per group.

A group (a `group_by` value) gets its own baseline only with at least `min_size`
reference rows; its scale falls back from 1.4826 * MAD to 1.2533 * mean absolute
deviation, the standard deviation and finally the global scale, so it is always > 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dq_monitor.core.robust import MEAN_AD_TO_SIGMA, robust_scale


@dataclass
class NumericFeature:
    name: str
    median: float
    scale: float  # robust sigma (1.4826 * MAD, or a fallback), > 0
    mad: float  # raw median absolute deviation (0 when a fallback was needed)


@dataclass
class GroupBaseline:
    """Per-group median/scale/MAD of every numeric feature (groups with enough rows only)."""

    column: str
    groups: pd.Index
    median: np.ndarray  # groups x numeric features
    scale: np.ndarray
    mad: np.ndarray
    sizes: np.ndarray


def numeric_values(col: pd.Series) -> np.ndarray:
    """A column as float64 with NaN for missing; text that is not a number becomes NaN."""
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "fiu":
        return np.asarray(col.to_numpy(), dtype=np.float64)  # plain numpy: no NA scan needed
    if not (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)):
        col = pd.to_numeric(col, errors="coerce")
    return col.to_numpy(dtype=np.float64, na_value=np.nan)


def group_baseline(
    reference: pd.DataFrame, column: str, numeric: list[NumericFeature], min_size: int
) -> GroupBaseline:
    names = [f.name for f in numeric]
    keys = reference[column]
    sizes = keys.value_counts(dropna=True)
    big = sizes[sizes >= min_size]
    rows = keys.isin(big.index)
    subset = reference.loc[rows]
    values = pd.DataFrame({name: numeric_values(subset[name]) for name in names}, index=subset.index)
    values = values.replace([np.inf, -np.inf], np.nan)
    g = keys[rows]
    med = values.groupby(g).median()
    dev = (values - med.reindex(g).to_numpy()).abs()
    mad = dev.groupby(g).median()
    mean_dev = dev.groupby(g).mean()
    std = values.groupby(g).std(ddof=0)
    med, mad, mean_dev, std = (t.reindex(big.index) for t in (med, mad, mean_dev, std))
    global_scale = np.array([f.scale for f in numeric])
    scale = robust_scale(mad.to_numpy(), (MEAN_AD_TO_SIGMA * mean_dev.to_numpy(), std.to_numpy(),
                                          np.broadcast_to(global_scale, mad.shape)))
    med_arr = med.to_numpy()
    global_med = np.array([f.median for f in numeric])
    med_arr = np.where(np.isfinite(med_arr), med_arr, global_med)
    return GroupBaseline(
        column=column,
        groups=pd.Index(big.index),
        median=med_arr,
        scale=scale,
        mad=np.nan_to_num(mad.to_numpy()),
        sizes=big.to_numpy(),
    )
