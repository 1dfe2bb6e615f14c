"""The `drift` section of a dataset's config, validated, and the reference-snapshot choice.

YAML::

    drift:
      reference: previous                 # or: first
      # reference: {strategy: snapshot, snapshot_id: "2024-01-01"}
      # reference: {strategy: window, n: 7, mode: concat}      # or mode: sample, sample_rows: 100000
      columns: [temp, hum, cnt]           # default: every column except ignore_columns
      ignore_columns: [instant, dteday]
      mode: dq_monitor                    # calibrated test (default), or: evidently (Evidently 0.7's verdicts)
      alpha: 0.05                         # dq_monitor: Benjamini-Hochberg false discovery rate over columns
      num_effect_floor: 0.1               # dq_monitor: smallest normed Wasserstein distance that drifts
      cat_effect_floor: 0.1               # dq_monitor: smallest Cramér's V that drifts
      drift_share: 0.5                    # dataset drifts when drifted/compared >= drift_share
      method: null                        # Evidently stattest name for every column (default: auto)
      num_method: null                    # ... for numeric columns
      cat_method: null                    # ... for categorical (and binary) columns
      threshold: null                     # same three levels for thresholds
      num_threshold: null
      cat_threshold: null
      per_column: {cnt: {method: psi, threshold: 0.2}}
      severity: WARN
      blocking: false
      html_report: on_drift               # render the Evidently HTML when something drifted; or: always, never
      report_sample_rows: 5000            # rows per side the Evidently HTML is rendered from
      retention: 30                       # keep the last N HTML reports per dataset
      seed: 0                             # sampling seed (HTML sample, window sample mode)

`mode: dq_monitor` (the default) tests every column with the calibrated test of
`dq_monitor.drift.calibrated` (p-value adjusted across columns, plus an effect floor).
`mode: evidently` reproduces Evidently 0.7's `DataDriftPreset` verdicts exactly.
In both modes a column with a configured method (per column, per type or global) uses
that Evidently method and threshold; the thresholds apply to configured methods only.

Method and threshold resolution follows Evidently's `DataDriftOptions`: a
`per_column` entry wins, then the type-specific key, then the global key, then
the automatic choice and the method's default threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dq_monitor.core.outcome import Severity
from dq_monitor.drift.methods import DEFAULT_ALPHA, DEFAULT_EFFECT_FLOOR, METHOD_NAMES
from dq_monitor.drift.sources import reference_rows


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_method(value: str | None) -> str | None:
    if value is not None and value not in METHOD_NAMES:
        raise ValueError(f"unknown drift method {value!r}; Evidently 0.7 methods are: {', '.join(METHOD_NAMES)}")
    return value


class ColumnOverride(_Strict):
    """Per-column method and/or threshold, e.g. `{method: psi, threshold: 0.2}`."""

    method: str | None = Field(
        default=None,
        description="Evidently stattest for this column (e.g. ks, chisquare, wasserstein, psi, jensenshannon)",
    )
    threshold: float | None = Field(
        default=None, ge=0, description="threshold of that stattest (p-value or distance, as Evidently defines it)"
    )

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str | None) -> str | None:
        return _check_method(value)


class ReferenceSpec(_Strict):
    """Which earlier snapshot(s) the current snapshot is compared with.

    * `previous`: the snapshot just before the current one.
    * `first`: the oldest known snapshot (a fixed baseline that needs no id).
    * `snapshot`: the snapshot named by `snapshot_id`.
    * `window`: the last `n` snapshots before the current one. `mode: concat` stacks all
      their rows; `mode: sample` takes an equal-sized uniform random sample from each
      of them (`sample_rows` in total, seeded), so a long window costs a bounded number
      of rows and every snapshot in it weighs the same.
    """

    strategy: Literal["previous", "first", "snapshot", "window"] = Field(
        default="previous",
        description="previous (latest clean earlier snapshot), first, snapshot (by id) or window (last n)",
    )
    snapshot_id: str | None = Field(default=None, description="the reference snapshot for strategy: snapshot")
    n: int | None = Field(default=None, ge=1, description="how many earlier snapshots strategy: window uses")
    mode: Literal["concat", "sample"] = Field(
        default="concat", description="window: concat stacks all rows; sample takes an equal seeded sample from each"
    )
    sample_rows: int = Field(default=100_000, ge=1, description="window mode sample: total reference rows")

    @model_validator(mode="after")
    def _consistent(self) -> "ReferenceSpec":
        if self.strategy == "snapshot" and not self.snapshot_id:
            raise ValueError("reference strategy 'snapshot' needs 'snapshot_id'")
        if self.strategy != "snapshot" and self.snapshot_id is not None:
            raise ValueError(f"'snapshot_id' only applies to strategy 'snapshot', not {self.strategy!r}")
        if self.strategy == "window" and self.n is None:
            raise ValueError("reference strategy 'window' needs 'n' (how many previous snapshots)")
        if self.strategy != "window" and self.n is not None:
            raise ValueError(f"'n' only applies to strategy 'window', not {self.strategy!r}")
        return self


class DriftSpec(_Strict):
    """Validated `drift` config section (see the module docstring for the YAML)."""

    reference: ReferenceSpec = Field(
        default_factory=ReferenceSpec, description="which earlier snapshot(s) the current one is compared with"
    )
    columns: list[str] | None = Field(
        default=None, description="compare only these columns (default: all columns of either side)"
    )
    ignore_columns: list[str] = Field(default_factory=list, description="columns never compared (ids, timestamps)")
    mode: Literal["dq_monitor", "evidently"] = Field(
        default="dq_monitor",
        description="dq_monitor: calibrated tests with effect floors and Benjamini-Hochberg (default); evidently: Evidently 0.7 DataDriftPreset verdicts exactly",
    )
    alpha: float = Field(
        default=DEFAULT_ALPHA,
        gt=0,
        lt=1,
        description="mode dq_monitor: false-discovery rate across columns (Benjamini-Hochberg)",
    )
    num_effect_floor: float = Field(
        default=DEFAULT_EFFECT_FLOOR,
        ge=0,
        description="mode dq_monitor: smallest normed Wasserstein distance that counts as drift",
    )
    cat_effect_floor: float = Field(
        default=DEFAULT_EFFECT_FLOOR, ge=0, description="mode dq_monitor: smallest Cramer's V that counts as drift"
    )
    drift_share: float = Field(
        default=0.5, gt=0, le=1, description="dataset drift when at least this share of compared columns drifted"
    )
    method: str | None = Field(
        default=None, description="Evidently stattest for every column (overrides the per-type defaults)"
    )
    num_method: str | None = Field(default=None, description="Evidently stattest for numeric columns")
    cat_method: str | None = Field(default=None, description="Evidently stattest for categorical columns")
    threshold: float | None = Field(default=None, ge=0, description="threshold for every column's stattest")
    num_threshold: float | None = Field(default=None, ge=0, description="threshold for numeric columns' stattest")
    cat_threshold: float | None = Field(default=None, ge=0, description="threshold for categorical columns' stattest")
    per_column: dict[str, ColumnOverride] = Field(
        default_factory=dict, description="column name -> {method, threshold} overrides"
    )
    severity: Severity = Field(default=Severity.WARN, description="severity of the dataset-drift finding")
    blocking: bool = Field(default=False, description="an ERROR dataset drift blocks downstream assets")
    html_report: Literal["on_drift", "always", "never"] = Field(
        default="on_drift",
        description="when to render the Evidently HTML report: on_drift (the check has a finding: a drifted or "
        "uncomparable column, or dataset drift), always (every snapshot with a reference; ~1 s each), never",
    )
    report_sample_rows: int = Field(
        default=5000, ge=10, description="rows per side in the rendered Evidently HTML report (scores stay full-data)"
    )
    retention: int = Field(default=30, ge=1, description="keep the last N HTML reports per dataset")
    seed: int = Field(default=0, description="seed of every sampling and permutation step")

    @field_validator("reference", mode="before")
    @classmethod
    def _reference_shorthand(cls, value: Any) -> Any:
        # `reference: previous` is shorthand for `reference: {strategy: previous}`.
        return {"strategy": value} if isinstance(value, str) else value

    @field_validator("method", "num_method", "cat_method")
    @classmethod
    def _known_method(cls, value: str | None) -> str | None:
        return _check_method(value)

    @field_validator("columns", "ignore_columns", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _no_overlap(self) -> "DriftSpec":
        if self.columns is not None:
            both = sorted(set(self.columns) & set(self.ignore_columns))
            if both:
                raise ValueError(f"columns {both} are both listed in 'columns' and in 'ignore_columns'")
        return self

    def method_and_threshold(self, column: str, type_key: str) -> tuple[str | None, float | None]:
        """Configured (method, threshold) for a column of Evidently type key `num`/`cat`/`text`;
        None means automatic / the method's default, exactly as Evidently resolves them."""
        method = self.method
        type_method = {"num": self.num_method, "cat": self.cat_method}.get(type_key)
        method = type_method if type_method is not None else method
        override = self.per_column.get(column)
        if override is not None and override.method is not None:
            method = override.method
        if override is not None and override.threshold is not None:
            threshold: float | None = override.threshold
        elif type_key == "cat" and self.cat_threshold is not None:
            threshold = self.cat_threshold
        elif type_key == "num" and self.num_threshold is not None:
            threshold = self.num_threshold
        else:
            threshold = self.threshold
        return method, threshold


