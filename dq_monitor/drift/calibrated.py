"""`mode: dq_monitor`: a calibrated two-sample test per column, an effect-size floor, and
Benjamini-Hochberg across columns.

Per column (typed and cleaned exactly as in `mode: evidently`):

* **Numeric** (more than 5 distinct values): two-sample Kolmogorov-Smirnov test
  (scipy `ks_2samp` with its exact p-value while both sides have at most 10,000 rows and
  the exact sum is computable; above, the statistic from the sorted samples and Kolmogorov's
  limiting distribution; ties make it conservative, never anti-conservative). Effect: Wasserstein-1
  distance divided by the reference standard deviation (the pooled one when the
  reference is constant), so a mean shift of d standard deviations has effect d.
* **Categorical, binary and numeric with at most 5 values**: a 2 x K table of counts
  (reference and current rows). Categories whose total count is too small for an expected
  cell count of 5 on the smaller side (total < 5 * N / min(n_ref, n_cur)) are pooled into
  one group, which joins the smallest kept category if it is still too small; so a
  category absent on one side is part of a test of homogeneity instead of an expected
  count of 0 (Evidently's goodness-of-fit chi-square, which also treats the reference
  shares as exact). Two groups: Fisher's exact test. More: chi-square test of
  homogeneity, its p-value by permutation (`PERMUTATIONS` random tables with the
  observed margins, seeded) up to `PERMUTATION_MAX_ROWS` rows, asymptotic above. Effect:
  Cramér's V of the pooled table with both sides weighted equally,
  V = 1/2 * sqrt(sum_k (p_k - q_k)^2 / m_k), m = (p + q) / 2 (the usual V when the two
  sides have the same size; independent of their size ratio; 0 to 1). Text columns
  (strings, mostly distinct) are compared the same way, by their frequent values; a
  configured text method (e.g. `abs_text_content_drift`) uses Evidently's.

The p-values of all calibrated columns of one comparison are adjusted by
Benjamini-Hochberg; a column drifts when its adjusted p-value is <= `alpha` (0.05, so
the expected share of false discoveries among flagged columns is at most 5%) and its
effect is at or above the floor (0.1: Cohen's "small" w for Cramér's V; for the normed
Wasserstein distance it is Evidently's default threshold, half of Cohen's small d =
0.2). The p-value controls false alarms on small snapshots, where chance differences
are large; the floor stops a large snapshot from drifting on a difference too small
to matter, so a same-distribution snapshot with more rows does not drift.
"""

from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass

import numpy as np
from scipy import stats

from dq_monitor.drift.methods import DEFAULT_ALPHA, DEFAULT_EFFECT_FLOOR  # noqa: F401 (re-exported)

MIN_EXPECTED = 5.0  # Cochran's rule: every expected cell count >= 5 after pooling
PERMUTATIONS = 5000  # Monte Carlo permutations: smallest p-value 1 / 5001
PERMUTATION_MAX_ROWS = 10_000  # above this many rows the chi-square approximation is used
KS_EXACT_MAX_ROWS = 10_000  # scipy's 'auto' limit for the exact K-S p-value
KS_BLOCK = 1 << 16  # sample points per step of the K-S statistic (temporaries ~3 MB; 1M x 1M: 96 -> ~45 ms)
MAX_UNPOOLED_VALUES = 50  # an unpoolable table with more distinct values than this is not tested
NUMERIC_EFFECT = "normed Wasserstein"
CATEGORICAL_EFFECT = "Cramér's V"


@dataclass(frozen=True)
class CalibratedMethod:
    name: str
    test_name: str
    effect_name: str
    types: tuple[str, ...] = ("num", "cat")

    @property
    def display_name(self) -> str:
        return f"{self.test_name} + {self.effect_name}"


CALIBRATED: dict[str, CalibratedMethod] = {
    m.name: m
    for m in (
        CalibratedMethod("dq_ks", "K-S", NUMERIC_EFFECT, ("num",)),
        CalibratedMethod("dq_fisher", "Fisher exact", CATEGORICAL_EFFECT),
        CalibratedMethod("dq_chisquare", "chi-square", CATEGORICAL_EFFECT),
        CalibratedMethod("dq_permutation", "permutation chi-square", CATEGORICAL_EFFECT),
    )
}


@dataclass(frozen=True)
class CalibratedScore:
    method: str
    p_value: float
    effect: float
    effect_name: str
    note: str | None = None


def column_seed(seed: int, column: str) -> list[int]:
    """A per-column seed, so permutation p-values do not depend on column order or threads."""
    return [int(seed) & 0xFFFFFFFF, zlib.crc32(column.encode("utf-8"))]


