"""`AnomalySpec`: the validated `anomalies:` section of a dataset config.

YAML example::

    anomalies:
      detector: ensemble            # any name from DETECTOR_PARAMETERS (dq_monitor.detectors.available())
      params: {}                    # detector parameters, checked against the detector
      columns: [amount, fee, country]   # default: every usable column
      ignore_columns: [txn_id]
      group_by: user_id             # contextual baseline (per-user amount ...)
      min_group_size: 30            # smaller or new groups use the global baseline
      threshold_quantile: 0.995     # or: contamination: 0.01
      severity_tiers: {low: 1.0, medium: 2.0, high: 4.0}
      alert_threshold: 1.0          # rows at or above this score become findings
      fail_on_tier: medium          # rows this severe beyond chance fail the check (null: rate only)
      max_rate_ratio: 3.0           # ... as does an anomaly rate above 3x the expected one
      reference_snapshots: 7        # the model is fitted on the last N snapshots
      retrain_schedule: "0 3 * * 0" # optional cron for the model asset
      max_findings: 100
      severity: WARN                # what a failing anomaly-rate check means
"""

from __future__ import annotations

import importlib.util
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from dq_monitor.core.cron import check_cron
from dq_monitor.core.outcome import Severity

# Detector names and their parameters, kept here so that validating a config imports no
# sklearn or torch; dq_monitor_tests/config checks them against dq_monitor.detectors.registry.
DEFAULT_DETECTOR = "ensemble"
DETECTOR_PARAMETERS: dict[str, tuple[str, ...]] = {
    "autoencoder": ("batch_size", "contamination", "epochs", "hidden_sizes", "learning_rate", "max_samples",
                    "random_state", "threshold_quantile"),
    "ecod": ("contamination", "max_samples", "n_bins", "random_state", "threshold_quantile"),
    "ensemble": ("combine", "contamination", "members", "normalize", "random_state", "threshold_quantile"),
    "iforest": ("contamination", "max_features", "max_samples", "n_estimators", "n_jobs", "random_state",
                "threshold_quantile"),
    "iqr": ("contamination", "threshold_quantile"),
    "knn": ("contamination", "log_distance", "max_samples", "n_neighbors", "random_state", "threshold_quantile"),
    "lof": ("contamination", "max_samples", "n_jobs", "n_neighbors", "random_state", "scaling", "threshold_quantile"),
    "robust_z": ("contamination", "threshold_quantile"),
    "zscore": ("contamination", "threshold_quantile"),
}


def detector_names() -> list[str]:
    """The detectors a config may name (the autoencoder only when torch is installed)."""
    has_torch = importlib.util.find_spec("torch") is not None
    return sorted(n for n in DETECTOR_PARAMETERS if n != "autoencoder" or has_torch)


def _check_detector(name: str, params: dict[str, Any]) -> None:
    if name not in detector_names():
        hint = " (install dq-monitor[deep] for it)" if name == "autoencoder" else ""
        raise ValueError(f"unknown detector {name!r}{hint}; available: {', '.join(detector_names())}")
    allowed = DETECTOR_PARAMETERS[name]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"detector {name!r} has no parameter(s) {', '.join(unknown)}; it accepts: {', '.join(sorted(allowed))}"
        )


class AnomalySpecError(ValueError):
    """The `anomalies` section is invalid; the message names the dataset and field."""


