"""`ProjectConfig`: the whole config file as one validated pydantic model.

Every section is typed here, so `load_config` reports every error (file, dataset, field)
and `ProjectConfig.model_json_schema()` documents the file (see docs/config-reference.md).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from dq_monitor.alerts.config import AlertsConfig
from dq_monitor.anomalies.spec import AnomalySpec
from dq_monitor.checks.spec import Freshness, SchemaContract, VolumeBounds
from dq_monitor.core.cron import check_cron
from dq_monitor.core.errors import ConfigError
from dq_monitor.core.models import StrictModel
from dq_monitor.drift.spec import DriftSpec
from dq_monitor.expectations.spec import ExpectationsSpec
from dq_monitor.history.spec import MonitorSpec
from dq_monitor.report.spec import DEFAULT_FILE, ReportConfig
from dq_monitor.snapshots.spec import Source

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Dagster tag values (the dataset name is one) must be at most 63 characters.
MAX_NAME_LENGTH = 63


class DatasetConfig(StrictModel):
    """One monitored dataset: where its snapshots come from and which checks run on each."""

    name: str = Field(description="dataset name: a Python identifier of at most 63 characters (a Dagster tag value)")
    description: str = Field(default="", description="shown in the Dagster UI")
    source: Source = Field(description="where snapshots come from: {kind: files, ...} or {kind: sql, ...}")
    primary_key: list[str] = Field(default_factory=list, description="column(s) identifying a row")
    timestamp_column: str | None = Field(default=None, description="event-time column, for freshness")
    schedule: str | None = Field(default=None, description="5-field cron expression for the scheduled check run")
    owners: list[str] = Field(default_factory=list, description="emails or Slack handles alerted for this dataset")
    schema_: SchemaContract | None = Field(default=None, alias="schema", description="the column contract")
    volume: VolumeBounds | None = Field(default=None, description="row-count bounds; `volume: adaptive` shorthand")
    freshness: Freshness | None = Field(default=None, description="how old the newest data may be")
    expectations: ExpectationsSpec | None = Field(default=None, description="Great Expectations suite check")
    drift: DriftSpec | None = Field(default=None, description="distribution drift against reference snapshots")
    anomalies: AnomalySpec | None = Field(default=None, description="row-level point-anomaly scoring")
    monitors: list[MonitorSpec] = Field(default_factory=list, description="adaptive monitors on metric history")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_RE.match(value):
            raise ValueError(f"dataset name {value!r} must be a Python identifier (letters, digits, underscores)")
        if len(value) > MAX_NAME_LENGTH:
            raise ValueError(f"dataset name is {len(value)} characters long; Dagster tags allow {MAX_NAME_LENGTH}")
        return value

    @field_validator("volume", mode="before")
    @classmethod
    def _adaptive_shorthand(cls, value: Any) -> Any:
        return {"adaptive": True} if value == "adaptive" else value

    @field_validator("primary_key", "owners", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("monitors", mode="before")
    @classmethod
    def _no_monitors(cls, value: Any) -> Any:
        return [] if value is None else value

    def named_columns(self) -> list[tuple[str, str]]:
        """(field, column) for every column this dataset's config names outside the schema; reading a snapshot
        reports each one the snapshot lacks (a typo never passes forever)."""
        from dq_monitor.config.static import named_columns

        return list(named_columns(self))

    def numeric_columns(self) -> list[tuple[str, str, str]]:
        """(field, column, metric) for monitors whose metric needs numbers; reading a snapshot reports a text
        column there (its monitor would never get a value)."""
        from dq_monitor.config.static import numeric_columns

        return list(numeric_columns(self))

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return check_cron(value, "schedule")


class StorageConfig(StrictModel):
    """Where dq_monitor keeps its own data. Relative paths resolve against the config folder."""

    database_url: str | None = Field(default=None, description="default: $DQ_MONITOR_DATABASE_URL or sqlite under home")
    home: str = Field(default=".dq_monitor", description="folder for the store, models and reports")
    artifact_root: str | None = Field(default=None, description="folder for reports and models; default <home>/artifacts")


class AutomationConfig(StrictModel):
    """How sensors behave in the deployment."""

    sensors_running: bool = Field(default=True, description="sensors start running when the code location loads")
    sensor_interval_seconds: int = Field(default=30, ge=1, description="seconds between sensor ticks")


class ProjectConfig(StrictModel):
    """A dq_monitor config file. Paths resolve relative to the file's folder; unknown keys are errors."""

    datasets: list[DatasetConfig] = Field(description="the monitored datasets")
    storage: StorageConfig = Field(default_factory=StorageConfig, description="where dq_monitor keeps its data")
    automation: AutomationConfig = Field(default_factory=AutomationConfig, description="sensor behaviour")
    alerts: AlertsConfig | None = Field(default=None, description="routing of findings to Slack and email")
    report: ReportConfig = Field(default_factory=ReportConfig, description="the report's file and serve URL")
    base_dir: Path = Field(default=Path("."), exclude=True, description="the config file's folder (set by the loader)")
    source_file: str = Field(default="<config>", exclude=True, description="the config file (set by the loader)")

    @model_validator(mode="after")
    def _unique(self) -> "ProjectConfig":
        seen: set[str] = set()
        for ds in self.datasets:
            if ds.name in seen:
                raise ValueError(f"dataset name {ds.name!r} is declared twice")
            seen.add(ds.name)
        return self

    def dataset(self, name: str) -> DatasetConfig:
        for ds in self.datasets:
            if ds.name == name:
                return ds
        known = ", ".join(d.name for d in self.datasets) or "none"
        raise ConfigError(f"unknown dataset {name!r} (known: {known})")

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    @property
    def home_dir(self) -> Path:
        return self.resolve(self.storage.home)

    @property
    def report_path(self) -> Path:
        """`dq-monitor report`'s default output, linked from each snapshot asset."""
        return self.resolve(self.report.path) if self.report.path else self.home_dir / DEFAULT_FILE

    @property
    def artifact_dir(self) -> Path:
        return self.resolve(self.storage.artifact_root) if self.storage.artifact_root else self.home_dir / "artifacts"
