"""Which checks one snapshot's run evaluates: recorded at ingest, so the store knows when a snapshot is checked.

A snapshot counts as clean (baseline, drift reference, training data, metric history) only after every
check of its snapshot job has an evaluation (`store.clean.ExpectedChecks`); a run killed half-way leaves
it unchecked, and the next `dq-monitor check` redoes it.
"""

from __future__ import annotations

import dagster as dg

from dq_monitor.core import names
from dq_monitor.defs.context import DatasetContext
from dq_monitor.store.clean import ExpectedChecks


def snapshot_job_checks(ctx: DatasetContext, context: dg.AssetExecutionContext) -> ExpectedChecks:
    """Every asset check of the dataset's snapshot job (the whole job, also when this run is a subset of it)."""
    try:
        job = context.repository_def.get_job(names.snapshot_job(ctx.name))
    except Exception:  # noqa: BLE001 - a job outside a repository (tests): the running job is the best answer
        job = context.job_def
    graph = job.asset_layer.asset_graph
    keys = sorted(graph.asset_check_keys, key=lambda k: k.name)
    return ExpectedChecks(
        always=tuple(k.name for k in keys if k.asset_key == ctx.snapshot_key),
        unless_blocked=tuple(k.name for k in keys if k.asset_key != ctx.snapshot_key),
        blocking=tuple(k.name for k in keys if graph.get_check_spec(k).blocking),
    )
