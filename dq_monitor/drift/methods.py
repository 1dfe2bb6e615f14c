"""The drift method names a config may give (Evidently 0.7's stattests), without importing scipy.

`dq_monitor.drift.stattests.STATTESTS` holds the implementations; a test keeps the two equal.
"""

METHOD_NAMES = (
    "TVD", "abs_text_content_drift", "anderson", "chisquare", "cramer_von_mises", "ed", "empirical_mmd", "es",
    "fisher_exact", "g_test", "hellinger", "jensenshannon", "kl_div", "ks", "mannw", "perc_text_content_drift",
    "psi", "t_test", "wasserstein", "z",
)
