"""Names of every asset, check, job, sensor, schedule and partition set dq_monitor creates.

One function per kind of name, used by the pure packages and the Dagster wiring alike, so a
name is typed once. Check names are public (users alert on them, the demo ground truth pins
them): changing one here is a breaking change.
"""

from __future__ import annotations

import re
from enum import Enum


class CheckType(str, Enum):
    """What kind of check produced a finding; stored with every finding and matched by alert routes."""

    READABILITY = "readability"
    SCHEMA = "schema"
    VOLUME = "volume"
    FRESHNESS = "freshness"
    EXPECTATIONS = "expectations"
    DRIFT = "drift"
    ANOMALY = "anomaly"
    HISTORY = "metric"  # stored as "metric" since the first release; alert routes match on it
    DAGSTER = "dagster"  # a user's own asset check, read from the event log
    SOURCE = "source"  # the source could not be listed


class AssetRole(str, Enum):
    """The assets dq_monitor builds per dataset; the value is the asset name's suffix after `<dataset>_`."""

    SNAPSHOT = "snapshot"
    DRIFT_REPORT = "drift_report"
    ANOMALIES = "anomalies"
    ANOMALY_MODEL = "anomaly_model"


#: The asset a check type's findings belong to (every other type checks the snapshot asset).
CHECK_TYPE_ASSET = {CheckType.DRIFT: AssetRole.DRIFT_REPORT, CheckType.ANOMALY: AssetRole.ANOMALIES}
#: History metrics written by an asset other than the snapshot: their monitor attaches to that asset.
METRIC_ASSET = {"drift_share": AssetRole.DRIFT_REPORT, "anomaly_rate": AssetRole.ANOMALIES}


# -- assets ----------------------------------------------------------------------------------

def asset_name(dataset: str, role: AssetRole) -> str:
    return f"{dataset}_{role.value}"


def snapshot_asset(dataset: str) -> str:
    return asset_name(dataset, AssetRole.SNAPSHOT)


def drift_report_asset(dataset: str) -> str:
    return asset_name(dataset, AssetRole.DRIFT_REPORT)


def anomalies_asset(dataset: str) -> str:
    return asset_name(dataset, AssetRole.ANOMALIES)


def anomaly_model_asset(dataset: str) -> str:
    return asset_name(dataset, AssetRole.ANOMALY_MODEL)


def own_asset_names(dataset: str) -> set[str]:
    """Every asset name dq_monitor may build for `dataset`."""
    return {asset_name(dataset, role) for role in AssetRole}


def asset_for_check_type(dataset: str, check_type: str) -> str:
    """The asset whose checks record findings of `check_type`."""
    try:
        role = CHECK_TYPE_ASSET.get(CheckType(check_type), AssetRole.SNAPSHOT)
    except ValueError:
        role = AssetRole.SNAPSHOT
    return asset_name(dataset, role)


def asset_for_metric(dataset: str, metric: str) -> str:
    """The asset that records `metric` in the history (the snapshot unless listed in METRIC_ASSET)."""
    return asset_name(dataset, METRIC_ASSET.get(metric, AssetRole.SNAPSHOT))


# -- checks ----------------------------------------------------------------------------------

def readable_check(dataset: str) -> str:
    return f"{dataset}_snapshot_is_readable"


def schema_contract_check(dataset: str) -> str:
    return f"{dataset}_schema_matches_contract"


def schema_unchanged_check(dataset: str) -> str:
    return f"{dataset}_schema_unchanged"


def row_count_bounds_check(dataset: str) -> str:
    return f"{dataset}_row_count_in_bounds"


def row_count_change_check(dataset: str) -> str:
    return f"{dataset}_row_count_change_is_normal"


def freshness_check(dataset: str) -> str:
    return f"{dataset}_is_fresh"


def source_check(dataset: str) -> str:
    return f"{dataset}_source_is_available"


def expectation_suite_check(dataset: str) -> str:
    return f"{dataset}_passes_expectation_suite"


def drift_check(dataset: str) -> str:
    return f"{dataset}_has_no_dataset_drift"


def anomaly_rate_check(dataset: str) -> str:
    return f"{dataset}_anomaly_rate_is_normal"


def monitor_check(dataset: str, metric: str, column: str | None = None) -> str:
    """`<dataset>_<metric>[_<column>]_is_normal`; the column is reduced to letters, digits and `_`."""
    parts = [dataset, metric]
    if column is not None:
        parts.append(re.sub(r"[^A-Za-z0-9_]+", "_", column).strip("_") or "column")
    return "_".join(parts) + "_is_normal"


# -- jobs, sensors, schedules, partitions ----------------------------------------------------

def snapshot_partitions(dataset: str) -> str:
    return f"{dataset}_snapshots"


def snapshot_job(dataset: str) -> str:
    return f"{dataset}_snapshot_job"


def snapshot_sensor(dataset: str) -> str:
    return f"{dataset}_new_snapshot_sensor"


def snapshot_schedule(dataset: str) -> str:
    return f"{dataset}_schedule"


def anomaly_model_job(dataset: str) -> str:
    return f"{dataset}_anomaly_model_job"


def anomaly_model_sensor(dataset: str) -> str:
    return f"{dataset}_anomaly_model_sensor"


def anomaly_model_schedule(dataset: str) -> str:
    return f"{dataset}_anomaly_model_schedule"


#: Finding-details key of `build_dq_checks` findings: {"asset": the asset key, "owners": the spec's owners}.
ASSET_TARGET_DETAIL = "dq_monitor/target"
CHECK_EVALUATION_SENSOR = "dq_monitor_check_evaluation_sensor"
ALERT_SENSOR = "dq_monitor_alert_sensor"
