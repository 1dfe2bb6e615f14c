"""Plain-language reasons: which column makes a row unusual, and by how much.

Every feature's surprise is put in one currency, -log10 of a tail probability:
numeric robust z-scores through the normal tail, categorical values through their
reference share. The most surprising column is named; a second strong one is
appended. When no single column is unusual the row is flagged for its combination
of values, and the reason says so.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import log_ndtr

from dq_monitor.anomalies.features import _INF_Z, _MISSING, FeatureEncoder, format_value

#: Below this surprise (p > 1%) no single column explains the row.
_SINGLE_COLUMN_SURPRISE = 2.0
#: A second column is mentioned when it is at least this surprising (p < 0.1%).
_SECOND_COLUMN_SURPRISE = 3.0


def explain_rows(encoder: FeatureEncoder, rows: pd.DataFrame, Z: np.ndarray) -> list[str]:
    """One reason per row of `rows` (whose encoded features are `Z`)."""
    if len(rows) == 0:
        return []
    n_num = len(encoder.numeric)
    surprise = np.zeros(Z.shape)
    if n_num:
        z = np.abs(Z[:, :n_num])
        with np.errstate(invalid="ignore"):
            surprise[:, :n_num] = np.where(
                np.isnan(z), 0.0, -(math.log(2.0) + log_ndtr(-np.nan_to_num(z))) / math.log(10)
            )
        raw, med, scale, mad = encoder.numeric_matrix(rows)
        group_sizes = encoder.group_sizes(rows)
    if encoder.categorical:
        surprise[:, n_num:] = Z[:, n_num:]
    surprise = np.nan_to_num(surprise, nan=0.0, posinf=1e300)
    order = np.argsort(-surprise, axis=1, kind="stable")

    reasons = []
    for i in range(len(rows)):
        parts = []
        for rank, j in enumerate(order[i, :2]):
            s = surprise[i, j]
            if rank == 1 and s < _SECOND_COLUMN_SURPRISE:
                break
            if j < n_num:
                text = _numeric_reason(encoder, rows, i, j, raw, med, mad, scale, group_sizes)
            else:
                text = _categorical_reason(encoder, rows, i, j - n_num)
            parts.append(text)
        reason = "; also ".join(parts)
        if surprise[i, order[i, 0]] < _SINGLE_COLUMN_SURPRISE:
            reason = f"unusual combination of values; the most unusual is {reason}"
        reasons.append(reason)
    return reasons


def _numeric_reason(encoder, rows, i, j, raw, med, mad, scale, group_sizes) -> str:
    f = encoder.numeric[j]
    x = raw[i, j]
    if math.isinf(x):
        return f"{f.name} is {'+' if x > 0 else '-'}infinite"
    direction = "above" if x > med[i, j] else "below"
    context = ""
    if encoder.baseline is not None:
        key = rows[encoder.baseline.column].iloc[i]
        who = f"{encoder.baseline.column} {format_key(key)}"
        context = f" for {who}" if group_sizes[i] > 0 else f" of all rows ({who} has too little history of its own)"
    if mad[i, j] > 0:
        n = abs(x - med[i, j]) / mad[i, j]
        median = format_value(med[i, j])
        return f"{f.name} = {format_value(x)} is {_count(n)} MADs {direction} the median{context} (median {median})"
    n = abs(x - med[i, j]) / scale[i, j]
    return (
        f"{f.name} = {format_value(x)} is {_count(n)} typical deviations {direction} "
        f"the usual value{context} (usual value {format_value(med[i, j])})"
    )


def _categorical_reason(encoder, rows, i, k) -> str:
    f = encoder.categorical[k]
    value = rows[f.name].iloc[i]
    missing = value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA
    count = f.counts.get(_MISSING if missing else value, 0)
    label = f"{f.name} is missing" if missing else f"{f.name} = {format_key(value)}"
    if count == 0:
        text = f"{label}, never seen in the {f.n:,} reference rows"
        if len(f.counts) == 1:
            only = next(iter(f.counts))
            text += f" (always {'missing' if only == _MISSING else format_key(only)})"
        return text
    return f"{label}, rare: {count:,} of {f.n:,} reference rows ({100 * count / f.n:.2g}%)"


def format_key(value) -> str:
    """An identifier or code as written: 123456 and 123456.0 -> '123456' (no thousands separators).

    Measurements go through `format_value` ('5,000'); group keys and categorical codes through this.
    """
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    return format_value(value)


def _count(n: float) -> str:
    if n >= _INF_Z:
        return f"{n:,.0f}"
    return f"{n:,.0f}" if n >= 10 else f"{n:.1f}"
