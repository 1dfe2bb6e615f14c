"""Data drift, computed once and vectorised: a calibrated test (`mode: dq_monitor`, the default;
see `dq_monitor.drift.calibrated`) or Evidently 0.7's DataDriftPreset semantics (`mode: evidently`).

Frame-level API (no dagster here)::

    from dq_monitor.drift import compare, render_html, to_check_outcome
    result = compare(reference_df, current_df, {"drift_share": 0.5, "ignore_columns": ["id"]})
    result.dataset_drift, result.drift_share, result.column("temp").score
    render_html(reference_df, current_df, result, "report.html", sample_rows=5000)
    outcome = to_check_outcome(result, "bikes", "2011-07", reference="snapshot 2011-01")

Either side may also be a `ColumnSource` (`dq_monitor.drift.sources`): column names, a row count and
one column on request, e.g. a Parquet file read column by column, or a `ReferenceSource` window of
them; `compare` then holds only the columns its threads work on, and gives the frame's result.

`mode: evidently` semantics (read from evidently 0.7 `presets/drift.py`, `core/datasets.py`,
`legacy/calculations/data_drift.py`, `legacy/calculations/stattests/*`):

* Column types are inferred on the *current* frame: float -> numeric; int ->
  categorical when it has at most 10 distinct values, else numeric; strings ->
  categorical, or text when more than half the non-null values are distinct; bool
  and category -> categorical. Datetime, uint, nullable extension dtypes and
  other objects are not compared (reported as skipped, as Evidently ignores them).
* Each side is cleaned on its own (±inf -> NaN, NaN dropped). With at most 1000
  cleaned reference rows: numeric -> K-S (p <= 0.05 drifts), unless at most 5
  distinct values over both sides; categorical/few-valued -> chi-square (p < 0.05)
  or, with at most 2 values ("binary"), the two-proportion Z-test (p < 0.05). Above
  1000 reference rows: numeric -> Wasserstein distance normed by the reference std
  (floored at 0.001; >= 0.1 drifts), few-valued numeric and categorical ->
  Jensen-Shannon distance (>= 0.1). Text -> Evidently's text content drift.
* The dataset drifts when drifted / compared columns >= `drift_share` (0.5).
* Method/threshold overrides resolve like `DataDriftOptions`: per-column, then
  per type (`num_method`/`cat_method`), then global, then automatic.

Speed: Evidently's preset computes every column's drift three times (ValueDrift,
DatasetDriftMetric, DataDriftTable) plus correlations and plotly figures on the
full data. Here each column is cleaned and sorted or counted once, and the
statistic runs on that (the normed Wasserstein distance is an exact finite sum
over the two sorted samples, see `stattests.wasserstein_sorted`); columns run in
parallel threads. Methods without a fast twin (anderson, mannw, text drift, ...)
run Evidently's own function on the cleaned column, so every configured method
gives Evidently's result. Scores equal Evidently's up to float rounding (~1e-15
relative), so verdicts are identical except for a score within rounding of its
threshold.

HTML (`render_html`): still Evidently's own `Report([DataDriftPreset()])`, run on a
uniform random sample of at most `sample_rows` rows per side with the column
types pinned and, per column, a one-off Evidently StatTest that returns the
full-data score and verdict. So the verdicts, scores, drifted count and share in
the HTML are exact; only the plots come from the sample. Error bound of the plots:
for a uniform sample of k rows, the sampled empirical CDF is within
sqrt(ln(2/a) / (2k)) of the full-data one everywhere with probability 1 - a
(Dvoretzky-Kiefer-Wolfowitz), so with k = 5000 every histogram bar's share and
every plotted quantile is within 1.9 percentage points of the full data with 95%
probability (1.0 points at k = 20000); categories rarer than about 1/k may not
appear in the plots at all.
"""

import importlib
from typing import Any

from dq_monitor.drift.spec import (
    ColumnOverride,
    DriftSpec,
    ReferenceSelection,
    ReferenceSpec,
    ReferenceUnavailable,
    build_reference_frame,
    parse_spec,
    select_reference,
)

# The engine and the renderer import scipy and Evidently; they load on first use so that
# validating a config (which needs only `DriftSpec`) stays light.
_LAZY = {
    "prune_report_artifacts": "artifacts", "write_report_artifact": "artifacts",
    "ColumnDrift": "engine", "DriftResult": "engine", "compare": "engine",
    "check_name": "outcome", "drift_metrics": "outcome", "has_findings": "outcome", "markdown_table": "outcome", "to_check_outcome": "outcome",
    "render_html": "render", "render_html_string": "render",
    "ColumnSource": "sources", "ReferenceSource": "sources",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"dq_monitor.drift.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ColumnDrift",
    "ColumnOverride",
    "ColumnSource",
    "DriftResult",
    "DriftSpec",
    "ReferenceSelection",
    "ReferenceSource",
    "ReferenceSpec",
    "ReferenceUnavailable",
    "build_reference_frame",
    "check_name",
    "compare",
    "drift_metrics",
    "has_findings",
    "markdown_table",
    "parse_spec",
    "prune_report_artifacts",
    "render_html",
    "render_html_string",
    "select_reference",
    "to_check_outcome",
    "write_report_artifact",
]
