"""The one "clean snapshot" policy: which open findings keep a snapshot out of clean history.

A bad snapshot must never teach normal: the core checks' "previous" baseline, drift references,
anomaly training windows and suggested expectations all learn only from clean snapshots. They
differ in which findings disqualify, so each passes its own tuple of `Disqualifier`s to
`Store.clean_snapshots` / `Store.disqualified_snapshots`; what "clean" means is decided here only.

Clean also needs a *completed* evaluation: a snapshot whose run died before every check of it was
evaluated has no findings because nobody looked, not because nothing was wrong. `ExpectedChecks`
says which checks complete a snapshot; until they all have an evaluation it is never a baseline,
reference, training snapshot or metric-history point, and `dq-monitor check` redoes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dq_monitor.core.names import CheckType
from dq_monitor.store.records import ExpectedMarkRecord, FindingRecord, SnapshotRecord

WARN_OR_ERROR = ("WARN", "ERROR")


@dataclass(frozen=True)
class Disqualifier:
    """Open findings of `check_type` (None: any) at one of `severities` disqualify a snapshot.

    `check_suffix` narrows to one check (e.g. `_row_count_in_bounds` of the volume checks), `key` to
    one finding key (drift's `dataset`: the whole dataset drifted, not one column). `forgivable`:
    an expected mark on the finding's check, or on the whole snapshot, lifts it (a real change of
    normal, e.g. a holiday, as opposed to a broken file).
    """

    check_type: CheckType | None
    severities: tuple[str, ...] = ("ERROR",)
    check_suffix: str | None = None
    key: str | None = None
    forgivable: bool = False

    def applies(self, f: FindingRecord, marks: set[tuple[str, str]]) -> bool:
        if f.status != "open" or f.severity not in self.severities:
            return False
        if self.check_type is not None and f.check_type != self.check_type:
            return False
        if self.check_suffix is not None and not f.check.endswith(self.check_suffix):
            return False
        if self.key is not None and f.key != self.key:
            return False
        return not (self.forgivable and ({(f.snapshot, f.check), (f.snapshot, "")} & marks))


#: The core checks' "previous" snapshot: no open schema or volume problem.
BASELINE = (Disqualifier(CheckType.SCHEMA, WARN_OR_ERROR), Disqualifier(CheckType.VOLUME, WARN_OR_ERROR))
#: Drift references: readable, contract-conforming, and not drifted themselves unless accepted.
DRIFT_REFERENCE = (Disqualifier(CheckType.SCHEMA), Disqualifier(CheckType.READABILITY),
                   Disqualifier(CheckType.DRIFT, ("INFO", *WARN_OR_ERROR), key="dataset", forgivable=True))
#: Anomaly training: nothing broken, and no drift or anomaly a user has not accepted.
ANOMALY_TRAINING = (
    Disqualifier(CheckType.READABILITY, WARN_OR_ERROR),
    Disqualifier(CheckType.SCHEMA, WARN_OR_ERROR, check_suffix="_schema_matches_contract"),
    Disqualifier(CheckType.VOLUME, WARN_OR_ERROR, check_suffix="_row_count_in_bounds"),
    Disqualifier(CheckType.DRIFT, ("INFO", *WARN_OR_ERROR), key="dataset", forgivable=True),
    Disqualifier(CheckType.ANOMALY, WARN_OR_ERROR, forgivable=True),
    Disqualifier(CheckType.HISTORY, WARN_OR_ERROR, check_suffix="_row_count_is_normal", forgivable=True),
)
#: Suggested expectations: no open ERROR finding of any kind.
SUGGESTION = (Disqualifier(None),)


def disqualified(findings: Iterable[FindingRecord], marks: Iterable[ExpectedMarkRecord],
                 policy: tuple[Disqualifier, ...]) -> set[str]:
    """Snapshot ids with at least one finding the policy does not forgive."""
    marked = {(m.snapshot, m.check) for m in marks}
    return {f.snapshot for f in findings if any(d.applies(f, marked) for d in policy)}


@dataclass(frozen=True)
class ExpectedChecks:
    """The checks one snapshot's run evaluates, recorded when it is ingested.

    `always` run whatever happens; `unless_blocked` (checks of downstream assets) are skipped by design
    when a `blocking` check fails with ERROR, so a blocked snapshot is complete without them.
    """

    always: tuple[str, ...]
    unless_blocked: tuple[str, ...] = ()
    blocking: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"always": sorted(self.always), "unless_blocked": sorted(self.unless_blocked),
                "blocking": sorted(self.blocking)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "ExpectedChecks | None":
        if not data:
            return None
        return cls(tuple(data.get("always", ())), tuple(data.get("unless_blocked", ())), tuple(data.get("blocking", ())))

    def complete(self, evaluated: dict[str, tuple[bool, str]]) -> bool:
        """Whether `evaluated` (check -> (passed, severity)) covers every check the run would evaluate."""
        if not set(self.always) <= evaluated.keys():
            return False
        if set(self.unless_blocked) <= evaluated.keys():
            return True
        return any(evaluated.get(b, (True, ""))[0] is False and evaluated[b][1] == "ERROR" for b in self.blocking)


def evaluation_complete(expected: ExpectedChecks | None, evaluated: dict[str, tuple[bool, str]]) -> bool:
    """A snapshot with unknown expected checks (recorded by a check on a user's asset) completes with any evaluation."""
    return expected.complete(evaluated) if expected is not None else bool(evaluated)


def completed(snapshot: SnapshotRecord) -> bool:
    """Every check of the snapshot was evaluated (the first requirement of "clean")."""
    return snapshot.checked_at is not None
