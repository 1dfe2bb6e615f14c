"""The dataset-level sections owned by the core checks: `schema`, `volume`, `freshness`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from dq_monitor.core.durations import parse_duration
from dq_monitor.core.models import StrictModel
from dq_monitor.core.outcome import Severity

#: Logical column types a schema contract can name. Each maps to the pandas dtype
#: kinds it accepts (see `dq_monitor.checks.schema.logical_type`).
LOGICAL_TYPES = ("int", "float", "bool", "string", "datetime", "category")


class ColumnContract(StrictModel):
    """One expected column; `amount: float` is shorthand for `amount: {type: float}`."""

    type: Literal["int", "float", "bool", "string", "datetime", "category"] | None = Field(
        default=None, description="logical type; null: any type"
    )
    nullable: bool = Field(default=True, description="false: a null in this column violates the contract")


class SchemaContract(StrictModel):
    """Expected columns. With `learn: true` (or no `columns`) the first snapshot becomes the contract."""

    columns: dict[str, ColumnContract] = Field(default_factory=dict, description="column name -> contract")
    learn: bool = Field(default=False, description="the first snapshot's columns become the contract")
    allow_extra_columns: bool = Field(default=False, description="columns not listed are not a violation")
    severity: Severity = Field(default=Severity.ERROR, description="severity of a contract violation")

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # `amount: float` is shorthand for `amount: {type: float}`.
        if isinstance(value, dict):
            return {k: ({"type": v} if isinstance(v, str) or v is None else v) for k, v in value.items()}
        return value

    @property
    def closed_columns(self) -> frozenset[str] | None:
        """The only columns a snapshot may have, when the contract says so statically (else None)."""
        if self.columns and not self.learn and not self.allow_extra_columns:
            return frozenset(self.columns)
        return None


class VolumeBounds(StrictModel):
    """Fixed bounds, and/or `adaptive: true` (or `volume: adaptive`) for a learned, seasonal band on
    the row-count history (`<dataset>_row_count_is_normal`)."""

    adaptive: bool = Field(default=False, description="also judge the row count against its learned seasonal band")
    min_rows: int | None = Field(default=None, ge=0, description="fewest rows a snapshot may have")
    max_rows: int | None = Field(default=None, ge=0, description="most rows a snapshot may have")
    max_change_pct: float | None = Field(default=None, gt=0, description="max |rows - previous| / previous, in %")
    severity: Severity = Field(default=Severity.ERROR, description="severity of a min/max bound violation")
    change_severity: Severity = Field(default=Severity.WARN, description="severity of a max_change_pct violation")

    @model_validator(mode="after")
    def _ordered(self) -> "VolumeBounds":
        if self.min_rows is not None and self.max_rows is not None and self.min_rows > self.max_rows:
            raise ValueError(f"min_rows ({self.min_rows}) is greater than max_rows ({self.max_rows})")
        return self


class Freshness(StrictModel):
    """`max_timestamp`: newest `timestamp_column` value vs the snapshot's time.
    `snapshot`: the snapshot's time vs now (is the newest snapshot recent enough)."""

    max_age: timedelta = Field(description="largest allowed lag, e.g. 30s, 15m, 6h, 2d")
    based_on: Literal["max_timestamp", "snapshot"] = Field(
        default="max_timestamp", description="max_timestamp: newest timestamp_column value; snapshot: snapshot time"
    )
    severity: Severity = Field(default=Severity.WARN, description="severity of a stale snapshot")

    @field_validator("max_age", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return parse_duration(value)
