"""`anomalies:` -> `<dataset>_anomaly_model` (versioned detector) and `<dataset>_anomalies` (scored snapshots).

The model asset is trained on the last clean snapshots; a sensor re-materialises it when none exists
yet or the drift check failed after it was trained, and `retrain_schedule` adds a cron. Each snapshot is
scored by the newest model trained before it; the full scores are kept as Parquet, the top rows with
their reasons are shown in the UI, and `<dataset>_anomaly_rate_is_normal` fails when the anomaly rate is
abnormal.
"""

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
import pandas as pd

from dq_monitor.anomalies.spec import AnomalySpec
from dq_monitor.config import ProjectConfig
from dq_monitor.core import names
from dq_monitor.core.names import CheckType
from dq_monitor.core.outcome import CheckOutcome
from dq_monitor.core.process import PROCESS_TAG, this_process
from dq_monitor.defs.adapters import record_check, snapshot_time_of
from dq_monitor.defs.anomalies_training import (
    ModelRegistry,
    retraining_reason,
    training_snapshots,
)
from dq_monitor.defs.context import DatasetContext, FeatureDefs
from dq_monitor.defs.frames import parquet_columns, read_columns
from dq_monitor.defs.resources import FindingsStoreResource

if TYPE_CHECKING:
    from dq_monitor.store import Store

MIN_TRAINING_SNAPSHOTS = 3


class ModelTrainingConfig(dg.Config):
    as_of: str | None = None  # train on clean snapshots before this snapshot (default: the newest ones)


def _spec(ctx: DatasetContext) -> AnomalySpec:
    assert ctx.dataset.anomalies is not None
    return ctx.dataset.anomalies


def _registry(ctx: DatasetContext) -> ModelRegistry:
    return ModelRegistry(ctx.project.artifact_dir, ctx.name)


def _load_frames(ctx: DatasetContext, snapshot_ids: list[str], spec: AnomalySpec) -> pd.DataFrame:
    """The training snapshots, only the columns the model can use (the spec's `columns`, else all but the ignored)."""
    frames = []
    for s in snapshot_ids:
        path = ctx.snapshot_parquet(s)
        names = parquet_columns(path)
        wanted = (set(spec.columns if spec.columns is not None else names) - set(spec.ignore_columns)) | {spec.group_by}
        frames.append(read_columns(path, [c for c in names if c in wanted]))  # file order, as the whole frame's
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


class TrainingError(Exception):
    """The model cannot be trained as of a snapshot; the message says why."""


def min_training_snapshots(spec: AnomalySpec) -> int:
    return min(MIN_TRAINING_SNAPSHOTS, spec.reference_snapshots)


def train_model(ctx: DatasetContext, spec: AnomalySpec, store: "Store", as_of: str | None) -> tuple[Any, list[str], Any]:
    """Fit on the clean, materialized snapshots before `as_of` (default: the newest ones); (model, window, path).

    The model is recorded as trained for `as_of` (or the newest snapshot), so it becomes the current
    model from that snapshot on and never judges an earlier one. Under the registry's training lock:
    when another process already trained this model (same snapshot, window and spec), that one is reused.
    """
    from dq_monitor.anomalies import AnomalyInputError, FittedModel, fit_model

    registry = _registry(ctx)
    with registry.training_lock():
        before = store.get_snapshot(ctx.name, as_of) if as_of else None
        window = training_snapshots(store, ctx.name, before=before, n=spec.reference_snapshots)
        window = [s for s in window if ctx.snapshot_parquet(s).exists()]
        if not window:
            raise TrainingError(f"{ctx.name}: no clean, materialized snapshot to train the anomaly model on")
        # Trained *for* `as_of` even before `as_of` is recorded (the CLI trains ahead of the snapshot's run): the
        # label must not depend on what another process has recorded yet, or two processes fit one model twice.
        trained_for = as_of or store.snapshots(ctx.name)[-1].snapshot
        same = registry.trained(trained_for, window, spec.model_dump(mode="json"))
        if same is not None:
            return FittedModel.load(same.path), window, same.path
        try:
            model = fit_model(_load_frames(ctx, window, spec), spec, snapshot_ids=window)
        except AnomalyInputError as exc:
            raise TrainingError(f"{ctx.name}: cannot train the anomaly model on {', '.join(window)}: {exc}") from None
        return model, window, registry.save(model, as_of=trained_for)


