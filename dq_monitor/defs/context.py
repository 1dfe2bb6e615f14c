"""What every builder of one dataset's definitions needs to know."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from dq_monitor.config import DatasetConfig, FilesSource, ProjectConfig
from dq_monitor.core.names import snapshot_asset, snapshot_partitions
from dq_monitor.defs.resources import snapshot_parquet_path

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class DatasetContext:
    dataset: DatasetConfig
    project: ProjectConfig
    partitions_def: dg.DynamicPartitionsDefinition

    @classmethod
    def build(cls, dataset: DatasetConfig, project: ProjectConfig) -> "DatasetContext":
        return cls(dataset, project, dg.DynamicPartitionsDefinition(name=snapshot_partitions(dataset.name)))

    @property
    def name(self) -> str:
        return self.dataset.name

    @property
    def snapshot_key(self) -> dg.AssetKey:
        return dg.AssetKey(snapshot_asset(self.name))

    @property
    def root_path(self) -> str:
        source = self.dataset.source
        if isinstance(source, FilesSource):
            return source.path if "://" in source.path else str(self.project.resolve(source.path))
        return ""

    @property
    def snapshot_dir(self) -> str:
        """Where the snapshot IO manager keeps Parquet partitions (see `snapshot_parquet_path`)."""
        return str(self.project.home_dir / "snapshots")

    def snapshot_parquet(self, snapshot_id: str) -> Path:
        """One snapshot's data, as drift references and anomaly training read it."""
        return snapshot_parquet_path(self.snapshot_dir, self.snapshot_key.path[-1], snapshot_id)

    @property
    def dagster_owners(self) -> list[str]:
        """Dagster accepts emails and `team:` owners; Slack handles stay in our own routing."""
        return [o for o in self.dataset.owners if _EMAIL.match(o) or o.startswith("team:")]

    @property
    def tags(self) -> dict[str, str]:
        return {"dq_monitor/dataset": self.name}


@dataclass
class FeatureDefs:
    """What one feature adds for one dataset; partitioned assets in `job_assets` join its snapshot job."""

    defs: dg.Definitions
    job_assets: list[dg.AssetKey] = field(default_factory=list)
