"""The `source` section of a dataset (`FilesSource`, `SqlSource`) and `SnapshotDataset`, the part of a
dataset's config that discovering and reading snapshots needs (a `DatasetConfig` satisfies it)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Mapping, Protocol, Union

from pydantic import Field, model_validator

from dq_monitor.core.models import StrictModel


class FilesSource(StrictModel):
    """Snapshots are files (or folders of files) under `path`.

    `snapshot_unit: file` makes every file matching `pattern` one snapshot;
    `snapshot_unit: folder` makes every immediate sub-folder one snapshot made of
    the files in it that match `pattern`. `path` may be a local folder or an fsspec
    URL (s3://, gs://, ...) when the matching fsspec driver is installed.
    """

    kind: Literal["files"] = Field(default="files", description="files: snapshots are files or folders of files")
    path: str = Field(description="folder (relative to the config file) or fsspec URL holding the snapshots")
    pattern: str = Field(default="*", description="glob the snapshot files must match")
    format: Literal["csv", "parquet", "jsonl"] = Field(description="file format of the snapshot files")
    snapshot_unit: Literal["file", "folder"] = Field(
        default="file", description="file: each matching file is a snapshot; folder: each sub-folder is one"
    )
    csv_options: dict[str, Any] = Field(default_factory=dict, description="extra pandas.read_csv keyword arguments")


class PartitionBy(StrictModel):
    """One snapshot per time bucket of a timestamp/date column."""

    column: str = Field(description="date or timestamp column whose buckets are the snapshots")
    grain: Literal["hour", "day", "week", "month"] = Field(default="day", description="bucket size (weeks start on Monday)")


class SqlSource(StrictModel):
    """A SQL table or read-only query profiled in the database (see README "SQL tables").

    With `partition_by`, each time bucket is a snapshot (id `2011-01-01`, `2011-01-01T05` for hours,
    `2011-01` for months); with `snapshot: full` (the default) each run profiles the whole table.
    """

    kind: Literal["sql"] = Field(default="sql", description="sql: a table or SELECT profiled in the database")
    url_env: str = Field(description="name of the environment variable holding the SQLAlchemy URL (never logged)")
    table: str | None = Field(default=None, description="table to profile, optionally schema-qualified (give table or query)")
    query: str | None = Field(default=None, description="a single read-only SELECT to profile (give table or query)")
    partition_by: PartitionBy | None = Field(default=None, description="one snapshot per time bucket of a column")
    snapshot: Literal["full"] | None = Field(default=None, description="full: one snapshot of the whole table per run")
    late_data: str | None = Field(default=None, description="duration (e.g. 2d): re-evaluate the buckets this recent "
                                  "on every sensor tick so late rows change their verdict")
    sample_rows: int = Field(default=100_000, ge=1, description="at most this many rows of a snapshot are read for "
                             "row-level features (drift, anomalies, GX), with a seeded per-dialect sample")
    profile_sample_rows: int = Field(
        default=30_000, ge=1, description="when the dataset has no drift, anomalies or expectations: at most this many "
        "rows are sampled (as for sample_rows) for the metrics estimated from a sample (Postgres' distinct counts, "
        "top-category shares, quantiles; quantiles on SQLite and other dialects). 30,000 is what PostgreSQL's ANALYZE "
        "samples (300 x default_statistics_target). With row-level features the sample_rows sample serves instead: "
        "one sample per bucket")
    sample_seed: int = Field(default=0, ge=0, description="seed of the sample, so re-runs read the same rows")

    @model_validator(mode="after")
    def _valid(self) -> "SqlSource":
        from dq_monitor.core.durations import parse_duration
        from dq_monitor.snapshots.sql_query import validate_select

        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query'")
        if self.partition_by is not None and self.snapshot is not None:
            raise ValueError("give either 'partition_by' or 'snapshot: full', not both")
        if self.query is not None:
            validate_select(self.query)
        if self.late_data is not None:
            parse_duration(self.late_data)
            if self.partition_by is None:
                raise ValueError("'late_data' needs 'partition_by' (it re-evaluates recent buckets)")
        return self


Source = Annotated[Union[FilesSource, SqlSource], Field(discriminator="kind")]


class _TypedColumn(Protocol):
    @property
    def type(self) -> str | None: ...


class _ColumnTypes(Protocol):
    @property
    def columns(self) -> Mapping[str, _TypedColumn]: ...


class SnapshotDataset(Protocol):
    """What discovery and reading use of a dataset: its name, source, and the columns to parse as timestamps
    (`timestamp_column` and the schema contract's `datetime` columns)."""

    @property
    def name(self) -> str: ...

    @property
    def source(self) -> FilesSource | SqlSource: ...

    @property
    def timestamp_column(self) -> str | None: ...

    @property
    def schema_(self) -> _ColumnTypes | None: ...
