"""`build_dq_checks(asset, spec)`: dq_monitor's checks on a user's own Dagster asset.

    defs = dg.Definitions(
        assets=[orders],
        asset_checks=build_dq_checks(orders, {"schema": {"learn": True}, "volume": "adaptive"}),
        resources=dq_resources(home=".dq_monitor"),
    )

All checks of one target run in one op, after the asset: the op loads the value through the asset's
own IO manager (or reads the materialization's metadata when there is no value to load), records the
partition as a snapshot in the `dq_store` and yields one result per check. On a partitioned asset the
checks are partitioned like it. Findings, evaluations and metrics are keyed by the asset key's path
joined by `_` and the partition key; each finding also carries the asset key and the spec's `owners`
(`ASSET_TARGET_DETAIL`), by which the alert pass routes it. Drift and anomalies compare with samples
kept from earlier partitions (`asset_references`).
"""

import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import dagster as dg

from dq_monitor.config.asset_checks import AssetChecksSpec, parse_asset_checks_spec
from dq_monitor.core.errors import ConfigError
from dq_monitor.core.names import ASSET_TARGET_DETAIL
from dq_monitor.core.outcome import CheckOutcome
from dq_monitor.defs.adapters import note_blocked, record_check
from dq_monitor.defs.asset_observation import (
    Judging,
    Observation,
    observe_frame,
    observe_metadata,
)
from dq_monitor.defs.asset_references import keep_sample, needs_samples
from dq_monitor.defs.asset_targets import AssetTarget, PlannedCheck, plan_checks
from dq_monitor.defs.resources import FindingsStoreResource

#: Metadata key on every check result `build_dq_checks` records itself (the check-evaluation sensor skips them).
OWN_CHECK_METADATA = "dq_monitor/recorded"
IO_MANAGER_METADATA = "dagster/io_manager_key"

AssetLike = dg.AssetsDefinition | dg.AssetSpec | dg.AssetKey | str


def _key_partitions_loadable(asset: AssetLike, source: str) -> tuple[dg.AssetKey, Any, bool]:
    if isinstance(asset, dg.AssetsDefinition):
        if len(asset.keys) != 1:
            raise ConfigError(f"{source}: {asset.node_def.name} defines {len(asset.keys)} assets; pass "
                              "asset.specs entries or keys one at a time")
        return asset.key, asset.partitions_def, asset.is_materializable
    if isinstance(asset, dg.AssetSpec):
        return asset.key, asset.partitions_def, IO_MANAGER_METADATA in (asset.metadata or {})
    if isinstance(asset, dg.AssetKey):
        return asset, None, True
    if isinstance(asset, str):
        return dg.AssetKey.from_user_string(asset), None, True
    raise ConfigError(f"{source}: cannot check {asset!r}: pass an AssetsDefinition, AssetSpec, AssetKey or key string")


def resolve_target(asset: AssetLike, spec: Mapping[str, Any] | AssetChecksSpec, *, base_dir: str | Path | None = None,
                   partitions_def: dg.PartitionsDefinition | None = None,
                   source: str = "build_dq_checks") -> AssetTarget:
    """The validated target; `partitions_def` is needed only for a key given without its definition."""
    key, own_partitions, loadable = _key_partitions_loadable(asset, source)
    parsed = parse_asset_checks_spec(dict(spec) if isinstance(spec, Mapping) else spec, key.to_user_string(),
                                     source=source)
    defined = isinstance(asset, (dg.AssetsDefinition, dg.AssetSpec))
    if defined and partitions_def is not None and partitions_def != own_partitions:
        raise ConfigError(f"{source}: target {key.to_user_string()!r}, field 'partitions_def': {partitions_def} "
                          f"disagrees with the asset's own partitions ({own_partitions or 'not partitioned'}); "
                          "drop partitions_def (the asset's own are used) or make it match")
    reads_data = loadable if parsed.read == "auto" else parsed.read == "data"
    return AssetTarget(key=key, dataset=parsed, partitions_def=own_partitions or partitions_def, reads_data=reads_data,
                       base_dir=Path(base_dir) if base_dir is not None else Path.cwd(), source=source,
                       partitions_known=defined or partitions_def is not None)


def _check_specs(target: AssetTarget, planned: list[PlannedCheck]) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(p.name, asset=target.key, description=p.description, blocking=p.blocking,
                              partitions_def=target.partitions_def) for p in planned]


def _for_alerts(target: AssetTarget, outcome: CheckOutcome) -> CheckOutcome:
    """Mark the result as ours (the check-evaluation sensor skips it) and give each finding the asset key and
    the spec's owners, which the alert pass routes by (`ASSET_TARGET_DETAIL`)."""
    about = {"asset": target.key.to_user_string(), "owners": list(target.dataset.owners)}
    findings = tuple(replace(f, details={**f.details, ASSET_TARGET_DETAIL: about}) for f in outcome.findings)
    return replace(outcome, metadata={**outcome.metadata, OWN_CHECK_METADATA: True}, findings=findings)


