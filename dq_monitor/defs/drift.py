"""`drift:` -> `<dataset>_drift_report` (an Evidently report per snapshot) and `<dataset>_has_no_dataset_drift`."""

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
import pandas as pd

from dq_monitor.config import ProjectConfig
from dq_monitor.core import names
from dq_monitor.core.names import CheckType
from dq_monitor.core.outcome import CheckOutcome, Severity
from dq_monitor.defs.adapters import record_check, snapshot_time_of
from dq_monitor.defs.asset_observation import materialization
from dq_monitor.defs.context import DatasetContext, FeatureDefs
from dq_monitor.defs.frames import parquet_columns, parquet_rows, read_columns
from dq_monitor.defs.resources import FindingsStoreResource
from dq_monitor.drift.sources import ColumnSource, ReferenceSource
from dq_monitor.drift.spec import DriftSpec
from dq_monitor.snapshots.spec import SqlSource
from dq_monitor.store import clean

if TYPE_CHECKING:
    from dq_monitor.store import Store


def earlier_snapshots(store: "Store", dataset: str, snapshot: str) -> list[str]:
    """Ingested snapshots before `snapshot` (oldest first) that may serve as a drift reference.

    Left out: snapshots that broke the schema contract or could not be read, and snapshots that
    themselves showed dataset drift -- a drifted snapshot does not become the new normal (so a
    drift that persists keeps failing) until a user accepts it with `dq-monitor mark-expected`.
    """
    current = store.get_snapshot(dataset, snapshot)
    if current is None:
        return []
    return [s.snapshot for s in store.clean_snapshots(dataset, disqualifying=clean.DRIFT_REFERENCE, before=current)]


def reference_paths(ctx: DatasetContext, store: "Store", spec: DriftSpec, snapshot_id: str) -> tuple[Any, list[Path]]:
    """The reference selection for `snapshot_id` and its Parquet files (ReferenceUnavailable when there is none)."""
    from dq_monitor.drift import ReferenceUnavailable, select_reference

    selection = select_reference(earlier_snapshots(store, ctx.name, snapshot_id), spec, snapshot_id)
    paths = [ctx.snapshot_parquet(s) for s in selection.snapshot_ids]
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise ReferenceUnavailable(f"reference data not materialized: {', '.join(missing)}")
    return selection, paths


def parquet_source(path: str | Path) -> ColumnSource:
    """A Parquet file as `compare` reads it: one column at a time, each a private copy (`owned`)."""
    return ColumnSource(parquet_columns(path), parquet_rows(path), lambda name: read_columns(path, [name])[name],
                        owned=True)


def compare_and_report(ctx: DatasetContext, spec: DriftSpec, snapshot_id: str, current: pd.DataFrame | ColumnSource,
                       selection: Any, paths: list[Path], log: Any) -> tuple[CheckOutcome, dict[str, Any]]:
    """Compare `current` (a frame, or a `parquet_source`) to its reference, write the HTML report; the check
    outcome and the asset's metadata. The reference files are read one column at a time, never whole."""
    from dq_monitor.drift import (
        compare,
        has_findings,
        prune_report_artifacts,
        render_html_string,
        to_check_outcome,
        write_report_artifact,
    )

    report_root = ctx.project.artifact_dir  # reports land in <artifact root>/<dataset>/drift/
    reference = ReferenceSource([parquet_source(p) for p in paths], selection, spec.seed)
    result = compare(reference, current, spec)
    report, pruned = None, []
    if spec.html_report == "always" or (spec.html_report == "on_drift" and has_findings(result)):
        html = render_html_string(reference, current, result, sample_rows_per_side=spec.report_sample_rows,
                                  seed=spec.seed)
        report = write_report_artifact(report_root, ctx.name, snapshot_id, html)
        pruned = prune_report_artifacts(report_root, ctx.name, spec.retention)
    outcome = to_check_outcome(result, ctx.name, snapshot_id, spec, selection, report)
    log.info(f"{ctx.name}/{snapshot_id}: drift share {result.drift_share:.3f} vs {selection.description};"
             f" report {report or f'not rendered (html_report: {spec.html_report})'}"
             + (f"; pruned {len(pruned)} old report(s)" if pruned else ""))
    metadata = {
        "drift_share": dg.MetadataValue.float(float(result.drift_share)),
        "dataset_drift": dg.MetadataValue.bool(bool(result.dataset_drift)),
        "drifted_columns": dg.MetadataValue.int(int(result.number_of_drifted_columns)),
        "reference": dg.MetadataValue.text(selection.description),
        "columns": dg.MetadataValue.md(outcome.metadata["table"]),
    }
    if report is not None:
        metadata["report"] = dg.MetadataValue.path(str(report))
        metadata["report_url"] = dg.MetadataValue.url(report.resolve().as_uri())
    return outcome, metadata


def no_reference_outcome(dataset: str, spec: DriftSpec, why: Exception) -> CheckOutcome:
    """No reference (the first snapshot, or none kept): the check did not run, so it does not pass.

    As for the anomaly check: a failed WARN evaluation without a finding (honest in the UI, nothing to
    alert on, and it does not keep the snapshot out of clean history); a re-check once a reference
    exists replaces it.
    """
    return CheckOutcome(names.drift_check(dataset), False, Severity.WARN, f"not evaluated: no drift computed: {why}",
                        metadata={"reference": "none", "state": "no reference", "not_evaluated": True})