def parse_spec(spec: "DriftSpec | dict[str, Any] | None") -> DriftSpec:
    """Accept a DriftSpec, the YAML `drift` mapping, or None (all defaults)."""
    if spec is None:
        return DriftSpec()
    if isinstance(spec, DriftSpec):
        return spec
    if isinstance(spec, dict):
        return DriftSpec.model_validate(spec)
    raise TypeError(f"drift spec must be a DriftSpec, a dict or None, not {type(spec).__name__}")


class ReferenceUnavailable(LookupError):
    """The configured reference cannot be formed yet (e.g. the very first snapshot)."""


@dataclass(frozen=True)
class ReferenceSelection:
    """Which snapshots form the reference, and how their rows are combined."""

    snapshot_ids: tuple[str, ...]
    mode: Literal["single", "concat", "sample"]
    sample_rows: int | None = None

    @property
    def description(self) -> str:
        if self.mode == "single":
            return f"snapshot {self.snapshot_ids[0]}"
        ids = ", ".join(self.snapshot_ids)
        how = "all rows" if self.mode == "concat" else f"{self.sample_rows} sampled rows"
        return f"window of {len(self.snapshot_ids)} snapshots ({ids}; {how})"


def select_reference(
    previous_snapshot_ids: Sequence[str],
    spec: "DriftSpec | dict[str, Any] | None" = None,
    current_snapshot_id: str | None = None,
) -> ReferenceSelection:
    """Pick the reference snapshot ids from the snapshots that came before the current one.

    `previous_snapshot_ids` is ordered oldest to newest and should not contain the
    current snapshot (if `current_snapshot_id` is given it is removed). Raises
    `ReferenceUnavailable` with a readable reason when there is nothing to compare with.
    """
    ref = parse_spec(spec).reference
    ids = [s for s in previous_snapshot_ids if s != current_snapshot_id]
    if ref.strategy == "snapshot":
        if ref.snapshot_id == current_snapshot_id:
            raise ReferenceUnavailable(f"reference snapshot {ref.snapshot_id!r} is the current snapshot itself")
        if ref.snapshot_id not in ids:
            raise ReferenceUnavailable(
                f"reference snapshot {ref.snapshot_id!r} is not among the known earlier snapshots"
            )
        return ReferenceSelection((str(ref.snapshot_id),), "single")
    if not ids:
        raise ReferenceUnavailable(
            f"no earlier snapshot to compare with (reference strategy {ref.strategy!r}); drift starts at the next snapshot"
        )
    if ref.strategy == "previous":
        return ReferenceSelection((ids[-1],), "single")
    if ref.strategy == "first":
        return ReferenceSelection((ids[0],), "single")
    window = tuple(ids[-int(ref.n or 1) :])
    if ref.mode == "concat":
        return ReferenceSelection(window, "concat")
    return ReferenceSelection(window, "sample", sample_rows=ref.sample_rows)


def build_reference_frame(frames: Sequence[pd.DataFrame], selection: ReferenceSelection, seed: int = 0) -> pd.DataFrame:
    """Combine the loaded reference snapshots (same order as `selection.snapshot_ids`); see `sources.reference_rows`."""
    rows = reference_rows([len(f) for f in frames], selection, seed)
    if selection.mode == "single":
        return frames[0]
    return pd.concat([f if r is None else f.iloc[r] for f, r in zip(frames, rows)], ignore_index=True)