class AnomalySpec(BaseModel):
    """How a dataset's rows are scored for point anomalies.

    Scores are normalised so that 0 is a typical reference row and 1.0 is the
    anomaly threshold, whatever the detector: `severity_tiers` and
    `alert_threshold` are on that scale.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    detector: str = Field(default=DEFAULT_DETECTOR, description="detector name from the registry")
    params: dict[str, Any] = Field(default_factory=dict, description="detector parameters")
    columns: list[str] | None = Field(default=None, description="feature columns; default: every usable column")
    ignore_columns: list[str] = Field(default_factory=list, description="columns never used as features")
    group_by: str | None = Field(default=None, description="column whose groups get their own baseline")
    min_group_size: int = Field(default=30, ge=2, description="reference rows a group needs for its own baseline")
    contamination: float | None = Field(default=None, gt=0, le=0.5, description="known anomaly share")
    threshold_quantile: float = Field(
        default=0.995, ge=0.5, lt=1.0, description="reference-score quantile used as threshold without contamination"
    )
    severity_tiers: dict[str, float] = Field(
        default_factory=lambda: {"low": 1.0, "medium": 2.0, "high": 4.0},
        description="tier name -> lowest normalised score of the tier",
    )
    alert_threshold: float = Field(default=1.0, ge=1.0, description="normalised score from which a row is a finding")
    reference_snapshots: int = Field(default=7, ge=1, description="snapshots in the training window")
    min_reference_rows: int = Field(default=30, ge=2, description="fewer reference rows than this: no model")
    retrain_schedule: str | None = Field(default=None, description="cron expression for refitting the model")
    max_findings: int = Field(default=100, ge=0, description="at most this many row findings per snapshot")
    fail_on_tier: str | None = Field(
        default="medium",
        description="the check also fails when rows reach this severity tier beyond chance: more of them than the "
        "reference rows at it allow, or the highest one alone (by its rank among the calibration rows, or by a "
        "Pareto tail fitted to their top scores, heavier than the data's own) at p <= 0.001 / rows; "
        "null: judge by the rate only",
    )
    max_rate_ratio: float = Field(
        default=3.0, gt=1.0, description="the check fails above this multiple of the expected anomaly rate"
    )
    severity: Severity = Field(default=Severity.WARN, description="what a failing anomaly-rate check means")
    random_state: int | None = Field(default=0, description="seed for randomised detectors")

    @field_validator("ignore_columns", "columns", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("retrain_schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return check_cron(value, "retrain_schedule")

    @field_validator("severity_tiers")
    @classmethod
    def _tiers(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("severity_tiers needs at least one tier")
        bad = {k: v for k, v in value.items() if v < 1.0}
        if bad:
            raise ValueError(f"severity tier scores must be >= 1.0 (the anomaly threshold), got {bad}")
        return dict(sorted(value.items(), key=lambda kv: kv[1]))

    @model_validator(mode="after")
    def _detector(self) -> "AnomalySpec":
        reserved = {"contamination", "threshold_quantile"} & set(self.params)
        if reserved:
            raise ValueError(f"set {', '.join(sorted(reserved))} at the top level of 'anomalies', not in params")
        _check_detector(self.detector, self.params)
        if self.fail_on_tier is not None and self.fail_on_tier not in self.severity_tiers:
            raise ValueError(
                f"fail_on_tier {self.fail_on_tier!r} is not one of the severity tiers "
                f"({', '.join(self.severity_tiers)})"
            )
        if self.group_by is not None and self.group_by in self.ignore_columns:
            raise ValueError(f"group_by column {self.group_by!r} is also listed in ignore_columns")
        return self

    def detector_params(self) -> dict[str, Any]:
        params = dict(self.params)
        params["contamination"] = self.contamination
        params["threshold_quantile"] = self.threshold_quantile
        if "random_state" in DETECTOR_PARAMETERS[self.detector] and "random_state" not in params:
            params["random_state"] = self.random_state
        return params

    def tier(self, score: float) -> str:
        """The severity tier of a normalised score ('none' below the anomaly threshold)."""
        if not score >= 1.0:
            return "none"
        name = next(iter(self.severity_tiers))
        for tier_name, low in self.severity_tiers.items():
            if score >= low:
                name = tier_name
        return name


def parse_spec(raw: "AnomalySpec | dict[str, Any] | None", *, dataset: str = "") -> AnomalySpec:
    """Validate an `anomalies:` mapping; errors name the dataset and the field."""
    if isinstance(raw, AnomalySpec):
        return raw
    try:
        return AnomalySpec.model_validate(raw or {})
    except ValidationError as exc:
        where = f"dataset {dataset!r}, " if dataset else ""
        lines = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ())) or "anomalies"
            msg = "unknown key (not allowed here)" if err.get("type") == "extra_forbidden" else err.get("msg")
            lines.append(f"{where}field 'anomalies.{field}': {msg}" if field != "anomalies" else f"{where}{msg}")
        raise AnomalySpecError("invalid anomalies spec\n  " + "\n  ".join(lines)) from None