def build_model_asset(ctx: DatasetContext, spec: AnomalySpec) -> dg.AssetsDefinition:
    key = dg.AssetKey(names.anomaly_model_asset(ctx.name))

    @dg.asset(name=key.path[-1], group_name=ctx.name, deps=[ctx.snapshot_key], kinds={"scikitlearn"},
              owners=ctx.dagster_owners, tags=ctx.tags,
              description=f"The {spec.detector} point-anomaly detector of {ctx.name}, fitted on the last "
              f"{spec.reference_snapshots} clean snapshots (no schema/volume errors, drift or anomaly failures). "
              "Each materialisation is a new model version.")
    def anomaly_model(context: dg.AssetExecutionContext, config: ModelTrainingConfig,
                      dq_store: FindingsStoreResource) -> dg.MaterializeResult:
        try:
            model, window, path = train_model(ctx, spec, dq_store.get_store(), config.as_of)
        except TrainingError as exc:
            raise dg.Failure(str(exc)) from None
        meta = model.metadata()
        context.log.info(f"{ctx.name}: model {model.version} trained on {len(window)} snapshot(s), "
                         f"{model.n_reference_rows} rows, features {model.features}")
        return dg.MaterializeResult(metadata={
            "version": dg.MetadataValue.text(model.version),
            "detector": dg.MetadataValue.text(model.detector_name),
            "training_snapshots": dg.MetadataValue.json(list(window)),
            "features": dg.MetadataValue.json(meta["features"]),
            "training_rows": dg.MetadataValue.int(model.n_reference_rows),
            "threshold": dg.MetadataValue.float(float(model.threshold)),
            "expected_rate": dg.MetadataValue.float(float(model.expected_rate)),
            "fitted_at": dg.MetadataValue.text(model.fitted_at),
            "model_path": dg.MetadataValue.path(str(path)),
            "notes": dg.MetadataValue.json(list(model.notes)),
        })

    return anomaly_model


def _top_rows_table(rows: list[dict[str, Any]]) -> str:
    from dq_monitor.core.markdown import markdown_table

    return markdown_table(rows, ["key", "score", "tier", "reason"]) if rows else "no anomalous rows"


def score_snapshot(ctx: DatasetContext, spec: AnomalySpec, model_path: Any, snapshot_id: str,
                   current: pd.DataFrame | Path) -> tuple[CheckOutcome, str, dict[str, Any]]:
    """Score every row with the model at `model_path`; (outcome, model version, asset metadata). `current` is
    the frame, or its Parquet file, read a chunk of the model's columns at a time (`score_parquet`)."""
    from dq_monitor.anomalies import FittedModel, anomaly_rate_outcome
    from dq_monitor.anomalies.scoring import score_and_write

    model = FittedModel.load(model_path)
    path = ctx.project.artifact_dir / ctx.name / "anomalies" / f"{snapshot_id}.parquet"
    scored = score_and_write(model, current, spec, primary_key=ctx.dataset.primary_key, scores_path=path)
    outcome = anomaly_rate_outcome(ctx.name, snapshot_id, scored, None, spec)
    metadata: dict[str, Any] = {"scores_path": dg.MetadataValue.path(str(path))} if scored.ok else {}
    metadata["top_anomalies"] = dg.MetadataValue.md(_top_rows_table(outcome.metadata.get("top_anomalies", [])))
    return outcome, model.version, metadata


