"""Which checks a target of `build_dq_checks` gets, and how each one judges the recorded partition.

Each check is a pure function of (store, recorded snapshot, loaded value) -- the same evaluators the
dataset checks use (`defs.checks`, `defs.history`, the expectations package) -- so an asset partition
and a snapshot are judged alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from dq_monitor.checks import check_freshness
from dq_monitor.config.asset_checks import DATA_SECTIONS, AssetChecksSpec
from dq_monitor.core import names
from dq_monitor.core.errors import ConfigError
from dq_monitor.core.names import METRIC_ASSET, CheckType
from dq_monitor.core.outcome import CheckOutcome, Finding, Severity
from dq_monitor.defs import checks as core_checks
from dq_monitor.defs.asset_observation import Judging
from dq_monitor.defs.asset_references import evaluate_anomalies, evaluate_drift
from dq_monitor.defs.history import expected_timestamps, metric_history, monitor_specs
from dq_monitor.history import MonitorSpec, evaluate_latest, monitor_outcome
from dq_monitor.store import SnapshotRecord

if TYPE_CHECKING:
    from dq_monitor.store import Store

#: (the recorded partition and where to judge it, the loaded value or None) -> outcome
Evaluate = Callable[[Judging, Any], CheckOutcome]
#: Metrics a metadata-only target records (from dagster/row_count and dagster/column_schema).
METADATA_METRICS = ("row_count", "column_count")
METADATA_NOTE = " Judged from the latest materialization's metadata (dagster/row_count, dagster/column_schema)."


@dataclass(frozen=True)
class _Origin:
    source_file: str


@dataclass(frozen=True)
class AssetTarget:
    """One user asset and its checks. `name` and `dataset` mirror `DatasetContext`, so the dataset
    path's evaluators serve both."""

    key: dg.AssetKey
    dataset: AssetChecksSpec
    partitions_def: dg.PartitionsDefinition | None
    reads_data: bool
    base_dir: Path
    source: str
    #: False for a key given without its definition or `partitions_def`: the run's job tells whether it is partitioned.
    partitions_known: bool = True

    @property
    def name(self) -> str:
        """The store's dataset name: the asset key's path joined by `_`."""
        return re.sub(r"[^A-Za-z0-9_]+", "_", "_".join(self.key.path))

    @property
    def project(self) -> _Origin:
        return _Origin(f"{self.source}: target {self.key.to_user_string()!r}")


@dataclass(frozen=True)
class PlannedCheck:
    name: str
    description: str
    check_type: CheckType
    evaluate: Evaluate
    blocking: bool = False


def _ignore_value(evaluate: Callable[[Store, SnapshotRecord], CheckOutcome]) -> Evaluate:
    return lambda judging, value: evaluate(judging.store, judging.record)


def _needs(target: AssetTarget, check: str, what: str, present: bool, evaluate: Evaluate) -> Evaluate:
    """A metadata-only check fails with a clear finding when the materialization lacks its metadata key."""
    if target.reads_data:
        return evaluate

    def guarded(judging: Judging, value: Any) -> CheckOutcome:
        rec = judging.record
        if present(rec):
            return evaluate(judging, value)
        msg = f"{target.name}/{rec.snapshot}: the materialization has no {what} metadata to judge"
        return CheckOutcome(check, False, Severity.ERROR, msg, findings=(
            Finding(target.name, rec.snapshot, check, Severity.ERROR, msg, {"problem": "no_metadata", "key": what},
                    key="no_metadata"),))

    return guarded


def _freshness(target: AssetTarget) -> Evaluate:
    spec = target.dataset.freshness
    assert spec is not None
    if not target.reads_data:  # no records to read: the materialization time is the newest data
        spec = spec.model_copy(update={"based_on": "snapshot"})
    return lambda judging, value: check_freshness(
        target.name, judging.record.snapshot, spec, snapshot_time=judging.seen.reference_time,
        max_timestamp=judging.record.max_timestamp, now=datetime.now(timezone.utc),
        timestamp_column=target.dataset.timestamp_column)


def _monitor(target: AssetTarget, spec: MonitorSpec) -> Evaluate:
    check_name = spec.check_name(target.name)

    def evaluate(judging: Judging, value: Any) -> CheckOutcome:
        store, rec = judging.store, judging.record
        series, times = metric_history(store, target.name, spec.key, rec.snapshot)
        verdict = evaluate_latest(series, spec, expected=expected_timestamps(store, target.name, check_name, times),
                                  as_of=rec.snapshot_time)
        if rec.snapshot not in times:
            verdict = replace(verdict, state="missing", is_anomaly=False, observed=None)
        return monitor_outcome(target.name, verdict, rec.snapshot)

    return evaluate


def _expectations(target: AssetTarget) -> Evaluate:
    spec = target.dataset.expectations
    assert spec is not None
    suite = spec.suite_path(target.name, target.base_dir)

    def evaluate(judging: Judging, value: Any) -> CheckOutcome:
        from dq_monitor.expectations import (
            validate_frame,  # GX is imported only where it runs
        )

        return validate_frame(value, suite, target.name, judging.record.snapshot, list(target.dataset.primary_key),
                              sample_size=spec.sample_size)

    return evaluate


