"""`<dataset>_snapshot`: one partition per snapshot, stored as Parquet.

The sensor that discovered a snapshot hands its `SnapshotRef` to the run in the
`dq_monitor/snapshot_ref` tag, so the run reads exactly those files without listing the
source again; runs launched without it (UI, backfills, re-executions) look the snapshot up.
"""


import json
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import dagster as dg
import pandas as pd

from dq_monitor.checks import check_readable, describe_columns
from dq_monitor.core.markdown import markdown_table
from dq_monitor.core.names import CheckType, readable_check
from dq_monitor.defs.adapters import record_check
from dq_monitor.defs.context import DatasetContext
from dq_monitor.defs.expected_checks import snapshot_job_checks
from dq_monitor.defs.frames import StagedParquet
from dq_monitor.defs.parquet_ingest import ParquetScan, scan_parquet_snapshot
from dq_monitor.defs.resources import FindingsStoreResource
from dq_monitor.history import profile
from dq_monitor.report.spec import dataset_url
from dq_monitor.snapshots import (
    ReadProblem,
    ReadResult,
    SnapshotRef,
    SourceError,
    find_snapshot,
    frame_nbytes,
    read_snapshot,
)
from dq_monitor.snapshots.spec import SqlSource

if TYPE_CHECKING:
    from dq_monitor.store import Store

SNAPSHOT_REF_TAG = "dq_monitor/snapshot_ref"
#: Snapshot metadata key: the dataset's page in `dq-monitor serve` (`report.url`), else the static report file.
REPORT_KEY = "dq_monitor/report"
#: A folder snapshot of very many files is not worth a huge tag: such runs look the snapshot up instead.
MAX_REF_TAG_CHARS = 32_000
_TYPE_NAMES = {"int": "int", "float": "float", "bool": "bool", "string": "string", "datetime": "timestamp"}


