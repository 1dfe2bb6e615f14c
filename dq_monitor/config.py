"""The monitored-dataset configuration: one validated pydantic model.

A config file is YAML::

    datasets:
      - name: payments
        source: {kind: files, path: data/payments, pattern: "*.csv", format: csv}
        primary_key: [txn_id]
        timestamp_column: ts
        schedule: "0 6 * * *"
        owners: [payments-team@example.com, "@alice"]
        schema: {columns: {txn_id: {type: int}, amount: float}}
        volume: {min_rows: 500, max_change_pct: 50}
        freshness: {max_age: 6h}

Paths in the file are resolved relative to the file's own folder. Unknown keys are
errors. `load_config` raises `ConfigError` whose message names the file, the
dataset and the field. Nothing here imports dagster.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from dq_monitor.core.outcome import Severity

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d|w)\s*$", re.IGNORECASE)
_DURATION_UNITS = {"ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}

#: Logical column types a schema contract can name. Each maps to the pandas dtype
#: kinds it accepts (see `dq_monitor.checks.schema.logical_type`).
LOGICAL_TYPES = ("int", "float", "bool", "string", "datetime", "category")


class ConfigError(ValueError):
    """A config file could not be read or is invalid. The message names file, dataset and field."""


def parse_duration(value: Any) -> timedelta:
    """Parse `500ms`, `90s`, `15m`, `6h`, `2d`, `1w`, a number of seconds, or a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=float(value))
    if isinstance(value, str):
        match = _DURATION_RE.match(value)
        if match:
            return timedelta(seconds=float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()])
    raise ValueError(f"invalid duration {value!r}: use a number of seconds or e.g. '90s', '15m', '6h', '2d', '1w'")


Duration = Annotated[timedelta, Field(description="e.g. 30s, 15m, 6h, 2d")]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FilesSource(StrictModel):
    """Snapshots are files (or folders of files) under `path`.

    `snapshot_unit: file` makes every file matching `pattern` one snapshot;
    `snapshot_unit: folder` makes every immediate sub-folder one snapshot made of
    the files in it that match `pattern`. `path` may be a local folder or an fsspec
    URL (s3://, gs://, ...) when the matching fsspec driver is installed.
    """

    kind: Literal["files"] = "files"
    path: str
    pattern: str = "*"
    format: Literal["csv", "parquet", "jsonl"]
    snapshot_unit: Literal["file", "folder"] = "file"
    csv_options: dict[str, Any] = Field(default_factory=dict, description="extra pandas.read_csv keyword arguments")


class SqlSource(StrictModel):
    """A SQL table or query read through SQLAlchemy; each read is one snapshot."""

    kind: Literal["sql"] = "sql"
    url_env: str = Field(description="name of the environment variable holding the SQLAlchemy URL")
    table: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _table_or_query(self) -> "SqlSource":
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query'")
        return self


Source = Annotated[Union[FilesSource, SqlSource], Field(discriminator="kind")]


class ColumnContract(StrictModel):
    type: Literal["int", "float", "bool", "string", "datetime", "category"] | None = None
    nullable: bool = True


class SchemaContract(StrictModel):
    """Expected columns. With `learn: true` (or no `columns`) the first snapshot becomes the contract."""

    columns: dict[str, ColumnContract] = Field(default_factory=dict)
    learn: bool = False
    allow_extra_columns: bool = False
    severity: Severity = Severity.ERROR

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # `amount: float` is shorthand for `amount: {type: float}`.
        if isinstance(value, dict):
            return {k: ({"type": v} if isinstance(v, str) or v is None else v) for k, v in value.items()}
        return value


class VolumeBounds(StrictModel):
    """Fixed bounds, and/or `adaptive: true` (or `volume: adaptive`) for a learned, seasonal band on
    the row-count history (`<dataset>_row_count_is_normal`)."""

    adaptive: bool = False
    min_rows: int | None = Field(default=None, ge=0)
    max_rows: int | None = Field(default=None, ge=0)
    max_change_pct: float | None = Field(default=None, gt=0, description="max |rows - previous| / previous, in %")
    severity: Severity = Severity.ERROR
    change_severity: Severity = Severity.WARN

    @model_validator(mode="after")
    def _ordered(self) -> "VolumeBounds":
        if self.min_rows is not None and self.max_rows is not None and self.min_rows > self.max_rows:
            raise ValueError(f"min_rows ({self.min_rows}) is greater than max_rows ({self.max_rows})")
        return self


