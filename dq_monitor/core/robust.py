"""Robust scale: the median absolute deviation in standard-deviation units, with fallbacks.

For normal data the standard deviation is 1.4826 x MAD (1 / the normal 75% quantile), 1.2533 x the
mean absolute deviation (sqrt(pi/2)) and IQR / 1.349. Every robust scale in dq_monitor uses these.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

MAD_TO_SIGMA = 1.4826
MEAN_AD_TO_SIGMA = 1.2533
SIGMA_TO_IQR = 1.349


def robust_scale(mad: np.ndarray | float, fallbacks: Iterable[np.ndarray | float] = ()) -> np.ndarray:
    """`MAD_TO_SIGMA * mad`; where that is not positive, the first positive of `fallbacks` (in sigma units).

    `fallbacks` is consumed lazily and only while some scale is still not positive, so a generator
    lets the caller skip computing them when the MAD suffices.
    """
    scale = MAD_TO_SIGMA * np.asarray(mad, dtype=np.float64)
    for fallback in fallbacks:
        if (scale > 0).all():
            break
        scale = np.where(scale > 0, scale, fallback)
    return scale
