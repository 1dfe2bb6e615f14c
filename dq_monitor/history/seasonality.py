"""Seasonal phases and automatic period detection for metric series.

A phase is a small integer shared by points that should look alike: the hour of
day, the day of week, or, for a detected period of P steps, the step number
modulo P (steps counted from the Unix epoch, so the phase of a timestamp never
depends on where the series starts). Nothing here imports dagster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_NS_PER_DAY = 86_400 * 10**9
_NS_PER_WEEK = 7 * _NS_PER_DAY

#: Number of phases of each calendar seasonality.
CALENDAR_PHASES = {"none": 1, "hour_of_day": 24, "day_of_week": 7, "hour_of_week": 168}

#: A detected period must repeat at least this well (autocorrelation at its lag).
MIN_PERIOD_ACF = 0.4
#: ... and stand this many standard errors (1/sqrt(pairs)) clear of noise.
PERIOD_ACF_Z = 3.0
#: Auto seasonality learns until the lag of the shortest calendar cycle has this many pairs.
MIN_PERIOD_PAIRS = 14


def calendar_phase(index: pd.DatetimeIndex, seasonality: str) -> np.ndarray:
    """Phase of every timestamp for a calendar seasonality (local time of tz-aware indexes)."""
    if seasonality == "none":
        return np.zeros(len(index), dtype=np.int64)
    if seasonality == "hour_of_day":
        return np.asarray(index.hour, dtype=np.int64)
    if seasonality == "day_of_week":
        return np.asarray(index.dayofweek, dtype=np.int64)
    if seasonality == "hour_of_week":
        return np.asarray(index.dayofweek, dtype=np.int64) * 24 + np.asarray(index.hour, dtype=np.int64)
    raise ValueError(f"unknown seasonality {seasonality!r}")


def median_step_ns(times_ns: np.ndarray) -> int:
    """Typical spacing of the timestamps (median difference), at least 1 ns."""
    if len(times_ns) < 2:
        return 0
    return max(int(np.median(np.diff(times_ns))), 1)


def step_phase(times_ns: np.ndarray, step_ns: int, period: int) -> np.ndarray:
    """Phase of every timestamp for a period of `period` steps of `step_ns`."""
    if period <= 1 or step_ns <= 0:
        return np.zeros(len(times_ns), dtype=np.int64)
    steps = np.floor(times_ns / step_ns + 0.5).astype(np.int64)
    return np.mod(steps, period)


def auto_learning_points(step_ns: int) -> int:
    """History an `auto` monitor needs before judging: one shortest calendar cycle plus
    enough points after it (at least another cycle and `MIN_PERIOD_PAIRS`) to see it repeat."""
    period = shortest_calendar_period(step_ns)
    return period + max(period, MIN_PERIOD_PAIRS) if period else 0


def shortest_calendar_period(step_ns: int) -> int:
    """Steps in the shortest calendar cycle that can be seen at this spacing: a day for
    sub-daily series, a week for daily ones, none (0) for coarser series."""
    if step_ns <= 0:
        return 0
    if step_ns < _NS_PER_DAY:
        return max(int(round(_NS_PER_DAY / step_ns)), 2)
    if step_ns < _NS_PER_WEEK:
        return max(int(round(_NS_PER_WEEK / step_ns)), 2)
    return 0


def detect_period(times_ns: np.ndarray, values: np.ndarray, step_ns: int) -> int:
    """The repeating period of a series in steps, or 0 when it has none.

    The series is put on a regular grid of `step_ns`, gaps are filled with the
    median, a linear trend is removed and values are clipped to robust bounds so a
    few outages cannot fake a cycle. The period is the shortest autocorrelation
    peak (after the autocorrelation first falls below 0.2) that reaches 90% of the
    highest peak, repeats at least twice in the data and has autocorrelation of
    at least `MIN_PERIOD_ACF` and `PERIOD_ACF_Z` standard errors.
    """
    resid = _regular_residuals(times_ns, values, step_ns)
    if resid is None:
        return 0
    return _shortest_strong_peak(_autocorrelation(resid))


def _regular_residuals(times_ns: np.ndarray, values: np.ndarray, step_ns: int) -> np.ndarray | None:
    """The series on a regular grid, gaps filled, detrended, clipped and scaled to [-1, 1] (None: unusable)."""
    finite = np.isfinite(values)
    if step_ns <= 0 or finite.sum() < 8:
        return None
    t = times_ns[finite]
    v = values[finite].astype(float)
    pos = np.floor((t - t[0]) / step_ns + 0.5).astype(np.int64)
    length = int(pos[-1]) + 1
    if length < 8 or length > 50 * len(v):
        return None  # too sparse for a grid to mean anything
    grid = np.full(length, np.nan)
    grid[pos] = v
    center = np.median(v)
    grid = np.where(np.isnan(grid), center, grid)
    # Remove a linear trend (closed-form least squares) and clip outages.
    x = np.arange(length, dtype=float) - (length - 1) / 2
    grid = grid - center
    spread = np.max(np.abs(grid))
    if not np.isfinite(spread) or spread == 0:
        return None
    grid = grid / spread
    resid = grid - grid.mean() - x * (x @ grid) / (x @ x)
    k = max(1, length // 200)
    part = np.partition(resid, (k - 1, length - k))
    resid = np.clip(resid, part[k - 1], part[length - k])
    resid = resid - resid.mean()
    peak_size = np.max(np.abs(resid))
    if not np.isfinite(peak_size) or peak_size == 0:
        return None
    return resid / peak_size  # the autocorrelation is scale-free; this avoids overflow


def _autocorrelation(resid: np.ndarray) -> np.ndarray:
    """Unbiased autocorrelation at every lag, through the FFT."""
    length = len(resid)
    size = 1 << int(2 * length - 1).bit_length()
    spectrum = np.fft.rfft(resid, size)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size)[:length]
    return acov / acov[0] * length / np.maximum(length - np.arange(length), 1)  # unbiased


def _shortest_strong_peak(acf: np.ndarray) -> int:
    """The shortest autocorrelation peak within 90% of the highest significant one, or 0."""
    length = len(acf)
    max_lag = length // 2
    if max_lag < 3:
        return 0
    below = np.nonzero(acf[1 : max_lag + 1] < 0.2)[0]
    if len(below) == 0:
        return 0
    start = max(int(below[0]) + 1, 2)
    lags = np.arange(start, max_lag + 1)
    lags = lags[lags + 1 < length]
    if len(lags) == 0:
        return 0
    # An autocorrelation from few pairs is noisy: demand PERIOD_ACF_Z standard errors.
    needed = np.maximum(MIN_PERIOD_ACF, PERIOD_ACF_Z / np.sqrt(length - lags))
    peak = (acf[lags] >= acf[lags - 1]) & (acf[lags] >= acf[lags + 1]) & (acf[lags] >= needed)
    candidates = lags[peak]
    if len(candidates) == 0:
        return 0
    best = acf[candidates].max()
    return int(candidates[acf[candidates] >= 0.9 * best][0])
