"""`<dataset>_snapshot`: one partition per snapshot, stored as Parquet."""


from collections.abc import Iterator
from typing import Any

import dagster as dg
import pandas as pd

from dq_monitor.checks import check_readable, describe_columns
from dq_monitor.core.markdown import markdown_table
from dq_monitor.defs.adapters import to_check_result
from dq_monitor.defs.context import DatasetContext
from dq_monitor.defs.resources import FindingsStoreResource
from dq_monitor.history import profile
from dq_monitor.snapshots import (
    SnapshotRef,
    SourceError,
    find_snapshot,
    frame_nbytes,
    read_snapshot,
)

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
    metrics: dict[str, float] = {"row_count": float(len(frame)), "bytes": float(ref.bytes),
                                 "column_count": float(len(frame.columns))}
    try:
        ts = timestamp_column if timestamp_column in frame.columns else None
        metrics.update(profile(frame, timestamp_column=ts, snapshot_time=ref.snapshot_time if ts else None))
    except (ValueError, TypeError) as exc:  # e.g. duplicate columns: the readability check reports it
        log.warning(f"{ref.dataset}/{ref.snapshot_id}: profile skipped: {exc}")
    metrics["bytes"] = float(ref.bytes)
    return metrics


def build_snapshot_asset(ctx: DatasetContext) -> dg.AssetsDefinition:
    ds = ctx.dataset
    readable_name = f"{ctx.name}_snapshot_is_readable"

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
        check_specs=[dg.AssetCheckSpec(readable_name, asset=ctx.snapshot_key, partitions_def=ctx.partitions_def,
                                       description="Every file of the snapshot was read without problems.")],
    )
    def snapshot_asset(context: dg.AssetExecutionContext, dq_store: FindingsStoreResource) -> Iterator[Any]:
        snapshot_id = context.partition_key
        try:
            ref = find_snapshot(ds, ctx.root_path, snapshot_id)
        except SourceError as exc:
            raise dg.Failure(description=str(exc)) from None
        result = read_snapshot(ds, ref)
        profile = describe_columns(result.frame)
        frame = arrow_safe(result.frame, profile)
        max_ts = None
        ts_col = ds.timestamp_column
        if ts_col and ts_col in frame.columns and pd.api.types.is_datetime64_any_dtype(frame[ts_col]):
            value = frame[ts_col].max()
            max_ts = None if pd.isna(value) else value.to_pydatetime()
        store = dq_store.get_store()
        problems = [{"file": p.file, "problem": p.problem, "severity": p.severity} for p in result.problems]
        store.record_snapshot(ctx.name, snapshot_id, source_path=ref.path, snapshot_time=ref.snapshot_time,
                              row_count=len(frame), bytes=ref.bytes, columns=profile, max_timestamp=max_ts,
                              read_problems=problems, run_id=context.run_id)
        store.record_metrics(ctx.name, snapshot_id, snapshot_metrics(frame, ref, ds.timestamp_column, context.log),
                             observed_at=ref.snapshot_time)
        outcome = check_readable(ctx.name, snapshot_id, result.problems, len(ref.files))
        store.record_outcome(ctx.name, snapshot_id, outcome, check_type="readability",
                             asset_key=ctx.snapshot_key.to_user_string(), run_id=context.run_id,
                             observed_at=ref.snapshot_time)
        for p in result.problems:
            context.log.warning(f"{ctx.name}/{snapshot_id}: {p.file}: {p.problem}")
        schema = dg.TableSchema(columns=[
            dg.TableColumn(name=c, type=_TYPE_NAMES.get(p["type"], p["type"]), description=p["dtype"])
            for c, p in profile.items()
        ])
        yield dg.Output(
            frame,
            metadata={
                "dagster/row_count": dg.MetadataValue.int(len(frame)),
                "dagster/column_schema": dg.MetadataValue.table_schema(schema),
                "snapshot_id": dg.MetadataValue.text(snapshot_id),
                "snapshot_time": dg.MetadataValue.timestamp(ref.snapshot_time),
                "source_path": dg.MetadataValue.path(ref.path),
                "files": dg.MetadataValue.int(len(ref.files)),
                "bytes": dg.MetadataValue.int(ref.bytes),
                "memory_bytes": dg.MetadataValue.int(frame_nbytes(frame)),
                "read_problems": dg.MetadataValue.int(len(result.problems)),
                "preview": dg.MetadataValue.md(_preview(frame)),
            },
        )
        yield to_check_result(outcome, ctx.snapshot_key)

    return snapshot_asset
