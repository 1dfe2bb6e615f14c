"""`dq_monitor.defs.component.DqMonitorComponent`: declare monitored datasets in a `defs.yaml`.

    type: dq_monitor.defs.component.DqMonitorComponent
    attributes:
      config_file: dq_monitor.yaml        # relative to this defs.yaml

or inline `datasets:` with the same shape as the config file.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from dq_monitor.config import ConfigError, load_config, parse_config
from dq_monitor.defs.builder import build_definitions


class DqMonitorComponent(dg.Component, dg.Model, dg.Resolvable):
    """Monitored datasets: snapshot assets, checks, sensors and schedules from dq_monitor config."""

    config_file: str | None = None
    datasets: list[dict[str, Any]] | None = None
    storage: dict[str, Any] | None = None
    alerts: dict[str, Any] | None = None
    automation_running: bool | None = None

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        base = context.path if context.path.is_dir() else context.path.parent
        if (self.config_file is None) == (self.datasets is None):
            raise ConfigError(f"{base / 'defs.yaml'}: give exactly one of 'config_file' or 'datasets'")
        if self.config_file is not None:
            project = load_config(base / self.config_file)
        else:
            raw: dict[str, Any] = {"datasets": self.datasets}
            if self.storage is not None:
                raw["storage"] = self.storage
            if self.alerts is not None:
                raw["alerts"] = self.alerts
            project = parse_config(raw, source=str(base / "defs.yaml"), base_dir=base)
        return build_definitions(project, automation_running=self.automation_running)
