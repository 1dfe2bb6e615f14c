"""The Evidently HTML drift report, rendered cheaply from a bounded sample.

`compare` has already computed every column's score and verdict on the full
data. Rendering then runs Evidently's own `Report([DataDriftPreset(...)])` on a
uniform random sample of at most `sample_rows` rows per side, with two inputs
that make the report tell the full-data truth:

* the column types are fixed by an explicit `DataDefinition` (so a sample can't
  turn an int column into a categorical one), and
* every column gets a one-off Evidently `StatTest` that returns the full-data
  score and verdict computed by `compare`; its name reads e.g.
  "Wasserstein distance (normed), full data".

So the verdicts, scores, drifted count and share in the HTML are exact; only the
distribution plots are drawn from the sample (see `dq_monitor.drift` for the
error bound). Evidently is imported here, lazily, and nowhere else on the
compare path.
"""

from __future__ import annotations

import html as html_lib
import threading
import uuid
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from dq_monitor.drift.engine import ColumnDrift, DriftResult
from dq_monitor.drift.sources import ColumnSource, as_source

_REGISTRY_LOCK = threading.Lock()


def _take(source: ColumnSource, columns: list[str], rows: np.ndarray | None) -> pd.DataFrame:
    """`rows` (positions; None: all) of `columns`, read one column at a time (index reset: never aligned)."""
    def picked(column: str) -> pd.Series:
        values = source.column(column)
        return (values if rows is None else values.take(rows)).reset_index(drop=True)

    return pd.DataFrame({c: picked(c) for c in columns}, columns=columns)


def sample_rows(data: "pd.DataFrame | ColumnSource", columns: list[str], n: int, seed: int) -> pd.DataFrame:
    """A uniform random sample of at most `n` rows (original order kept), topped up so that
    every column keeps some non-missing values when the full data has them. Reads one column at a time."""
    source = as_source("data", data)
    if len(source) <= n:
        return _take(source, columns, None)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(source), size=n, replace=False))
    sample = _take(source, columns, rows)
    extra = []
    for column in columns:
        if sample[column].notna().any():
            continue
        present = np.flatnonzero(source.column(column).notna().to_numpy())
        if present.size:
            extra.append(present[: min(100, present.size)])
    if extra:
        rows = np.union1d(rows, np.concatenate(extra))
        sample = _take(source, columns, rows)
    return sample


def _exact_stattest(col: ColumnDrift, tag: str):
    """An Evidently StatTest that answers with the full-data result of `col`."""
    from evidently.legacy.calculations.stattests.registry import (
        StatTest,
        register_stattest,
    )
    from evidently.legacy.core import ColumnType

    score, drifted = float(col.score), bool(col.drifted)

    def full_data_result(reference_data, current_data, feature_type, threshold):
        return score, drifted

    test = StatTest(
        name=f"dq_monitor_full_data_{tag}_{col.column}",
        display_name=_display_name(col),
        allowed_feature_types=[ColumnType(col.evidently_type)],
        default_threshold=float(col.threshold),
    )
    register_stattest(test, full_data_result)
    return test, full_data_result


def _display_name(col: ColumnDrift) -> str:
    if col.calibrated:  # the score Evidently shows is the effect size, its threshold the floor
        return f"{col.effect_name}, full data ({col.test_name} p_adj {col.p_value_adjusted:.3g})"
    return f"{col.method_display_name}, full data"


def _unregister(tests) -> None:
    from evidently.legacy.calculations.stattests import registry

    for test, func in tests:
        registry._registered_stat_tests.pop(test.name, None)
        registry._impls.pop(test, None)
        registry._registered_stat_test_funcs.pop(func, None)


def _banner(result: DriftResult, ref_sample: int, cur_sample: int) -> str:
    text = (
        f"dq_monitor: drift scores and verdicts below are computed on the full data "
        f"({result.reference_rows} reference rows, {result.current_rows} current rows); "
        f"distribution plots are drawn from a uniform random sample "
        f"({ref_sample} reference rows, {cur_sample} current rows)."
    )
    skipped = [c for c in result.columns if c.status != "compared"]
    if skipped:
        text += " Not compared: " + "; ".join(f"{c.column} ({c.problem})" for c in skipped) + "."
    style = "font-family:sans-serif;font-size:13px;padding:8px 12px;background:#f4f6fa;border-bottom:1px solid #ccd"
    return f'<div id="dq-monitor-note" style="{style}">{html_lib.escape(text)}</div>'


def render_html_string(
    reference: "pd.DataFrame | ColumnSource",
    current: "pd.DataFrame | ColumnSource",
    result: DriftResult,
    sample_rows_per_side: int = 5000,
    seed: int = 0,
) -> str:
    """The Evidently DataDriftPreset HTML for `result` (see the module docstring)."""
    compared = list(result.compared)
    if not compared:
        reason = result.problem or "no column could be compared"
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Drift report</title></head><body>"
            f"<h2>No drift report</h2><p>{html_lib.escape(reason)}</p></body></html>"
        )
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    names = [c.column for c in compared]
    by_type = {t: [c.column for c in compared if c.evidently_type == t] for t in ("num", "cat", "text")}
    definition = DataDefinition(
        numerical_columns=by_type["num"],
        categorical_columns=by_type["cat"],
        text_columns=by_type["text"],
        datetime_columns=[],
        unknown_columns=[],
        list_columns=[],
    )
    ref_sample = sample_rows(reference, names, sample_rows_per_side, seed)
    cur_sample = sample_rows(current, names, sample_rows_per_side, seed + 1)
    tag = uuid.uuid4().hex[:12]
    with _REGISTRY_LOCK:
        tests = [_exact_stattest(c, tag) for c in compared]
    try:
        preset = DataDriftPreset(
            columns=names,
            drift_share=result.share_threshold,
            per_column_method={c.column: t for c, (t, _) in zip(compared, tests)},
            per_column_threshold={c.column: float(c.threshold) for c in compared},
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            snapshot = Report([preset]).run(
                Dataset.from_pandas(cur_sample.reset_index(drop=True), data_definition=definition),
                Dataset.from_pandas(ref_sample.reset_index(drop=True), data_definition=definition),
            )
            page = snapshot.get_html_str(as_iframe=False)
    finally:
        with _REGISTRY_LOCK:
            _unregister(tests)
    banner = _banner(result, len(ref_sample), len(cur_sample))
    at = page.find("<body")
    if at >= 0:
        close = page.find(">", at) + 1
        return page[:close] + banner + page[close:]
    return banner + page


def render_html(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    result: DriftResult,
    path: "str | Path",
    sample_rows: int = 5000,
    seed: int = 0,
) -> Path:
    """Write the Evidently HTML report for `result` to `path` and return the path."""
    page = render_html_string(reference, current, result, sample_rows_per_side=sample_rows, seed=seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
