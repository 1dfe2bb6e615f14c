"""Fitting, versioning, persisting and applying an anomaly model.

`fit_model(reference, spec)` returns a `FittedModel`: the feature encoder, the fitted
detector, the threshold it calibrated on the reference, and the metadata a user
needs to trust it (version, training snapshots, features and dtypes, fitted_at,
parameters). `save(path)` writes the model with joblib plus a JSON sidecar a human
(or the UI) can read without unpickling. Scoring (`score_with_model`, `score_parquet`) is in
`dq_monitor.anomalies.scoring`.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn

from dq_monitor.anomalies.features import (
    AnomalyInputError,
    FeatureEncoder,
    string_labels,
)
from dq_monitor.anomalies.scoring import (
    CHUNK_ROWS,
    ScoredSnapshot,
    empty_scores,
    normalised,
    score_with_model,
)
from dq_monitor.anomalies.spec import AnomalySpec, parse_spec
from dq_monitor.detectors import BaseDetector, DetectorInputError, build

#: Bump when the pickled layout changes; `load` refuses other formats.
FORMAT_VERSION = 1
#: Reference rows the detector itself is fitted on (a seeded sample beyond this).
MAX_DETECTOR_FIT_ROWS = 100_000
SCORE_COLUMNS = ("score", "raw_score", "is_anomaly", "severity", "reason")
__all__ = ["CHUNK_ROWS", "FittedModel", "ScoredSnapshot", "empty_scores", "fit_model", "score_with_model",
           "sidecar_path"]


@dataclass
class FittedModel:
    """A detector fitted on a reference window, with everything needed to score and audit it."""

    version: str
    detector_name: str
    spec: AnomalySpec
    encoder: FeatureEncoder
    detector: BaseDetector
    threshold: float
    score_median: float
    expected_rate: float
    n_reference_rows: int
    snapshot_ids: tuple[str, ...]
    fitted_at: str
    notes: tuple[str, ...] = ()
    library_versions: dict[str, str] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    #: Reference rows the threshold was calibrated on (0: unknown, a model saved before it was recorded).
    calibration_rows: int = 0
    #: The top of those calibration scores, sorted and normalised: the rate check's tier rule (None: not kept).
    calibration_tail: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def features(self) -> list[str]:
        return self.encoder.columns

    @property
    def dtypes(self) -> dict[str, str]:
        return {c: self.encoder.dtypes[c] for c in self.features}

    def metadata(self) -> dict[str, Any]:
        """What the JSON sidecar holds (and what the model asset shows in the UI)."""
        return {
            "version": self.version,
            "format_version": self.format_version,
            "detector": self.detector_name,
            "params": self.spec.model_dump(mode="json"),
            "detector_params": {k: _plain(v) for k, v in self.detector.get_params(deep=False).items()},
            "features": self.features,
            "feature_kinds": self.encoder.kinds,
            "dtypes": self.dtypes,
            "group_by": self.spec.group_by,
            "groups_with_own_baseline": 0 if self.encoder.baseline is None else len(self.encoder.baseline.groups),
            "threshold": self.threshold,
            "score_median": self.score_median,
            "expected_rate": self.expected_rate,
            "calibration_rows": self.calibration_rows,
            "n_reference_rows": self.n_reference_rows,
            "snapshot_ids": list(self.snapshot_ids),
            "fitted_at": self.fitted_at,
            "notes": list(self.notes),
            "library_versions": self.library_versions,
        }

    def save(self, path: str | Path) -> Path:
        """Write `path` (joblib) and `path` + `.json` (metadata); returns the model path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)
        sidecar_path(path).write_text(json.dumps(self.metadata(), indent=2, sort_keys=True), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "FittedModel":
        """Read a model written by `save`; a clear error for missing, foreign or outdated files."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"anomaly model file not found: {path}")
        model = joblib.load(path)
        if not isinstance(model, FittedModel):
            raise AnomalyInputError(f"{path} does not hold a dq_monitor anomaly model (got {type(model).__name__})")
        if model.format_version != FORMAT_VERSION:
            raise AnomalyInputError(
                f"{path} was written in model format {model.format_version}; this dq_monitor reads "
                f"{FORMAT_VERSION}: re-materialise the model"
            )
        trained = model.library_versions.get("scikit-learn")
        if trained and trained != sklearn.__version__:
            warnings.warn(
                f"anomaly model {model.version} was fitted with scikit-learn {trained}, running {sklearn.__version__}",
                stacklevel=2,
            )
        return model


def sidecar_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".json")


def fit_model(
    reference: pd.DataFrame,
    spec: AnomalySpec | dict[str, Any] | None = None,
    *,
    snapshot_ids: tuple[str, ...] | list[str] = (),
) -> FittedModel:
    """Fit the spec's detector on the reference frame (the training window).

    Raises `AnomalyInputError` with a plain message when the reference cannot make a
    model: too few rows, no usable columns, configured columns absent.
    """
    spec = parse_spec(spec)
    if not isinstance(reference, pd.DataFrame):
        raise AnomalyInputError(f"reference must be a pandas DataFrame, got {type(reference).__name__}")
    reference = string_labels(reference)
    n = len(reference)
    if n < spec.min_reference_rows:
        raise AnomalyInputError(
            f"the reference window has {n:,} row(s); at least {spec.min_reference_rows} are needed to learn "
            "what normal rows look like (min_reference_rows)"
        )
    encoder = FeatureEncoder.fit(
        reference,
        columns=spec.columns,
        ignore=spec.ignore_columns,
        group_by=spec.group_by,
        min_group_size=spec.min_group_size,
    )
    notes = list(encoder.notes)
    detector = _fit_detector(reference, encoder, spec, notes)
    fitted_at = datetime.now(timezone.utc)
    digest = hashlib.sha256(
        json.dumps(
            [spec.model_dump(mode="json"), encoder.columns, list(map(str, snapshot_ids)), n], sort_keys=True
        ).encode()
    ).hexdigest()[:10]
    return FittedModel(
        version=f"{fitted_at:%Y%m%dT%H%M%SZ}-{digest}",
        detector_name=spec.detector,
        spec=spec,
        encoder=encoder,
        detector=detector,
        threshold=detector.threshold_,
        score_median=detector.train_score_median_,
        expected_rate=detector.expected_rate_,
        calibration_rows=detector.calibration_rows_,
        calibration_tail=normalised(detector.calibration_tail_, detector.threshold_, detector.train_score_median_),
        n_reference_rows=n,
        snapshot_ids=tuple(map(str, snapshot_ids)),
        fitted_at=fitted_at.isoformat(),
        notes=tuple(notes),
        library_versions={"scikit-learn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__},
    )


def _fit_detector(reference: pd.DataFrame, encoder: FeatureEncoder, spec: AnomalySpec,
                  notes: list[str]) -> BaseDetector:
    """The spec's detector fitted on the encoded reference; what it had to adapt is appended to `notes`."""
    n = len(reference)
    # The encoder's baselines use every reference row; the detector learns from a seeded
    # random sample (every detector subsamples far below this anyway).
    fit_rows = reference
    if n > MAX_DETECTOR_FIT_ROWS:
        rows = np.sort(np.random.default_rng(spec.random_state or 0).choice(n, MAX_DETECTOR_FIT_ROWS, replace=False))
        fit_rows = reference.iloc[rows]
        notes.append(f"the detector was fitted on a random sample of {MAX_DETECTOR_FIT_ROWS:,} of {n:,} reference rows")
    X = np.vstack(
        [encoder.transform(fit_rows.iloc[s : s + CHUNK_ROWS]) for s in range(0, len(fit_rows), CHUNK_ROWS)]
    )
    detector = build(spec.detector, **spec.detector_params())
    if spec.detector == "lof" and n <= detector.n_neighbors:
        notes.append(f"only {n} reference rows: LOF uses {n - 1} neighbours instead of {detector.n_neighbors}")
    try:
        detector.fit(X)
    except DetectorInputError as exc:
        raise AnomalyInputError(str(exc)) from None
    return detector


def _plain(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)