def _results(target: AssetTarget, planned: list[PlannedCheck], context: dg.AssetCheckExecutionContext,
             dq_store: FindingsStoreResource, seen: Observation, value: Any) -> Iterator[dg.AssetCheckResult]:
    store, rec = dq_store.get_store(), seen.record
    judging = Judging(store, seen, Path(dq_store.home), context)
    for check in planned:
        started = time.perf_counter()
        outcome = _for_alerts(target, check.evaluate(judging, value))
        if check.blocking:
            outcome = note_blocked(context, target.key, rec.snapshot, outcome)
        yield record_check(store, target.name, rec.snapshot, outcome, asset_key=target.key,
                           check_type=check.check_type, run_id=context.run.run_id, observed_at=rec.snapshot_time,
                           started=started)


def _judge_value(target: AssetTarget, planned: list[PlannedCheck], context: dg.AssetCheckExecutionContext,
                 dq_store: FindingsStoreResource, value: Any) -> Iterator[dg.AssetCheckResult]:
    seen = observe_frame(dq_store.get_store(), target.name, value, timestamp_column=target.dataset.timestamp_column,
                         context=context, partitions_def=target.partitions_def, key=target.key)
    if needs_samples(target.dataset):
        keep_sample(Path(dq_store.home), target.name, target.dataset, seen.record.snapshot, value, context.log)
    yield from _results(target, planned, context, dq_store, seen, value)


def load_by_key(context: dg.AssetCheckExecutionContext, target: AssetTarget) -> Any:
    """The value of a target named only by its key, through the asset's own IO manager, once the run's job
    has said the asset is not partitioned (unpartitioned checks cannot load one partition of it, and
    Dagster's input-load error would not say why)."""
    where = f"{target.source}: target {target.key.to_user_string()!r}"
    layer = context.op_execution_context.job_def.asset_layer
    if not layer.has(target.key):
        raise dg.Failure(f"{where}: the asset is not defined in this code location, so its value cannot be loaded; "
                         "add it to the Definitions, or judge it from its materialization metadata (`read: metadata`)")
    partitions = layer.get(target.key).partitions_def
    if partitions is not None:
        raise dg.Failure(f"{where}: the asset is partitioned ({partitions}) but its dq_monitor checks are not: pass "
                         "its AssetsDefinition or AssetSpec to build_dq_checks (or partitions_def=...), or give the "
                         "component target `partitions:`")
    return context.op_execution_context.load_asset_value(target.key)


def _build_data_checks(target: AssetTarget, planned: list[PlannedCheck]) -> dg.AssetChecksDefinition:
    name, specs = f"{target.name}_dq_checks", _check_specs(target, planned)
    description = f"dq_monitor checks of {target.key.to_user_string()}, on its loaded value."
    if not target.partitions_known:  # only a key: the run's job says whether it can be loaded unpartitioned
        @dg.multi_asset_check(name=name, specs=specs, description=description)
        def _by_key(context: dg.AssetCheckExecutionContext, dq_store: FindingsStoreResource):
            yield from _judge_value(target, planned, context, dq_store, load_by_key(context, target))

        return _by_key

    @dg.multi_asset_check(name=name, specs=specs, ins={"value": dg.AssetIn(key=target.key)}, description=description)
    def _checks(context: dg.AssetCheckExecutionContext, value: Any, dq_store: FindingsStoreResource):
        yield from _judge_value(target, planned, context, dq_store, value)

    return _checks


def _build_metadata_checks(target: AssetTarget, planned: list[PlannedCheck]) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(name=f"{target.name}_dq_checks", specs=_check_specs(target, planned),
                          description=f"dq_monitor checks of {target.key.to_user_string()}, on the metadata of "
                          "its latest materialization (no data is loaded).")
    def _checks(context: dg.AssetCheckExecutionContext, dq_store: FindingsStoreResource):
        seen = observe_metadata(dq_store.get_store(), target.name, context=context,
                                partitions_def=target.partitions_def, key=target.key)
        yield from _results(target, planned, context, dq_store, seen, None)

    return _checks


def build_dq_checks(asset: AssetLike, spec: Mapping[str, Any] | AssetChecksSpec, *,
                    base_dir: str | Path | None = None, partitions_def: dg.PartitionsDefinition | None = None,
                    source: str = "build_dq_checks") -> list[dg.AssetChecksDefinition]:
    """dq_monitor's checks on `asset`, named like the dataset checks (`<asset>_schema_matches_contract`, ...).

    `spec` has the shape of a config-file dataset without `source` (see `AssetChecksSpec`); relative
    paths (the expectation suite) resolve against `base_dir` (default: the working directory). The
    checks need the `dq_store` resource (`dq_resources(...)`).
    """
    target = resolve_target(asset, spec, base_dir=base_dir, partitions_def=partitions_def, source=source)
    planned = plan_checks(target)
    build = _build_data_checks if target.reads_data else _build_metadata_checks
    return [build(target, planned)]


def dq_resources(home: str | Path = ".dq_monitor", database_url: str | None = None) -> dict[str, Any]:
    """The `dq_store` resource the checks write to: `database_url`, else a SQLite file under `home`."""
    return {"dq_store": FindingsStoreResource(database_url=database_url, home=str(Path(home).resolve()))}
