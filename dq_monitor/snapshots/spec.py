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


class SqlSource(StrictModel):
    """A SQL table or query read through SQLAlchemy; each read is one snapshot."""

    kind: Literal["sql"] = Field(default="sql", description="sql: each read of a table or query is a snapshot")
    url_env: str = Field(description="name of the environment variable holding the SQLAlchemy URL")
    table: str | None = Field(default=None, description="table to read (give table or query)")
    query: str | None = Field(default=None, description="SELECT to run (give table or query)")

    @model_validator(mode="after")
    def _table_or_query(self) -> "SqlSource":
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query'")
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
