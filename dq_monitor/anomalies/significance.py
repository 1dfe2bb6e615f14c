"""The null distributions of the anomaly-rate check: when is a count of unusual rows beyond chance?

Both rules compare a fresh snapshot of m rows with the model's n calibration scores (out-of-sample
scores of reference rows, `BaseDetector._set_threshold`). For exchangeable rows, the share of fresh
rows above a level that j calibration scores reach is at most Beta(j + 1, n - j)-distributed (exact
when the level is an order statistic), so the count of the m rows above it is beta-binomial: that
is `rate_p_value`, for the anomaly threshold (the rate test) and for the fail tier (`tier_verdict`).
The Beta spread is what a plain binomial ignores, and it dominates at millions of rows.

The fail tier used to fail a snapshot on *any* row at it: a rule without an alpha whose false-alarm
probability grows with m (some clean row tops any fixed level once m is large: 3 rows of a clean
5M-row snapshot did; 38-50 of 50 clean 20,000-row partitions with a lognormal column did).
`tier_verdict` fails only when the rows at the tier are beyond chance, distribution-free:
- their count, by the beta-binomial above ("ten absurd readings in two thousand rows"), at `P_VALUE`;
- or the highest of them alone: its conformal p-value (k + 1) / (n + 1), k = calibration scores at or
  above it, at most `P_VALUE` / m (Bonferroni over the snapshot's rows). That can only happen when
  m <= P_VALUE (n + 1): one absurd row fails a snapshot small next to the reference, not a large one;
- or the highest row alone under a Pareto tail (`pareto_p_value`): the k calibration scores above the
  threshold give the tail's Pareto index (Hill's estimator on their distinct values, at its 99% lower
  confidence bound, so the fitted tail is heavier than the data's), and a row beyond every calibration score gets
  P(score >= s) = k / (n + 1) * s^-index, at most `P_VALUE` / m. A Pareto tail is heavier than the tails
  of normal, exponential, lognormal and bounded scores, so for those it overstates how often a clean row
  goes that far: four payments of 10,000 among 400 of ~100 +- 10 fail; 3 clean rows of 5M at the
  'medium' tier (normalised score ~2) do not. (An exponential tail, measured first, was too light: a
  lognormal column's clean extremes failed 18 of 50 clean 20,000-row partitions.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Significance of each one-sided test of the check (the rate, the tier count, the most extreme row).
P_VALUE = 1e-3
#: Calibration scores above the threshold needed to fit the Pareto tail (fewer: the rank rules only).
MIN_TAIL_FOR_INDEX = 3


def rate_p_value(k: int, n: int, expected_rate: float, calibration_rows: int = 0) -> float:
    """P(at least k of n fresh clean rows above a level whose expected exceedance is `expected_rate`).

    With the calibration size c known, the rate above a conformal level is Beta(a, c + 1 - a),
    a = expected_rate * (c + 1) (calibration rows above it + 1), so the count is beta-binomial; without
    it (models saved before it was recorded) binomial around the expected rate.
    """
    if k <= 0:
        return 1.0
    from scipy.stats import betabinom, binom  # scipy only when a snapshot is scored

    if calibration_rows > 0:
        a = expected_rate * (calibration_rows + 1)
        return float(betabinom.sf(k - 1, n, a, calibration_rows + 1 - a))
    return float(binom.sf(k - 1, n, expected_rate))


@dataclass(frozen=True)
class TierVerdict:
    """What the `fail_on_tier` rule found in one snapshot."""

    rows: int  # snapshot rows at or above the tier
    fails: bool
    # None for a model saved without its calibration tail:
    reference_rows: int | None = None  # calibration rows at or above the tier
    count_p_value: float | None = None  # P(this many rows at the tier by chance)
    top_row_p_value: float | None = None  # the highest row's conformal p-value (before the Bonferroni factor m)


def tier_verdict(scores: np.ndarray, level: float, tail: np.ndarray | None, calibration_rows: int) -> TierVerdict:
    """The tier rule on a snapshot's normalised `scores`: `level` is the tier's lowest score, `tail` the
    model's sorted top calibration scores on the same scale (None: a model saved before they were kept,
    judged by the old rule, any row at the tier fails)."""
    at = scores >= level
    rows, m = int(at.sum()), len(scores)
    if tail is None or calibration_rows <= 0:
        return TierVerdict(rows, rows > 0)
    n = calibration_rows
    j = int(len(tail) - np.searchsorted(tail, level, side="left"))
    if rows == 0:
        return TierVerdict(0, False, j, 1.0, 1.0)
    count_p = rate_p_value(rows, m, (j + 1) / (n + 1), n)
    top = float(scores[at].max())
    top_p = float(row_p_values(np.array([top]), tail, n)[0])
    pareto = pareto_p_value(top, tail, n)
    if pareto is not None:
        top_p = min(top_p, pareto)
    return TierVerdict(rows, count_p < P_VALUE or top_p <= P_VALUE / m, j, count_p, top_p)


def pareto_p_value(value: float, tail: np.ndarray, calibration_rows: int) -> float | None:
    """P(a clean row scores at least `value`) under a Pareto tail fitted to the calibration scores above the
    threshold (`tail`, normalised: the threshold is 1.0), its index at the 99% lower confidence bound; None for a
    value within the calibration scores (the rank p-value is exact there) or too few scores to fit."""
    if tail.size == 0 or value <= float(tail[-1]):
        return None
    # Distinct scores only: ties (discrete data piles rows onto a few scores, often the threshold itself) would
    # shrink the log-excesses' sum against their count and fit a tail far lighter than the data's.
    levels = np.unique(np.maximum(tail, 1.0))
    total = float(np.log(levels).sum())  # 2 * index * total ~ chi2(2 k) for k scores of an exact Pareto tail
    if levels.size < MIN_TAIL_FOR_INDEX or total <= 0.0:
        return None
    from scipy.stats import chi2

    index = float(chi2.ppf(0.01, 2 * levels.size)) / (2.0 * total)
    return float(tail.size / (calibration_rows + 1.0) * value ** -index)


def row_p_values(values: np.ndarray, tail: np.ndarray, calibration_rows: int) -> np.ndarray:
    """Each value's conformal p-value (k + 1) / (n + 1) against the n calibration scores whose sorted top
    (every score at or above the lowest value asked about) is `tail`; k = those at or above the value."""
    above = len(tail) - np.searchsorted(tail, values, side="left")
    return (above + 1.0) / (calibration_rows + 1.0)