def model_for(ctx: DatasetContext, spec: AnomalySpec, store: "Store", snapshot_id: str,
              context: dg.AssetExecutionContext) -> tuple[Any, CheckOutcome | None]:
    """The model current at `snapshot_id`, training it first (as of the snapshot) when one is due.

    Training here, not only in the model asset, is what makes a backlog under sensors come out like
    `check --all`: the run of each snapshot trains exactly what the CLI's pre-run hook would have.
    Returns (model entry, None), or (None, the not-evaluated outcome) when no model can exist yet.
    """
    from dq_monitor.anomalies import not_evaluated_outcome

    registry = _registry(ctx)
    pinned = _model_judged_before(store, registry, ctx.name, snapshot_id)
    if pinned is not None:
        return pinned, None
    needs = min_training_snapshots(spec)
    reason = retraining_reason(store, registry, ctx.name, as_of=snapshot_id, window=spec.reference_snapshots,
                               min_snapshots=needs)
    if reason is not None:
        try:
            model, window, _ = train_model(ctx, spec, store, snapshot_id)
            context.log.info(f"{ctx.name}: trained anomaly model {model.version} on {', '.join(window)} ({reason})")
        except TrainingError as exc:
            context.log.warning(str(exc))
    entry = registry.usable_for(store, ctx.name, snapshot_id)
    if entry is not None:
        return entry, None
    before = store.get_snapshot(ctx.name, snapshot_id)
    has = len(training_snapshots(store, ctx.name, before=before, n=spec.reference_snapshots)) if before else 0
    return None, not_evaluated_outcome(ctx.name, snapshot_id, needs=needs, has=has, spec=spec)


def _model_judged_before(store: "Store", registry: ModelRegistry, dataset: str, snapshot_id: str) -> Any:
    """The model an earlier evaluation of this snapshot used, if it is still on disk: a re-check keeps its judge."""
    earlier = [e for e in store.evaluations(dataset=dataset, snapshot=snapshot_id)
               if e.check == names.anomaly_rate_check(dataset)]
    version = earlier[0].metadata.get("model_version") if earlier else None
    return next((e for e in registry.entries() if e.version == version), None) if version else None


def materialize_anomalies(ctx: DatasetContext, spec: AnomalySpec, context: dg.AssetExecutionContext,
                          current: pd.DataFrame | Path, store: "Store") -> dg.MaterializeResult:
    started = time.perf_counter()
    snapshot_id = context.partition_key
    entry, outcome = model_for(ctx, spec, store, snapshot_id, context)
    if entry is None:
        assert outcome is not None
        model_version, metadata = "none", {}
    else:
        outcome, model_version, metadata = score_snapshot(ctx, spec, entry.path, snapshot_id, current)
    result = record_check(store, ctx.name, snapshot_id, outcome, asset_key=dg.AssetKey(names.anomalies_asset(ctx.name)),
                          check_type=CheckType.ANOMALY, run_id=context.run.run_id,
                          observed_at=snapshot_time_of(store, ctx.name, snapshot_id), started=started)
    rate = outcome.metadata.get("anomaly_rate")
    metadata.update({
        "model_version": dg.MetadataValue.text(model_version),
        "anomaly_rate": dg.MetadataValue.float(float(rate) if rate is not None else 0.0),
        "anomalous_rows": dg.MetadataValue.int(int(outcome.metadata.get("n_anomalies", 0) or 0)),
    })
    return dg.MaterializeResult(metadata=metadata, check_results=[result])


def build_scoring_asset(ctx: DatasetContext, spec: AnomalySpec, model_key: dg.AssetKey) -> dg.AssetsDefinition:
    key = dg.AssetKey(names.anomalies_asset(ctx.name))

    @dg.asset(name=key.path[-1], group_name=ctx.name, partitions_def=ctx.partitions_def,
              deps=[ctx.snapshot_key, model_key], kinds={"scikitlearn"},
              owners=ctx.dagster_owners, tags=ctx.tags,
              description=f"Every row of a {ctx.name} snapshot scored by the anomaly model trained before it "
              "(higher = more anomalous), with a plain-language reason per anomalous row; full scores as Parquet.",
              check_specs=[dg.AssetCheckSpec(names.anomaly_rate_check(ctx.name), asset=key,
                                             partitions_def=ctx.partitions_def,
                                             description="The share of anomalous rows is not abnormally high.")])
    def anomalies(context: dg.AssetExecutionContext, dq_store: FindingsStoreResource) -> dg.MaterializeResult:
        # The partition's Parquet file, not the loaded frame: scoring reads only the model's columns, in chunks.
        path = ctx.snapshot_parquet(context.partition_key)
        if not path.exists():
            raise dg.Failure(f"snapshot data {path} is missing: materialize {ctx.snapshot_key.to_user_string()} "
                             f"for partition {context.partition_key} first")
        return materialize_anomalies(ctx, spec, context, path, dq_store.get_store())

    return anomalies


