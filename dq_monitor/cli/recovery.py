"""What `dq-monitor check` does about an earlier `check` that was killed (kill -9, OOM, a lost machine).

Such a process leaves Dagster runs `STARTED` forever and snapshots whose checks were not all
evaluated. On start, `check` marks the runs of dead `check` processes on this host failed (via the
instance API, with a message saying why), and plans every snapshot the store holds unchecked again,
before the ones asked for: checking is at-least-once, and re-checking a snapshot is idempotent.
"""

from __future__ import annotations

from dq_monitor.core.process import PROCESS_TAG, process_gone, this_process

CLI_TRIGGER = {"dq_monitor/trigger": "cli"}


def process_tags() -> dict[str, str]:
    """Tags for a run `check` executes in-process: a later `check` can tell when this process died."""
    return {**CLI_TRIGGER, PROCESS_TAG: this_process()}


def fail_orphaned_runs(instance) -> list[str]:
    """Mark `check` runs still STARTING/STARTED whose process is gone as failed; one line per run."""
    import dagster as dg

    runs = instance.get_runs(filters=dg.RunsFilter(
        statuses=[dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED], tags=CLI_TRIGGER))
    notes = []
    for run in runs:
        owner = run.tags.get(PROCESS_TAG)
        if not owner or not process_gone(owner):
            continue
        instance.report_run_failed(run, f"the dq-monitor check process that ran it ({owner}) is gone (killed?); "
                                        "its unchecked snapshots are checked again by the next dq-monitor check")
        notes.append(f"marked run {run.run_id[:8]} of {run.job_name} failed: its process {owner} is gone")
    return notes


def with_unfinished(store, dataset: str, ids: list[str], chosen: list[str]) -> tuple[list[str], list[str]]:
    """(`chosen` plus the snapshots of `ids` the store holds unchecked, in `ids` order; the added ones)."""
    unchecked = {s.snapshot for s in store.unchecked_snapshots(dataset)}
    added = [i for i in ids if i in unchecked and i not in chosen]
    position = {sid: n for n, sid in enumerate(ids)}
    return sorted({*chosen, *added}, key=lambda sid: position.get(sid, len(ids))), added