def arrow_safe(frame: pd.DataFrame, profile: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Columns holding mixed Python types cannot become Parquet; keep them as text (the schema check flags them)."""
    mixed = [c for c, p in profile.items() if p["type"] == "mixed"]
    if not mixed:
        return frame
    frame = frame.copy()
    for col in mixed:
        frame[col] = frame[col].map(lambda v: v if v is None or (isinstance(v, float) and v != v) else str(v))
    return frame


def _preview(frame: pd.DataFrame, rows: int = 10) -> str:
    head = frame.head(rows)
    records = [{c: _short(v) for c, v in r.items()} for r in head.to_dict(orient="records")]
    return markdown_table(records, [str(c) for c in head.columns]) if len(head.columns) else "(no columns)"


def _short(value: Any) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def snapshot_metrics(frame: pd.DataFrame, ref: SnapshotRef, timestamp_column: str | None, log: Any) -> dict[str, float]:
    """The snapshot's profile for the metric history (row count, null rates, quantiles, freshness lag...)."""
    try:
        ts = timestamp_column if timestamp_column in frame.columns else None
        profiled = profile(frame, timestamp_column=ts, snapshot_time=ref.snapshot_time if ts else None)
    except (ValueError, TypeError) as exc:  # e.g. duplicate columns: the readability check reports it
        log.warning(f"{ref.dataset}/{ref.snapshot_id}: profile skipped: {exc}")
        profiled = {}
    return _sized_metrics(len(frame), len(frame.columns), ref, profiled)


def _sized_metrics(rows: int, columns: int, ref: SnapshotRef, profiled: dict[str, float]) -> dict[str, float]:
    metrics = {"row_count": float(rows), "bytes": float(ref.bytes), "column_count": float(columns), **profiled}
    metrics["bytes"] = float(ref.bytes)
    return metrics


def snapshot_ref_tags(ref: SnapshotRef) -> dict[str, str]:
    """Run tags carrying `ref` to the run (empty when the reference is too large for a tag)."""
    value = json.dumps({"dataset": ref.dataset, "snapshot_id": ref.snapshot_id, "path": ref.path,
                        "files": list(ref.files), "snapshot_time": ref.snapshot_time.isoformat(),
                        "bytes": ref.bytes}, sort_keys=True)
    return {SNAPSHOT_REF_TAG: value} if len(value) <= MAX_REF_TAG_CHARS else {}


def snapshot_ref_from_tags(tags: Mapping[str, str], dataset: str, snapshot_id: str) -> SnapshotRef | None:
    """The reference the sensor put in the run's tags, if it is for this dataset and partition."""
    raw = tags.get(SNAPSHOT_REF_TAG)
    if not raw or "dagster/parent_run_id" in tags:  # a re-execution may run long after discovery: look again
        return None
    try:
        data = json.loads(raw)
        ref = SnapshotRef(dataset=data["dataset"], snapshot_id=data["snapshot_id"], path=data["path"],
                          files=tuple(data["files"]), snapshot_time=datetime.fromisoformat(data["snapshot_time"]),
                          bytes=int(data["bytes"]))
    except (ValueError, KeyError, TypeError):
        return None
    return ref if (ref.dataset, ref.snapshot_id) == (dataset, snapshot_id) else None


def resolve_snapshot_ref(ctx: DatasetContext, context: dg.AssetExecutionContext) -> SnapshotRef:
    snapshot_id = context.partition_key
    ref = snapshot_ref_from_tags(context.run.tags, ctx.name, snapshot_id)
    if ref is not None:
        return ref
    try:
        return find_snapshot(ctx.dataset, ctx.root_path, snapshot_id)
    except SourceError as exc:
        raise dg.Failure(description=str(exc)) from None


def newest_timestamp(frame: pd.DataFrame, column: str | None) -> datetime | None:
    if not column or column not in frame.columns or not pd.api.types.is_datetime64_any_dtype(frame[column]):
        return None
    value = frame[column].max()
    return None if pd.isna(value) else value.to_pydatetime()


def record_ingest(ctx: DatasetContext, store: "Store", ref: SnapshotRef, result: ReadResult, frame: pd.DataFrame,
                  profile: dict[str, dict[str, Any]], context: dg.AssetExecutionContext) -> None:
    """The snapshot's row, column profile and metrics in the store (what the core checks read back)."""
    ts = ctx.dataset.timestamp_column
    _record_snapshot(ctx, store, ref, result.problems, len(frame), profile, newest_timestamp(frame, ts), context)
    store.record_metrics(ctx.name, ref.snapshot_id, snapshot_metrics(frame, ref, ts, context.log),
                         observed_at=ref.snapshot_time)


def record_scan(ctx: DatasetContext, store: "Store", ref: SnapshotRef, scan: ParquetScan,
                context: dg.AssetExecutionContext) -> None:
    """`record_ingest` of a snapshot profiled column by column (`parquet_ingest`): the same rows."""
    _record_snapshot(ctx, store, ref, scan.problems, scan.rows, scan.columns, scan.newest, context)
    store.record_metrics(ctx.name, ref.snapshot_id, _sized_metrics(scan.rows, len(scan.columns), ref, scan.profile),
                         observed_at=ref.snapshot_time)


def _record_snapshot(ctx: DatasetContext, store: "Store", ref: SnapshotRef, read_problems: list[ReadProblem],
                     rows: int, profile: dict[str, dict[str, Any]], newest: datetime | None,
                     context: dg.AssetExecutionContext) -> None:
    problems = [{"file": p.file, "problem": p.problem, "severity": p.severity} for p in read_problems]
    store.record_snapshot(ctx.name, ref.snapshot_id, source_path=ref.path, snapshot_time=ref.snapshot_time,
                          row_count=rows, bytes=ref.bytes, columns=profile, max_timestamp=newest,
                          read_problems=problems, run_id=context.run_id, expected_checks=snapshot_job_checks(ctx, context))


def output_metadata(frame: pd.DataFrame, ref: SnapshotRef, profile: dict[str, dict[str, Any]],
                    problems: int) -> dict[str, Any]:
    return _metadata(len(frame), frame_nbytes(frame), frame, ref, profile, problems)


def _metadata(rows: int, nbytes: int, head: pd.DataFrame, ref: SnapshotRef, profile: dict[str, dict[str, Any]],
              problems: int) -> dict[str, Any]:
    """The snapshot output's metadata; `head` holds at least the frame's first rows (the preview)."""
    schema = dg.TableSchema(columns=[
        dg.TableColumn(name=c, type=_TYPE_NAMES.get(p["type"], p["type"]), description=p["dtype"])
        for c, p in profile.items()
    ])
    return {
        "dagster/row_count": dg.MetadataValue.int(rows),
        "dagster/column_schema": dg.MetadataValue.table_schema(schema),
        "snapshot_id": dg.MetadataValue.text(ref.snapshot_id),
        "snapshot_time": dg.MetadataValue.timestamp(ref.snapshot_time),
        "source_path": dg.MetadataValue.path(ref.path),
        "files": dg.MetadataValue.int(len(ref.files)),
        "bytes": dg.MetadataValue.int(ref.bytes),
        "memory_bytes": dg.MetadataValue.int(nbytes),
        "read_problems": dg.MetadataValue.int(problems),
        "preview": dg.MetadataValue.md(_preview(head)),
    }


def report_link(ctx: DatasetContext) -> dict[str, Any]:
    """`dq_monitor/report`: where this dataset's history with its bands is drawn (the UI plots by run time)."""
    # The report's modules are not imported at code-location load.
    from dq_monitor.report.dataset import anchor

    if ctx.project.report.url:
        return {REPORT_KEY: dg.MetadataValue.url(dataset_url(ctx.project.report.url, ctx.name))}
    return {REPORT_KEY: dg.MetadataValue.path(f"{ctx.project.report_path}#{anchor(ctx.name)}")}


def ingest_snapshot(ctx: DatasetContext, context: dg.AssetExecutionContext, store: "Store") -> Iterator[Any]:
    """Read one snapshot, record it, and yield the Parquet output and the readability check."""
    started = time.perf_counter()  # the readability check's duration covers the read and the profile
    if isinstance(ctx.dataset.source, SqlSource):
        yield from ingest_sql_snapshot(ctx, context, store)
        return
    ref = resolve_snapshot_ref(ctx, context)
    staged, scan = scan_parquet_snapshot(ctx.dataset, ref, ctx.snapshot_parquet(ref.snapshot_id))
    try:
        if scan is not None:  # one plain Parquet file: copied as the partition file, profiled column by column
            record_scan(ctx, store, ref, scan, context)
            problems, value = scan.problems, StagedParquet(staged)
            metadata = _metadata(scan.rows, scan.nbytes, scan.head, ref, scan.columns, len(problems))
        else:
            result = read_snapshot(ctx.dataset, ref)
            columns = describe_columns(result.frame)
            value = arrow_safe(result.frame, columns)
            record_ingest(ctx, store, ref, result, value, columns, context)
            problems, metadata = result.problems, output_metadata(value, ref, columns, len(result.problems))
    except BaseException:
        if staged is not None:
            staged.unlink(missing_ok=True)
        raise
    for p in problems:
        context.log.warning(f"{ctx.name}/{ref.snapshot_id}: {p.file}: {p.problem}")
    outcome = check_readable(ctx.name, ref.snapshot_id, problems, len(ref.files))
    check = record_check(store, ctx.name, ref.snapshot_id, outcome, asset_key=ctx.snapshot_key,
                         check_type=CheckType.READABILITY, run_id=context.run_id, observed_at=ref.snapshot_time,
                         started=started)
    yield dg.Output(value, metadata={**metadata, **report_link(ctx)})
    yield check


def ingest_sql_snapshot(ctx: DatasetContext, context: dg.AssetExecutionContext, store: "Store") -> Iterator[Any]:
    """A SQL snapshot: schema, exact counts and metrics from the database; the Parquet output is the sample.

    A database problem (unreachable, missing table, permission denied) fails the readability check with a
    finding naming dataset, table and problem (password masked), then the run: no later check has data."""
    # SQL sources only: SQLAlchemy is not imported at code-location load.
    from dq_monitor.snapshots.sql_read import read_sql_snapshot

    started = time.perf_counter()
    ref = resolve_snapshot_ref(ctx, context)
    try:
        read = read_sql_snapshot(ctx.dataset, ref)
    except SourceError as exc:
        outcome = check_readable(ctx.name, ref.snapshot_id, [ReadProblem(ref.path, str(exc))], 1)
        yield record_check(store, ctx.name, ref.snapshot_id, outcome, asset_key=ctx.snapshot_key,
                           check_type=CheckType.READABILITY, run_id=context.run_id, observed_at=ref.snapshot_time,
                           started=started)
        raise dg.Failure(description=str(exc)) from None
    newest = read.newest.replace(tzinfo=timezone.utc) if read.newest else None
    store.record_snapshot(ctx.name, ref.snapshot_id, source_path=ref.path, snapshot_time=ref.snapshot_time,
                          row_count=read.row_count, bytes=0, columns=read.columns, max_timestamp=newest,
                          read_problems=[], run_id=context.run_id, expected_checks=snapshot_job_checks(ctx, context))
    store.record_metrics(ctx.name, ref.snapshot_id, read.metrics, observed_at=ref.snapshot_time)
    for note in read.notes:
        context.log.info(f"{ctx.name}/{ref.snapshot_id}: {note}")
    outcome = check_readable(ctx.name, ref.snapshot_id, [], 1)
    check = record_check(store, ctx.name, ref.snapshot_id, outcome, asset_key=ctx.snapshot_key,
                         check_type=CheckType.READABILITY, run_id=context.run_id, observed_at=ref.snapshot_time,
                         started=started)
    frame = arrow_safe(read.frame, describe_columns(read.frame))
    metadata = output_metadata(frame, ref, read.columns, 0)
    metadata.update({
        "dagster/row_count": dg.MetadataValue.int(read.row_count),
        "sampled": dg.MetadataValue.bool(read.sampled),
        "sample_rows": dg.MetadataValue.int(len(frame)),
        "sample_method": dg.MetadataValue.text(read.sample_method),
        "notes": dg.MetadataValue.md("\n".join(f"- {n}" for n in read.notes)),
        **report_link(ctx),
    })
    yield dg.Output(frame, metadata=metadata)
    yield check


def build_snapshot_asset(ctx: DatasetContext) -> dg.AssetsDefinition:
    ds = ctx.dataset

    @dg.asset(
        name=ctx.snapshot_key.path[-1],
        group_name=ctx.name,
        partitions_def=ctx.partitions_def,
        io_manager_key="dq_snapshot_io_manager",
        kinds={"pandas", getattr(ds.source, "format", "sql")},
        owners=ctx.dagster_owners,
        tags={"dq_monitor/dataset": ctx.name},
        description=(ds.description or f"Snapshots of {ctx.name}")
        + "\n\nEach partition is one snapshot found at the source, read and stored as Parquet. "
        "Read problems (empty files, malformed rows, bad encodings) fail the readability check.",
        check_specs=[dg.AssetCheckSpec(readable_check(ctx.name), asset=ctx.snapshot_key,
                                       partitions_def=ctx.partitions_def,
                                       description="Every file of the snapshot was read without problems.")],
    )
    def snapshot_asset(context: dg.AssetExecutionContext, dq_store: FindingsStoreResource) -> Iterator[Any]:
        yield from ingest_snapshot(ctx, context, dq_store.get_store())

    return snapshot_asset
