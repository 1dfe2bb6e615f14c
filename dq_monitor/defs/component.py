"""`DqMonitorComponent` (monitored datasets) and `DqChecksComponent` (checks on your own assets) for `defs.yaml`.

    type: dq_monitor.defs.component.DqMonitorComponent
    attributes:
      config_file: dq_monitor.yaml        # relative to this defs.yaml

or inline `datasets:` with the same shape as the config file.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from dq_monitor.config import ConfigError, load_config, parse_config
from dq_monitor.defs.asset_discovery import FoundAsset, assets_in_code_location
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


#: `partitions:` of a DqChecksComponent target -> the Dagster partitions definition it names.
_TIME_PARTITIONS = {"hourly": dg.HourlyPartitionsDefinition, "daily": dg.DailyPartitionsDefinition,
                    "weekly": dg.WeeklyPartitionsDefinition, "monthly": dg.MonthlyPartitionsDefinition}


def partitions_from_yaml(raw: Any, where: str) -> dg.PartitionsDefinition | None:
    """`{type: daily, start_date: "2026-01-01"}` (hourly/daily/weekly/monthly) or `{type: static, partition_keys: [...]}`."""
    if raw is None:
        return None
    options = dict(raw) if isinstance(raw, dict) else {}
    kind = options.pop("type", None)
    try:
        if kind == "static":
            return dg.StaticPartitionsDefinition(list(options["partition_keys"]))
        if kind in _TIME_PARTITIONS:
            return _TIME_PARTITIONS[kind](**options)
    except (KeyError, TypeError, ValueError, dg.DagsterInvalidDefinitionError) as exc:
        raise ConfigError(f"{where}, field 'partitions': {exc}") from None
    raise ConfigError(f"{where}, field 'partitions': type must be one of static, {', '.join(_TIME_PARTITIONS)}")


def _agree(given: dg.PartitionsDefinition | None, found: FoundAsset, where: str) -> None:
    if given is not None and given != found.partitions_def:
        own = found.partitions_def or "not partitioned"
        raise ConfigError(f"{where}, field 'partitions': {given} disagrees with the asset's own partitions ({own}, "
                          f"defined in {found.where}); drop 'partitions:' or make it match")


class DqChecksComponent(dg.Component, dg.Model, dg.Resolvable):
    """dq_monitor checks on your own assets (`build_dq_checks` from YAML).

        type: dq_monitor.DqChecksComponent
        attributes:
          storage: {home: .dq_monitor}      # optional: adds the `dq_store` resource
          targets:
            - {asset: orders, schema: {learn: true}, volume: adaptive, drift: {reference: previous}}
          alerts: {...}                     # optional: the config file's `alerts:` section (build_dq_alerts)

    A target names its asset by key; the component finds the asset in the rest of the code location's
    defs folder and checks it with its own partitions (`asset_discovery`). `partitions:` is needed only
    for an asset defined outside the defs folder, and must agree with the asset's when both are known.
    """

    targets: list[dict[str, Any]]
    storage: dict[str, Any] | None = None
    alerts: dict[str, Any] | None = None

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        from dq_monitor.defs.alerts import build_dq_alerts
        from dq_monitor.defs.asset_checks import build_dq_checks, dq_resources

        base = context.path if context.path.is_dir() else context.path.parent
        source = str(base / "defs.yaml")
        checks: list[dg.AssetChecksDefinition] = []
        known = assets_in_code_location(context, skip=(DqChecksComponent, DqMonitorComponent)) if self.targets else {}
        for i, raw in enumerate(self.targets):
            spec = dict(raw)
            asset = spec.pop("asset", None)
            if not isinstance(asset, str) or not asset:
                raise ConfigError(f"{source}: targets[{i}]: 'asset' (the asset key, e.g. raw/orders) is required")
            where = f"{source}: target {asset!r}"
            partitions = partitions_from_yaml(spec.pop("partitions", None), where)
            found = known.get(dg.AssetKey.from_user_string(asset))
            if found is not None:
                _agree(partitions, found, where)
                checks += build_dq_checks(found.asset, spec, base_dir=base, partitions_def=found.partitions_def,
                                          source=source)
            else:
                checks += build_dq_checks(asset, spec, base_dir=base, partitions_def=partitions, source=source)
        resources = {}
        if self.storage is not None:
            unknown = set(self.storage) - {"home", "database_url"}
            if unknown:
                raise ConfigError(f"{source}: field 'storage': unknown key(s) {sorted(unknown)} (home, database_url)")
            home = base / self.storage.get("home", ".dq_monitor")
            resources = dq_resources(home=home, database_url=self.storage.get("database_url"))
        sensors = build_dq_alerts(self.alerts, source=source) if self.alerts is not None else []
        return dg.Definitions(asset_checks=checks, resources=resources, sensors=sensors)
