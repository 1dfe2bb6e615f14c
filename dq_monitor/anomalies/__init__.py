"""Point anomalies on data frames: fit a model on reference snapshots, score a snapshot, explain rows.

    from dq_monitor.anomalies import score_frame
    scores = score_frame(reference_df, current_df, {"group_by": "user_id"})
    scores[scores.is_anomaly]          # score, raw_score, is_anomaly, severity, reason

For the assets: `fit_model` / `FittedModel.save` / `FittedModel.load` /
`score_with_model` (a frame) or `score_parquet` (a file, chunk by chunk) / `anomaly_rate_outcome`.
Nothing here imports dagster.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dq_monitor.anomalies.spec import AnomalySpec, AnomalySpecError, parse_spec

if TYPE_CHECKING:
    import pandas as pd

# The scoring modules import sklearn; they load on first use so that validating a config
# (which needs only `AnomalySpec`) stays light.
_LAZY = {
    "anomaly_rate_outcome": "check", "check_name": "check", "not_evaluated_outcome": "check",
    "AnomalyInputError": "features", "FeatureEncoder": "features",
    "FittedModel": "fitted", "fit_model": "fitted", "sidecar_path": "fitted",
    "ScoredSnapshot": "scoring", "score_with_model": "scoring", "score_parquet": "scoring",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"dq_monitor.anomalies.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def score_frame(
    reference: pd.DataFrame, current: pd.DataFrame, spec: AnomalySpec | dict[str, Any] | None = None
) -> pd.DataFrame:
    """Fit on `reference`, score `current`: one row per current row, same index.

    Columns: `score` (normalised, threshold = 1.0), `raw_score` (the detector's),
    `is_anomaly`, `severity` (tier name or 'none'), `reason` (plain language, for
    anomalous rows). Notes (skipped columns, ...) are in `result.attrs["notes"]`.
    Raises `AnomalyInputError` with a clear message when the reference cannot make a
    model or `current` lacks the model's columns.
    """
    from dq_monitor.anomalies.features import AnomalyInputError
    from dq_monitor.anomalies.fitted import fit_model
    from dq_monitor.anomalies.scoring import score_with_model

    model = fit_model(reference, spec)
    scored = score_with_model(model, current)
    if scored.problems:
        raise AnomalyInputError("; ".join(scored.problems))
    result = scored.scores
    result.attrs["notes"] = list(scored.notes)
    result.attrs["model_version"] = scored.model_version
    result.attrs["expected_rate"] = scored.expected_rate
    return result


__all__ = [
    "AnomalyInputError",
    "AnomalySpec",
    "AnomalySpecError",
    "FeatureEncoder",
    "FittedModel",
    "ScoredSnapshot",
    "anomaly_rate_outcome",
    "check_name",
    "fit_model",
    "not_evaluated_outcome",
    "parse_spec",
    "score_frame",
    "score_parquet",
    "score_with_model",
    "sidecar_path",
]
