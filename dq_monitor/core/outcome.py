"""Small frozen results shared by every check, detector and the findings store.

Nothing here imports dagster: a thin adapter in `dq_monitor.defs` turns a
`CheckOutcome` into an `AssetCheckResult` and its findings into store rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    """Finding severity. INFO is recorded only; WARN and ERROR alert."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"

    @property
    def rank(self) -> int:
        return {"INFO": 0, "WARN": 1, "ERROR": 2}[self.value]

    @classmethod
    def worst(cls, severities: "list[Severity] | tuple[Severity, ...]") -> "Severity":
        return max(severities, key=lambda s: s.rank) if severities else cls.INFO


def _jsonable(value: Any) -> Any:
    """Coerce numpy/pandas scalars and containers into plain JSON values."""
    return json.loads(json.dumps(value, default=_default))


def _default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=str)
    return str(obj)


@dataclass(frozen=True)
class Finding:
    """One problem (or notable fact) observed by a check on one snapshot.

    `key` distinguishes several findings of the same check on the same snapshot
    (e.g. one per failed expectation or per anomalous row); together with dataset,
    snapshot and check it forms the fingerprint that makes store writes idempotent.
    """

    dataset: str
    snapshot: str
    check: str
    severity: Severity
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    key: str = ""

    @property
    def fingerprint(self) -> str:
        raw = "\x1f".join([self.dataset, self.snapshot, self.check, self.key])
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "snapshot": self.snapshot,
            "check": self.check,
            "severity": self.severity.value,
            "message": self.message,
            "details": _jsonable(self.details),
            "key": self.key,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class CheckOutcome:
    """Result of one check on one snapshot.

    `passed` is the verdict; `severity` is what a failure means (ERROR blocks);
    `metadata` is shown in the UI (observed vs expected); `findings` go to the store;
    `metrics` go to the metric history.
    """

    check: str
    passed: bool
    severity: Severity
    message: str
    metadata: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)