class Freshness(StrictModel):
    """`max_timestamp`: newest `timestamp_column` value vs the snapshot's time.
    `snapshot`: the snapshot's time vs now (is the newest snapshot recent enough)."""

    max_age: timedelta
    based_on: Literal["max_timestamp", "snapshot"] = "max_timestamp"
    severity: Severity = Severity.WARN

    @field_validator("max_age", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return parse_duration(value)


class DatasetConfig(StrictModel):
    name: str
    description: str = ""
    source: Source
    primary_key: list[str] = Field(default_factory=list)
    timestamp_column: str | None = None
    schedule: str | None = Field(default=None, description="cron expression for the scheduled check run")
    owners: list[str] = Field(default_factory=list)
    schema_: SchemaContract | None = Field(default=None, alias="schema")
    volume: VolumeBounds | None = None
    freshness: Freshness | None = None
    # Sections owned by later features are validated by their own spec models.
    expectations: dict[str, Any] | None = None
    drift: dict[str, Any] | None = None
    anomalies: dict[str, Any] | None = None
    monitors: list[dict[str, Any]] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_RE.match(value):
            raise ValueError(f"dataset name {value!r} must be a Python identifier (letters, digits, underscores)")
        return value

    @field_validator("volume", mode="before")
    @classmethod
    def _adaptive_shorthand(cls, value: Any) -> Any:
        return {"adaptive": True} if value == "adaptive" else value

    @field_validator("primary_key", "owners", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) != 5:
            raise ValueError(f"schedule {value!r} is not a 5-field cron expression")
        return value


class StorageConfig(StrictModel):
    """Where dq_monitor keeps its own data. Relative paths resolve against the config folder."""

    database_url: str | None = Field(default=None, description="default: $DQ_MONITOR_DATABASE_URL or sqlite under home")
    home: str = ".dq_monitor"
    artifact_root: str | None = None


class AutomationConfig(StrictModel):
    """How sensors behave in the deployment."""

    sensors_running: bool = Field(default=True, description="sensors start running when the code location loads")
    sensor_interval_seconds: int = Field(default=30, ge=1)


class ProjectConfig(StrictModel):
    datasets: list[DatasetConfig]
    storage: StorageConfig = Field(default_factory=StorageConfig)
    automation: AutomationConfig = Field(default_factory=AutomationConfig)
    alerts: dict[str, Any] | None = None
    base_dir: Path = Field(default=Path("."), exclude=True)
    source_file: str = Field(default="<config>", exclude=True)

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
    def artifact_dir(self) -> Path:
        return self.resolve(self.storage.artifact_root) if self.storage.artifact_root else self.home_dir / "artifacts"


def _describe_error(err: dict[str, Any], raw: Any) -> str:
    loc = list(err.get("loc", ()))
    where = ""
    if len(loc) >= 2 and loc[0] == "datasets" and isinstance(loc[1], int):
        idx = loc[1]
        name = None
        if isinstance(raw, dict) and isinstance(raw.get("datasets"), list) and idx < len(raw["datasets"]):
            entry = raw["datasets"][idx]
            name = entry.get("name") if isinstance(entry, dict) else None
        where = f"dataset {name!r}" if name else f"dataset #{idx + 1}"
        loc = loc[2:]
    # Drop pydantic's union-tag noise such as ('source', 'files', 'path') -> source.path
    field = ".".join(str(p) for p in loc if p not in ("files", "sql") or p == loc[0])
    kind = err.get("type", "")
    msg = err.get("msg", "invalid")
    if kind == "extra_forbidden":
        msg = "unknown key (not allowed here)"
    elif kind == "missing":
        msg = "required field is missing"
    parts = [p for p in (where, f"field {field!r}" if field else "") if p]
    return f"{', '.join(parts)}: {msg}" if parts else msg


def validate_section(project: ProjectConfig, dataset: str | None, section: str, model: type[BaseModel],
                     value: Any) -> Any:
    """Validate one feature's section (e.g. a dataset's `drift:`) with that feature's own spec model.

    Errors are ConfigErrors naming the file, the dataset and the field, like the rest of the config.
    """
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        where = f"dataset {dataset!r}, " if dataset else ""
        lines = []
        for err in exc.errors():
            field = ".".join(str(p) for p in (section, *err.get("loc", ())))
            msg = "unknown key (not allowed here)" if err.get("type") == "extra_forbidden" else err.get("msg", "")
            lines.append(f"{project.source_file}: {where}field {field!r}: {msg}")
        raise ConfigError("invalid dq_monitor config\n  " + "\n  ".join(lines)) from None


def parse_config(raw: Any, *, source: str = "<config>", base_dir: Path | None = None) -> ProjectConfig:
    """Validate an already-parsed YAML document."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping with a 'datasets' list")
    try:
        return ProjectConfig.model_validate({**raw, "base_dir": base_dir or Path("."), "source_file": source})
    except ValidationError as exc:
        lines = [f"{source}: {_describe_error(e, raw)}" for e in exc.errors()]
        raise ConfigError("invalid dq_monitor config\n  " + "\n  ".join(lines)) from None


def load_config(path: str | Path) -> ProjectConfig:
    """Read and validate a config file; raise ConfigError naming the file, dataset and field."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from None
    return parse_config(raw, source=str(path), base_dir=path.resolve().parent)