def sql_sample_evidence(ctx: DatasetContext, store: "Store", context: dg.AssetExecutionContext, snapshot_id: str,
                        rows: int) -> dict[str, Any]:
    """What the drift of a SQL snapshot was computed on: its seeded sample (rows, bucket rows, method)."""
    record = store.get_snapshot(ctx.name, snapshot_id)
    total = record.row_count if record and record.row_count is not None else rows
    event = materialization(context, ctx.snapshot_key)  # type: ignore[arg-type]  # any context with a partition
    meta = event.asset_materialization.metadata if event and event.asset_materialization else {}
    method = meta["sample_method"].value if "sample_method" in meta else "unknown"
    return {"sampled": rows < total, "sample_rows": rows, "rows_in_snapshot": total, "sample_method": method,
            "reference_rows": "the reference snapshots' samples (at most sample_rows rows each)"}


def mark_sampled(outcome: CheckOutcome, metadata: dict[str, Any],
                 sample: dict[str, Any]) -> tuple[CheckOutcome, dict[str, Any]]:
    """The drift outcome, its findings and the asset's metadata saying they came from a sample."""
    note = (f"computed on a sample of {sample['sample_rows']:,} of {sample['rows_in_snapshot']:,} rows "
            f"({sample['sample_method']})" if sample["sampled"] else
            f"computed on all {sample['rows_in_snapshot']:,} rows (the snapshot fits in sample_rows)")
    findings = tuple(replace(f, message=f"{f.message}; {note}", details={**f.details, "sample": sample})
                     for f in outcome.findings)
    outcome = replace(outcome, message=f"{outcome.message}; {note}", findings=findings,
                      metadata={**outcome.metadata, "sample": sample})
    return outcome, {**metadata, "sampled": dg.MetadataValue.bool(sample["sampled"]),
                     "sample_rows": dg.MetadataValue.int(sample["sample_rows"]),
                     "rows_in_snapshot": dg.MetadataValue.int(sample["rows_in_snapshot"]),
                     "sample_method": dg.MetadataValue.text(sample["sample_method"])}


def materialize_drift_report(ctx: DatasetContext, spec: DriftSpec, context: dg.AssetExecutionContext,
                             store: "Store") -> dg.MaterializeResult:
    """The drift report of the run's partition, read column by column from its Parquet file (never whole)."""
    from dq_monitor.drift import ReferenceUnavailable

    started = time.perf_counter()
    snapshot_id = context.partition_key
    key = dg.AssetKey(names.drift_report_asset(ctx.name))
    path = ctx.snapshot_parquet(snapshot_id)
    if not path.exists():
        raise dg.Failure(f"snapshot data {path} is missing: materialize {ctx.snapshot_key.to_user_string()} "
                         f"for partition {snapshot_id} first")
    try:
        selection, paths = reference_paths(ctx, store, spec, snapshot_id)
    except ReferenceUnavailable as exc:
        outcome = no_reference_outcome(ctx.name, spec, exc)
        metadata: dict[str, Any] = {"reference": "none", "state": str(exc)}
    else:
        current = parquet_source(path)
        outcome, metadata = compare_and_report(ctx, spec, snapshot_id, current, selection, paths, context.log)
        if isinstance(ctx.dataset.source, SqlSource):
            sample = sql_sample_evidence(ctx, store, context, snapshot_id, current.rows)
            outcome, metadata = mark_sampled(outcome, metadata, sample)
    result = record_check(store, ctx.name, snapshot_id, outcome, asset_key=key, check_type=CheckType.DRIFT,
                          run_id=context.run.run_id, observed_at=snapshot_time_of(store, ctx.name, snapshot_id),
                          started=started)
    return dg.MaterializeResult(metadata=metadata, check_results=[result])


def build_drift_report_asset(ctx: DatasetContext, spec: DriftSpec) -> dg.AssetsDefinition:
    key = dg.AssetKey(names.drift_report_asset(ctx.name))

    @dg.asset(
        name=key.path[-1],
        group_name=ctx.name,
        partitions_def=ctx.partitions_def,
        deps=[ctx.snapshot_key],  # read column by column from its Parquet file, not loaded whole as an input
        kinds={"evidently"},
        owners=ctx.dagster_owners,
        tags=ctx.tags,
        description=f"Drift of each {ctx.name} snapshot against its reference ({spec.reference.strategy}), with "
        "Evidently DataDriftPreset semantics computed exactly on the full data, and Evidently's HTML report "
        "rendered from a bounded sample. `drift_share` is plotted over snapshots.",
        check_specs=[dg.AssetCheckSpec(names.drift_check(ctx.name), asset=key, partitions_def=ctx.partitions_def,
                                       blocking=spec.blocking,
                                       description="The share of drifted columns stays below drift_share.")],
    )
    def drift_report(context: dg.AssetExecutionContext, dq_store: FindingsStoreResource) -> dg.MaterializeResult:
        return materialize_drift_report(ctx, spec, context, dq_store.get_store())

    return drift_report


def build_dataset_defs(ctx: DatasetContext) -> FeatureDefs | None:
    if ctx.dataset.drift is None:
        return None
    spec = ctx.dataset.drift
    asset = build_drift_report_asset(ctx, spec)
    return FeatureDefs(defs=dg.Definitions(assets=[asset]), job_assets=[asset.key])


def build_project_defs(project: ProjectConfig) -> dg.Definitions | None:
    return None