def build_model_sensor(ctx: DatasetContext, spec: AnomalySpec, job: Any, running: bool) -> dg.SensorDefinition:
    @dg.sensor(name=names.anomaly_model_sensor(ctx.name), job=job,
               minimum_interval_seconds=ctx.project.automation.sensor_interval_seconds,
               default_status=dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED,
               description=f"Trains the first {ctx.name} anomaly model once enough clean snapshots exist, and "
               "retrains it when the drift check fails after the model was trained.")
    def _sensor(context: dg.SensorEvaluationContext, dq_store: FindingsStoreResource):
        store = dq_store.get_store()
        reason = retraining_reason(store, _registry(ctx), ctx.name, as_of=None, window=spec.reference_snapshots,
                                   min_snapshots=min_training_snapshots(spec))
        if reason is None:
            return dg.SkipReason(f"{ctx.name}: the anomaly model is current")
        newest = store.snapshots(ctx.name)[-1].snapshot
        context.log.info(f"{ctx.name}: training the anomaly model: {reason}")
        return dg.RunRequest(run_key=f"{ctx.name}:model:{newest}:{reason}", tags={**ctx.tags, "dq_monitor/reason": reason[:60]})

    return _sensor


def build_dataset_defs(ctx: DatasetContext) -> FeatureDefs | None:
    if ctx.dataset.anomalies is None:
        return None
    spec = _spec(ctx)
    model = build_model_asset(ctx, spec)
    scoring = build_scoring_asset(ctx, spec, model.key)
    job = dg.define_asset_job(names.anomaly_model_job(ctx.name), selection=[model.key], tags=ctx.tags,
                              executor_def=dg.in_process_executor)
    running = ctx.project.automation.sensors_running
    schedules = []
    if spec.retrain_schedule:
        schedules.append(dg.ScheduleDefinition(name=names.anomaly_model_schedule(ctx.name), job=job,
                                               cron_schedule=spec.retrain_schedule,
                                               default_status=dg.DefaultScheduleStatus.RUNNING if running
                                               else dg.DefaultScheduleStatus.STOPPED))
    return FeatureDefs(
        defs=dg.Definitions(assets=[model, scoring], jobs=[job], sensors=[build_model_sensor(ctx, spec, job, running)],
                            schedules=schedules),
        job_assets=[scoring.key],
    )


def before_snapshot_run(ctx: DatasetContext, defs: dg.Definitions, instance: dg.DagsterInstance, store,
                        snapshot_id: str) -> str | None:
    """For the in-process CLI (no daemon): train the model the sensor would have trained, as of this snapshot."""
    if ctx.dataset.anomalies is None:
        return None
    spec = _spec(ctx)
    reason = retraining_reason(store, _registry(ctx), ctx.name, as_of=snapshot_id, window=spec.reference_snapshots,
                               min_snapshots=min_training_snapshots(spec))
    if reason is None:
        return None
    defs.resolve_job_def(names.anomaly_model_job(ctx.name)).execute_in_process(
        instance=instance, raise_on_error=False,
        run_config={"ops": {names.anomaly_model_asset(ctx.name): {"config": {"as_of": snapshot_id}}},
                    "loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        tags={**ctx.tags, "dq_monitor/trigger": "cli", PROCESS_TAG: this_process(), "dq_monitor/reason": reason[:60]})
    return f"trained the anomaly model ({reason})"


def build_project_defs(project: ProjectConfig) -> dg.Definitions | None:
    return None
