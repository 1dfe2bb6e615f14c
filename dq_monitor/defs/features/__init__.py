"""Feature plug-ins of the Dagster wiring.

Every module in this package may define

- `build_dataset_defs(ctx: DatasetContext) -> FeatureDefs | None` — assets/checks for one dataset
  (partitioned assets listed in `job_assets` join the dataset's snapshot job), and/or
- `build_project_defs(project: ProjectConfig) -> dg.Definitions | None` — project-wide sensors etc.

`dq_monitor.defs.builder` discovers them, so a feature never edits the builder.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType

import dagster as dg


@dataclass
class FeatureDefs:
    defs: dg.Definitions
    job_assets: list[dg.AssetKey] = field(default_factory=list)


def feature_modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{m.name}") for m in sorted(pkgutil.iter_modules(__path__),
                                                                            key=lambda m: m.name)]
