"""The drift method names a config may give (Evidently 0.7's stattests), without importing scipy.

`dq_monitor.drift.stattests.STATTESTS` holds the implementations; a test keeps the two equal.
"""

METHOD_NAMES = (
    "TVD", "abs_text_content_drift", "anderson", "chisquare", "cramer_von_mises", "ed", "empirical_mmd", "es",
    "fisher_exact", "g_test", "hellinger", "jensenshannon", "kl_div", "ks", "mannw", "perc_text_content_drift",
    "psi", "t_test", "wasserstein", "z",
)

#: The calibrated mode's defaults: Benjamini-Hochberg level across columns, and the smallest effect
#: (normed Wasserstein / Cramer's V) that counts as drift (Cohen's "small" for V; Evidently's default
#: Wasserstein threshold).
DEFAULT_ALPHA = 0.05
DEFAULT_EFFECT_FLOOR = 0.1