def _schema_checks(target: AssetTarget) -> list[PlannedCheck]:
    n = target.name
    has_schema = lambda rec: bool(rec.columns)
    contract = target.dataset.schema_
    contract_name, unchanged_name = names.schema_contract_check(n), names.schema_unchanged_check(n)
    return [
        PlannedCheck(contract_name, "Columns, types and nullability match the schema contract (from the spec, or "
                     "learned from the earliest partition). Blocking when the contract's severity is ERROR: "
                     "downstream assets do not run on a broken schema.", CheckType.SCHEMA,
                     _needs(target, contract_name, "dagster/column_schema", has_schema,
                            _ignore_value(core_checks._schema_contract(target))),  # type: ignore[arg-type]
                     blocking=contract is None or contract.severity == Severity.ERROR),
        PlannedCheck(unchanged_name, "No column was added, removed or retyped since the previous accepted "
                     "partition (WARN).", CheckType.SCHEMA,
                     _needs(target, unchanged_name, "dagster/column_schema", has_schema,
                            _ignore_value(core_checks._schema_unchanged(target)))),  # type: ignore[arg-type]
    ]


def _volume_checks(target: AssetTarget) -> list[PlannedCheck]:
    volume = target.dataset.volume
    has_rows = lambda rec: rec.row_count is not None
    planned = []
    if volume and (volume.min_rows is not None or volume.max_rows is not None):
        name = names.row_count_bounds_check(target.name)
        planned.append(PlannedCheck(name, "Row count is within min_rows/max_rows.", CheckType.VOLUME,
                                    _needs(target, name, "dagster/row_count", has_rows,
                                           _ignore_value(core_checks._row_count_bounds(target)))))  # type: ignore[arg-type]
    if volume and volume.max_change_pct is not None:
        name = names.row_count_change_check(target.name)
        planned.append(PlannedCheck(name, "Row count changed by at most max_change_pct versus the previous accepted "
                                    "partition.", CheckType.VOLUME,
                                    _needs(target, name, "dagster/row_count", has_rows,
                                           _ignore_value(core_checks._row_count_change(target)))))  # type: ignore[arg-type]
    return planned


def _validate_for_metadata(target: AssetTarget, monitors: list[MonitorSpec]) -> None:
    where = f"{target.source}: target {target.key.to_user_string()!r}"
    for section in DATA_SECTIONS:
        if not target.reads_data and getattr(target.dataset, section) is not None:
            raise ConfigError(f"{where}, field {section!r}: needs the asset's data, but the target is judged from "
                              "metadata only (give it an IO manager, or `read: data`)")
    for spec in monitors:
        if spec.metric in METRIC_ASSET:
            raise ConfigError(f"{where}, field 'monitors': metric {spec.metric!r} needs the {spec.metric} feature, "
                              "which asset checks do not have yet")
        if not target.reads_data and spec.metric not in METADATA_METRICS:
            raise ConfigError(f"{where}, field 'monitors': metric {spec.metric!r} needs the asset's data; from "
                              f"metadata only {', '.join(METADATA_METRICS)} are known")


def plan_checks(target: AssetTarget) -> list[PlannedCheck]:
    """Every check of `target`, in the order they are evaluated (schema first: it decides the baseline)."""
    monitors = monitor_specs(target)  # type: ignore[arg-type]
    _validate_for_metadata(target, monitors)
    planned = _schema_checks(target) + _volume_checks(target)
    if target.dataset.freshness:
        planned.append(PlannedCheck(names.freshness_check(target.name),
                                    "The newest record is recent enough at the end of the partition (or when it was "
                                    "materialized).", CheckType.FRESHNESS, _freshness(target)))
    for spec in monitors:
        planned.append(PlannedCheck(spec.check_name(target.name),
                                    f"{spec.key} is inside its learned normal band for this partition, judged only "
                                    "from earlier partitions; 'learning' while history is short.",
                                    CheckType.HISTORY, _monitor(target, spec)))
    if target.dataset.expectations is not None:
        planned.append(PlannedCheck(names.expectation_suite_check(target.name),
                                    "The value passes the Great Expectations suite; severity follows each "
                                    "expectation's `severity`.", CheckType.EXPECTATIONS, _expectations(target),
                                    blocking=target.dataset.expectations.blocking))
    planned += _reference_checks(target)
    if not target.reads_data:
        planned = [replace(p, description=p.description + METADATA_NOTE) for p in planned]
    return planned


def _reference_checks(target: AssetTarget) -> list[PlannedCheck]:
    """Drift and anomalies: the partition against rows kept from earlier partitions (`asset_references`)."""
    spec, name = target.dataset, target.name
    planned = []
    if spec.drift is not None:
        planned.append(PlannedCheck(
            names.drift_check(name), f"The share of drifted columns stays below drift_share, against "
            f"{spec.drift.reference.strategy} among the clean partitions before this one (their kept samples).",
            CheckType.DRIFT, lambda judging, value: evaluate_drift(name, spec, judging, value),
            blocking=spec.drift.blocking))
    if spec.anomalies is not None:
        planned.append(PlannedCheck(
            names.anomaly_rate_check(name), "The share of anomalous rows is not abnormally high; rows are scored "
            f"by a {spec.anomalies.detector} model trained on up to {spec.anomalies.reference_snapshots} clean "
            "partitions before this one.", CheckType.ANOMALY,
            lambda judging, value: evaluate_anomalies(name, spec, judging, value)))
    return planned
