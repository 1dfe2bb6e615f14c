"""`drift:` and `anomalies:` of `build_dq_checks`: each partition judged against earlier partitions' rows.

A check op gets only the value of the partition it judges (the asset's IO manager may keep nothing
else, or keep it somewhere dq_monitor cannot read), so dq_monitor keeps what later partitions are
compared with itself: a seeded uniform sample of at most `reference_sample_rows` rows of every judged
partition (all of them when fewer), as `<home>/samples/<asset name>/<partition>.parquet`, `<home>` being
the `dq_store` resource's. Kept only when the target has `drift` or `anomalies`.

From those, the dataset code decides exactly as for a snapshot: the drift reference (`previous`,
`first`, `snapshot`, `window`) is chosen among the clean partitions *before* the judged one in partition
order, and the anomaly model is trained on the clean partitions before it (and a re-check keeps the
model that judged it first) -- never the latest ones -- so a backfill in any order gives the same
verdicts. Drift reports, models and anomaly scores land in `<home>/artifacts/<asset name>/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from dq_monitor.config.asset_checks import AssetChecksSpec
from dq_monitor.core.files import private_tmp
from dq_monitor.core.outcome import CheckOutcome
from dq_monitor.defs.anomalies import model_for, score_snapshot
from dq_monitor.defs.asset_observation import Judging
from dq_monitor.defs.drift import (
    compare_and_report,
    no_reference_outcome,
    reference_paths,
)


@dataclass(frozen=True)
class _Artifacts:
    artifact_dir: Path


@dataclass(frozen=True)
class AssetScope:
    """One target as the dataset drift and anomaly code sees it (the parts of `DatasetContext` it uses)."""

    name: str
    dataset: AssetChecksSpec
    home: Path

    @property
    def project(self) -> _Artifacts:
        return _Artifacts(self.home / "artifacts")

    def snapshot_parquet(self, snapshot_id: str) -> Path:
        """The kept sample of one partition (the drift reference and anomaly training data it offers)."""
        return sample_path(self.home, self.name, snapshot_id)


def sample_path(home: Path, name: str, snapshot_id: str) -> Path:
    return Path(home) / "samples" / name / f"{quote(snapshot_id, safe='')}.parquet"


def needs_samples(spec: AssetChecksSpec) -> bool:
    return spec.drift is not None or spec.anomalies is not None


def keep_sample(home: Path, name: str, spec: AssetChecksSpec, snapshot_id: str, frame: pd.DataFrame,
                log: Any) -> Path | None:
    """Write the partition's bounded, seeded sample (replacing an older one); None when it cannot be written."""
    limit = spec.reference_sample_rows
    seed = spec.drift.seed if spec.drift is not None else 0
    kept = frame if len(frame) <= limit else frame.sample(n=limit, random_state=seed).sort_index()
    path = sample_path(home, name, snapshot_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = private_tmp(path)
    try:
        kept.reset_index(drop=True).to_parquet(tmp, index=False)
    except (ValueError, TypeError) as exc:  # pyarrow's ArrowInvalid / ArrowTypeError
        log.warning(f"{name}/{snapshot_id}: cannot keep a sample for later drift references and anomaly "
                    f"training ({type(exc).__name__}: {exc}); later partitions will not compare with this one")
        tmp.unlink(missing_ok=True)
        return None
    tmp.replace(path)  # atomic: a concurrent check never reads half a file
    return path


def evaluate_drift(name: str, spec: AssetChecksSpec, judging: Judging, value: pd.DataFrame) -> CheckOutcome:
    """`<name>_has_no_dataset_drift` of the recorded partition against its reference among earlier partitions."""
    from dq_monitor.drift import ReferenceUnavailable

    drift, scope, snapshot = spec.drift, AssetScope(name, spec, judging.home), judging.record.snapshot
    assert drift is not None
    try:
        selection, paths = reference_paths(scope, judging.store, drift, snapshot)  # type: ignore[arg-type]
    except ReferenceUnavailable as exc:
        return no_reference_outcome(name, drift, exc)
    outcome, _ = compare_and_report(scope, drift, snapshot, value, selection, paths,  # type: ignore[arg-type]
                                    judging.context.log)
    return outcome


def evaluate_anomalies(name: str, spec: AssetChecksSpec, judging: Judging, value: pd.DataFrame) -> CheckOutcome:
    """`<name>_anomaly_rate_is_normal`: every row scored by the model trained on clean partitions before it."""
    anomalies, scope, snapshot = spec.anomalies, AssetScope(name, spec, judging.home), judging.record.snapshot
    assert anomalies is not None
    entry, outcome = model_for(scope, anomalies, judging.store, snapshot, judging.context)  # type: ignore[arg-type]
    if entry is None:
        assert outcome is not None
        return outcome
    outcome, _, _ = score_snapshot(scope, anomalies, entry.path, snapshot, value)  # type: ignore[arg-type]
    return outcome
