"""`AssetChecksSpec`: the checks `build_dq_checks` puts on a user's own asset.

The same sections (and the same section models) as a dataset of the config file, minus what only
a snapshot dataset has (`name`, `source`, `schedule`): the asset is the dataset, and its checks run
whenever it is materialized. Errors name the target and the field::

    build_dq_checks: target 'orders', field 'volume.min_rows': Input should be greater than or equal to 0
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from dq_monitor.anomalies.spec import AnomalySpec
from dq_monitor.checks.spec import Freshness, SchemaContract, VolumeBounds
from dq_monitor.config.errors import describe_error
from dq_monitor.config.project import DatasetConfig
from dq_monitor.config.static import dataset_problems
from dq_monitor.core.errors import ConfigError
from dq_monitor.core.models import StrictModel
from dq_monitor.drift.spec import DriftSpec
from dq_monitor.expectations.spec import ExpectationsSpec
from dq_monitor.history.spec import MonitorSpec

#: Sections that judge rows, not only the profile: a target judged from metadata only cannot have them.
DATA_SECTIONS = ("expectations", "drift", "anomalies")


class AssetChecksSpec(StrictModel):
    """Checks on one of your own assets: the section models of a config-file dataset, without `source`."""

    primary_key: list[str] = Field(default_factory=list, description="column(s) identifying a row")
    timestamp_column: str | None = Field(default=None, description="event-time column, for freshness")
    owners: list[str] = Field(default_factory=list, description="emails or Slack handles alerted for this asset's "
                              "findings (the alerts' owners route, as for a dataset)")
    schema_: SchemaContract | None = Field(default=None, alias="schema", description="the column contract")
    volume: VolumeBounds | None = Field(default=None, description="row-count bounds; `volume: adaptive` shorthand")
    freshness: Freshness | None = Field(default=None, description="how old the newest data may be")
    expectations: ExpectationsSpec | None = Field(default=None, description="Great Expectations suite check")
    drift: DriftSpec | None = Field(default=None, description="distribution drift of each partition against "
                                    "earlier partitions (previous/first/snapshot/window, in partition order)")
    anomalies: AnomalySpec | None = Field(default=None, description="row-level point-anomaly scoring with a model "
                                          "trained on earlier clean partitions")
    monitors: list[MonitorSpec] = Field(default_factory=list, description="adaptive monitors on metric history")
    read: Literal["auto", "data", "metadata"] = Field(
        default="auto", description="data: load the value through the asset's IO manager; metadata: judge the "
        "materialization's metadata (dagster/row_count, dagster/column_schema); auto: data unless the target is "
        "an AssetSpec without an IO manager")
    reference_sample_rows: int = Field(
        default=100_000, ge=10, description="with drift or anomalies: rows of each partition kept (a seeded uniform "
        "sample, all rows when fewer) under the dq_monitor home as drift reference and anomaly training data")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("volume", "primary_key", "owners", "monitors", mode="before")
    @classmethod
    def _shorthands(cls, value: Any, info: ValidationInfo) -> Any:
        # The same shorthands as a config-file dataset (`volume: adaptive`, `primary_key: id`, `monitors: null`).
        return _SHORTHANDS[info.field_name](value)


_SHORTHANDS = {"volume": DatasetConfig._adaptive_shorthand, "primary_key": DatasetConfig._listify,
               "owners": DatasetConfig._listify, "monitors": DatasetConfig._no_monitors}


def parse_asset_checks_spec(raw: Any, target: str, *, source: str = "build_dq_checks") -> AssetChecksSpec:
    """Validate one target's spec; every problem in one `ConfigError` naming the source, target and field."""
    if isinstance(raw, AssetChecksSpec):
        spec = raw
    else:
        if not isinstance(raw, dict):
            raise ConfigError(f"{source}: target {target!r}: the spec must be a mapping, not {type(raw).__name__}")
        try:
            spec = AssetChecksSpec.model_validate(raw)
        except ValidationError as exc:
            lines = [f"{source}: target {target!r}, {describe_error(e, raw)}" for e in exc.errors()]
            raise ConfigError("invalid dq_monitor asset checks\n  " + "\n  ".join(lines)) from None
    problems = [(field, message) for field, message in dataset_problems(spec)]  # type: ignore[arg-type]
    if problems:
        lines = [f"{source}: target {target!r}, field {field!r}: {message}" for field, message in problems]
        raise ConfigError("invalid dq_monitor asset checks\n  " + "\n  ".join(lines))
    return spec