def pool_rare(ref_counts: np.ndarray, cur_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Pool categories too rare for an expected count of 5 on the smaller side.

    Returns the pooled reference and current counts (one entry per group) and how many
    categories went into the pooled group.
    """
    total = ref_counts + cur_counts
    present = total > 0
    ref, cur, total = ref_counts[present], cur_counts[present], total[present]
    n_total = float(total.sum())
    need = MIN_EXPECTED * n_total / min(float(ref.sum()), float(cur.sum()))
    keep = total >= need
    pooled = int(np.count_nonzero(~keep))
    keep_ref, keep_cur = list(ref[keep]), list(cur[keep])
    other = (float(ref[~keep].sum()), float(cur[~keep].sum()))
    if other[0] + other[1] > 0:
        if other[0] + other[1] >= need or not keep_ref:
            keep_ref.append(other[0])
            keep_cur.append(other[1])
        else:  # still too small: it joins the smallest kept category
            smallest = int(np.argmin(np.add(keep_ref, keep_cur)))
            keep_ref[smallest] += other[0]
            keep_cur[smallest] += other[1]
    return np.asarray(keep_ref, dtype=np.float64), np.asarray(keep_cur, dtype=np.float64), pooled


def cramers_v_balanced(ref: np.ndarray, cur: np.ndarray) -> float:
    """Cramér's V of a 2 x K table with both rows rescaled to the same total."""
    p, q = ref / ref.sum(), cur / cur.sum()
    m = (p + q) / 2
    present = m > 0
    return float(0.5 * np.sqrt(np.sum((p[present] - q[present]) ** 2 / m[present])))


def _chi2_statistic(cur: np.ndarray, totals: np.ndarray, n_ref: float, n_cur: float) -> np.ndarray:
    """Pearson's statistic of 2 x K tables with fixed margins, from the current row (last axis = K)."""
    n = n_ref + n_cur
    exp_cur, exp_ref = totals * (n_cur / n), totals * (n_ref / n)
    return np.sum((cur - exp_cur) ** 2 * (1.0 / exp_cur + 1.0 / exp_ref), axis=-1)


def _permutation_p(ref: np.ndarray, cur: np.ndarray, rng: np.random.Generator) -> float:
    """Monte Carlo permutation p-value of the chi-square statistic (margins fixed)."""
    totals = ref + cur
    n_ref, n_cur = float(ref.sum()), float(cur.sum())
    observed = _chi2_statistic(cur, totals, n_ref, n_cur)
    draws = rng.multivariate_hypergeometric(totals.astype(np.int64), int(n_cur), size=PERMUTATIONS)
    simulated = _chi2_statistic(draws.astype(np.float64), totals, n_ref, n_cur)
    at_least = int(np.count_nonzero(simulated >= observed * (1 - 1e-12)))
    return (1 + at_least) / (PERMUTATIONS + 1)


def categorical_test(ref_counts: np.ndarray, cur_counts: np.ndarray, seed: list[int]) -> CalibratedScore:
    """Test of homogeneity of a 2 x K table after pooling rare categories (see the module docstring)."""
    ref, cur, pooled = pool_rare(np.asarray(ref_counts, float), np.asarray(cur_counts, float))
    note = f"{pooled} rare value(s) pooled (expected count < {MIN_EXPECTED:g})" if pooled else None
    if len(ref) < 2:  # too few rows for any split into adequately filled groups: permute the raw table
        present = (ref_counts + cur_counts) > 0
        raw_ref, raw_cur = np.asarray(ref_counts, float)[present], np.asarray(cur_counts, float)[present]
        if len(raw_ref) < 2:
            return CalibratedScore("dq_permutation", 1.0, 0.0, CATEGORICAL_EFFECT, note)
        if len(raw_ref) > MAX_UNPOOLED_VALUES:  # e.g. free text: every value rare, nothing to compare
            note = f"no value is frequent enough to compare (all {len(raw_ref)} are rarer than an expected count of 5)"
            return CalibratedScore("dq_permutation", 1.0, cramers_v_balanced(ref, cur), CATEGORICAL_EFFECT, note)
        p_value = _permutation_p(raw_ref, raw_cur, np.random.default_rng(seed))
        note = "too few rows to pool categories to an expected count of 5: unpooled permutation test"
        return CalibratedScore("dq_permutation", p_value, cramers_v_balanced(raw_ref, raw_cur), CATEGORICAL_EFFECT, note)
    effect = cramers_v_balanced(ref, cur)
    if len(ref) == 2:
        p_value = float(stats.fisher_exact([[ref[0], ref[1]], [cur[0], cur[1]]]).pvalue)
        return CalibratedScore("dq_fisher", min(p_value, 1.0), effect, CATEGORICAL_EFFECT, note)
    if ref.sum() + cur.sum() <= PERMUTATION_MAX_ROWS:
        p_value = _permutation_p(ref, cur, np.random.default_rng(seed))
        return CalibratedScore("dq_permutation", p_value, effect, CATEGORICAL_EFFECT, note)
    statistic = float(_chi2_statistic(cur, ref + cur, float(ref.sum()), float(cur.sum())))
    p_value = float(stats.chi2.sf(statistic, len(ref) - 1))
    return CalibratedScore("dq_chisquare", p_value, effect, CATEGORICAL_EFFECT, note)


def normed_wasserstein(ref_sorted: np.ndarray, cur_sorted: np.ndarray) -> float:
    """Wasserstein-1 distance over the reference std (the pooled std when the reference is constant)."""
    from dq_monitor.drift.stattests import wasserstein_sorted

    distance = wasserstein_sorted(ref_sorted, cur_sorted)
    if distance == 0.0:
        return 0.0
    scale = float(np.std(ref_sorted))
    if scale == 0.0:
        scale = float(np.std(np.concatenate([ref_sorted, cur_sorted])))
    return distance / scale


def ks_statistic_sorted(u: np.ndarray, v: np.ndarray) -> float:
    """The two-sample K-S statistic sup |F_u - F_v| of two sorted samples (ties allowed), from one search of
    `u`'s distinct values in `v` (scipy concatenates and sorts; searching both ways costs twice this).

    For each distinct value x of `u`, with f / l the indices of its first / last copy: just after x,
    F_u - F_v = (l + 1) / n - #(v <= x) / m, the largest it gets on [x, next value of u); just before x,
    F_v - F_u = #(v < x) / m - f / n, the largest F_v - F_u gets since the previous value of u (beyond the
    last value of u, F_u = 1 and F_v - F_u <= 0). #(v < x) is #(v <= x) unless x is also in `v` (then
    searched again, for those values only). `KS_BLOCK` points of `u` at a time, each block searched only in
    the part of `v` its values span: small temporaries at any size, the same maximum."""
    n, m = u.size, v.size
    best, first = 0.0, 0  # `first`: index of the first copy of the next distinct value of u
    for start in range(0, n, KS_BLOCK):
        stop = min(start + KS_BLOCK, n)
        block = u[start:stop + 1]  # one value more: is the block's last value continued in the next block?
        last = block[:-1] != block[1:]
        ends = np.flatnonzero(np.append(last, True) if stop == n else last) + start
        if not ends.size:
            continue
        x = u[ends]
        lo, hi = np.searchsorted(v, x[0], "left"), np.searchsorted(v, x[-1], "right")
        at_most = np.searchsorted(v[lo:hi], x, "right") + lo  # #(v <= x)
        best = max(best, float(np.max((ends + 1) / n - at_most / m)))
        firsts = np.empty_like(ends)
        firsts[0], firsts[1:] = first, ends[:-1] + 1
        first = int(ends[-1]) + 1
        below = at_most  # #(v < x)
        tied = np.flatnonzero((at_most > 0) & (v[np.maximum(at_most - 1, 0)] == x))
        if tied.size:
            below = at_most.copy()
            below[tied] = np.searchsorted(v, x[tied], "left")
        best = max(best, float(np.max(below / m - firsts / n)))
    return best


def numeric_test(ref_sorted: np.ndarray, cur_sorted: np.ndarray) -> CalibratedScore:
    if max(ref_sorted.size, cur_sorted.size) > KS_EXACT_MAX_ROWS:
        # Kolmogorov's limiting distribution at sqrt(n m / (n + m)) * D. scipy's asymptotic `kstwo.sf`
        # at the effective size is within ~2% of it above 10,000 rows (and slightly smaller, so this is
        # the conservative side) but costs ~0.75 s per column at 1M rows.
        n, m = float(ref_sorted.size), float(cur_sorted.size)
        d = ks_statistic_sorted(ref_sorted, cur_sorted)
        p_value = float(np.clip(stats.kstwobign.sf(np.sqrt(n * m / (n + m)) * d), 0.0, 1.0))
        return CalibratedScore("dq_ks", p_value, normed_wasserstein(ref_sorted, cur_sorted), NUMERIC_EFFECT)
    with warnings.catch_warnings():
        # scipy falls back from the exact to the asymptotic p-value when the exact sum under- or
        # overflows (tiny p-values at large sizes) and says so with a RuntimeWarning: expected here.
        warnings.simplefilter("ignore", RuntimeWarning)
        p_value = float(stats.ks_2samp(ref_sorted, cur_sorted, method="auto").pvalue)
    return CalibratedScore("dq_ks", p_value, normed_wasserstein(ref_sorted, cur_sorted), NUMERIC_EFFECT)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (step-up; capped at 1)."""
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out
