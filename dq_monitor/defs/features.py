"""The optional features of the Dagster wiring, as one explicit tuple.

Each feature module implements the `Feature` protocol: `build_dataset_defs(ctx)` returns the
assets/checks it adds to one dataset (or None when the dataset does not configure it), and
`build_project_defs(project)` returns project-wide definitions (sensors) or None. The builder
walks `FEATURES`; adding a feature means adding its module here.
"""

from __future__ import annotations

from typing import Protocol

import dagster as dg

from dq_monitor.config import ProjectConfig
from dq_monitor.defs import alerts, anomalies, drift, expectations, history
from dq_monitor.defs.context import DatasetContext, FeatureDefs


class Feature(Protocol):
    def build_dataset_defs(self, ctx: DatasetContext) -> FeatureDefs | None: ...

    def build_project_defs(self, project: ProjectConfig) -> dg.Definitions | None: ...


FEATURES: tuple[Feature, ...] = (expectations, drift, anomalies, history, alerts)  # type: ignore[assignment]

#: Called by `dq-monitor check` before each snapshot's in-process run (e.g. train a missing model).
SNAPSHOT_RUN_HOOKS = (anomalies.before_snapshot_run,)
