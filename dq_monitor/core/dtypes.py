"""The kind of a pandas dtype, shared by the schema checks and suggested expectations."""

from __future__ import annotations

import pandas as pd


def dtype_kind(dtype: object) -> str | None:
    """category | bool | int | float | datetime for those dtypes, else None (strings, objects, others).

    Only the dtype is read. The callers differ on what comes next, on purpose: the schema check
    names a column's *logical* type (an integral float column with nulls is "int", as CSV makes
    one of an int column with gaps; object values are sampled), while suggested expectations need
    the *physical* dtype that GX's type-list expectation will see on the next snapshot.
    """
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
    return None
