"""`transform: log` judges non-negative, skewed metrics (counts, latencies, sizes) on a log scale.

`sign(x) * log1p(|x|)`: monotone, defined everywhere and the same for every point, so it
keeps detection causal; a multiplicative change becomes an additive one, which is how
counts and latencies vary. The `min_abs_change` / `min_rel_change` gates stay in the
metric's own units. Nothing here imports dagster.
"""

from __future__ import annotations

import numpy as np


def forward(values: np.ndarray, transform: str) -> np.ndarray:
    if transform == "none":
        return values
    with np.errstate(invalid="ignore"):
        return np.sign(values) * np.log1p(np.abs(values))


def inverse(values: np.ndarray, transform: str) -> np.ndarray:
    if transform == "none":
        return values
    with np.errstate(invalid="ignore", over="ignore"):
        return np.sign(values) * np.expm1(np.abs(values))
