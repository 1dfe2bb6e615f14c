"""Versioned anomaly models on disk, and when a dataset needs a (re)trained one.

Models live in `<artifact root>/<dataset>/models/<version>.joblib` with a JSON sidecar
(training snapshots, features, fitted_at, and `as_of`: the snapshot it was trained for, from
which on it is the current model). A snapshot is judged by the model that was current at its
time: trained only on snapshots before it, and trained for it or for an earlier snapshot --
never one trained later for a newer snapshot, even when that model's window happens to end
before it. So a backfill never scores old data with a model that has seen the future, and
re-running `check --all` gives every snapshot the same model, verdict and scores again.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dq_monitor.core.names import drift_check
from dq_monitor.store import SnapshotRecord, clean

if TYPE_CHECKING:
    from dq_monitor.store import Store


@dataclass(frozen=True)
class ModelEntry:
    path: Path
    version: str
    snapshot_ids: tuple[str, ...]
    fitted_at: str
    as_of: str | None = None  # None: written before `as_of` existed; current after its newest training snapshot
    params: dict | None = None  # the anomaly spec it was fitted with


class ModelRegistry:
    def __init__(self, root: Path, dataset: str) -> None:
        self.folder = Path(root) / dataset / "models"

    def path_for(self, version: str) -> Path:
        return self.folder / f"{version}.joblib"

    def save(self, model, as_of: str) -> Path:
        """Write `model` (a FittedModel) and its sidecar, recording the snapshot it was trained for.

        Both are written in a staging folder and moved in, the sidecar last: a reader never sees a
        half-written model, nor a sidecar without its `as_of`.
        """
        staged = model.save(self.folder / ".staging" / f"{model.version}.joblib")
        sidecar = staged.with_name(staged.name + ".json")
        meta = json.loads(sidecar.read_text())
        sidecar.write_text(json.dumps({**meta, "as_of": as_of}, indent=2, sort_keys=True))
        path = self.path_for(model.version)
        os.replace(staged, path)
        os.replace(sidecar, path.with_name(path.name + ".json"))
        return path

    @contextmanager
    def training_lock(self) -> Iterator[None]:
        """Held while deciding to train and training: two processes never fit the same model twice."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".training.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def trained(self, as_of: str, snapshot_ids: list[str], params: dict) -> ModelEntry | None:
        """A model already trained for `as_of` on exactly `snapshot_ids` with the same spec (another process's)."""
        return next((e for e in self.entries() if e.as_of == as_of and list(e.snapshot_ids) == snapshot_ids
                     and e.params == params), None)

    def entries(self) -> list[ModelEntry]:
        out = []
        for sidecar in sorted(self.folder.glob("*.joblib.json")):
            try:
                meta = json.loads(sidecar.read_text())
            except (OSError, ValueError):
                continue
            out.append(ModelEntry(sidecar.with_suffix(""), str(meta.get("version")), tuple(meta.get("snapshot_ids", [])),
                                  str(meta.get("fitted_at", "")), meta.get("as_of"), meta.get("params")))
        return sorted(out, key=lambda e: e.fitted_at)

    def usable_for(self, store: Store, dataset: str, snapshot: str) -> ModelEntry | None:
        """The model current at `snapshot`'s time: trained only on earlier snapshots, for it or an earlier one.

        Among those, the one trained for the latest snapshot wins (then the newest fit), so the choice
        depends only on what happened up to `snapshot`, not on models trained after it.
        """
        current = store.get_snapshot(dataset, snapshot)
        if current is None:
            return None
        times = {s.snapshot: (s.snapshot_time, s.snapshot) for s in store.snapshots(dataset)}
        here = (current.snapshot_time, snapshot)
        usable = []
        for e in self.entries():
            trained = [times.get(s, here) for s in e.snapshot_ids]
            if not trained or any(t >= here for t in trained):
                continue
            became_current = times.get(e.as_of, here) if e.as_of else max(trained)
            if became_current <= here:
                usable.append((became_current, e.fitted_at, e))
        return max(usable, key=lambda u: u[:2])[2] if usable else None


def training_snapshots(store: Store, dataset: str, *, before: SnapshotRecord | None, n: int) -> list[str]:
    """The last `n` clean snapshots (before `before` when given) to train on.

    Clean: no open ERROR schema/readability/volume finding, no failed drift or anomaly-rate check
    (unless a user marked the snapshot expected) -- a bad day must not teach the model what normal is.
    """
    candidates = [s for s in store.clean_snapshots(dataset, disqualifying=clean.ANOMALY_TRAINING, before=before)
                  if (s.row_count or 0) > 0]
    return [s.snapshot for s in candidates[-n:]]


def retraining_reason(store: Store, registry: ModelRegistry, dataset: str, *, as_of: str | None,
                      window: int, min_snapshots: int) -> str | None:
    """Why a model should be trained now (for scoring `as_of`, or the newest snapshot), or None."""
    snapshots = store.snapshots(dataset)
    if not snapshots:
        return None
    target = store.get_snapshot(dataset, as_of) if as_of else None
    if target is None:  # not ingested yet: everything recorded so far comes before it
        as_of, target = None, snapshots[-1]
    available = training_snapshots(store, dataset, before=target if as_of else None, n=window)
    if len(available) < min_snapshots:
        return None
    model = registry.usable_for(store, dataset, target.snapshot) if as_of else (registry.entries() or [None])[-1]
    if model is None:
        return "no model trained yet"
    if len(model.snapshot_ids) < window and len(available) > len(model.snapshot_ids):
        return f"more clean snapshots than the {len(model.snapshot_ids)} the model was trained on"
    fitted = datetime.fromisoformat(model.fitted_at) if model.fitted_at else None
    # Snapshots are ordered by (time, id); one read of the table serves every comparison below.
    order = {s.snapshot: (s.snapshot_time, s.snapshot) for s in snapshots}
    newest_trained = max((order[s] for s in model.snapshot_ids if s in order), default=None)
    if newest_trained is None:
        return None
    here = (target.snapshot_time, target.snapshot)  # read after `snapshots`: a concurrent check may have added it
    for f in store.findings(dataset=dataset, status="open", check=drift_check(dataset)):
        drifted = order.get(f.snapshot)
        if f.key != "dataset" or drifted is None:
            continue
        before_target = drifted < here or not as_of
        if drifted > newest_trained and before_target and (
                fitted is None or f.created_at > fitted):
            return f"drift detected on {f.snapshot} after the model was trained"
    return None
