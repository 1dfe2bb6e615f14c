"""The demo's calendar: which snapshot of which dataset carries which injected fault.

Snapshot ``i`` (0-based) is taken at midnight of ``start + i days`` and holds the
records of the day before. The first `WARM_UP_DAYS` snapshots of every dataset are
clean so that "previous"/"first" references, learned contracts and adaptive
baselines have something normal to learn from. At most one fault lands on a
dataset-day, except the drift, which deliberately lasts two consecutive days.

Each `Fault` names the asset checks that should catch it (check-name suffixes,
the full name is ``<dataset>_<suffix>``). `ground_truth` expands the plan into
the rows of ``ground_truth.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

WARM_UP_DAYS = 6

DATASETS = ("payments", "sensors", "web_traffic")


@dataclass(frozen=True)
class Fault:
    """One injected fault on one dataset-day and the checks that should catch it."""

    dataset: str
    day: int
    kind: str
    checks: tuple[str, ...]
    description: str
    #: Extra keys copied into every ground-truth row of this fault (notes, reference strategies).
    extra: dict[str, Any] = field(default_factory=dict)


FAULTS: tuple[Fault, ...] = (
    Fault(
        "payments",
        6,
        "schema_change",
        ("schema_matches_contract", "schema_unchanged", "passes_expectation_suite"),
        "upstream renamed `amount` to `amount_usd` and dropped `card_present`; the next day is back to normal",
        {
            "note": "the expectation suite fails because its `amount` expectation names a missing column; "
            "drift and anomaly checks on payments also lose their `amount` column that day"
        },
    ),
    Fault(
        "sensors",
        7,
        "volume_drop",
        ("row_count_in_bounds", "row_count_change_is_normal"),
        "15 of 20 sensors offline: rows fall to about 25% of a normal day; the sensors still online are a "
        "representative subset, so the readings' distribution does not change",
    ),
    Fault(
        "web_traffic",
        8,
        "late_data",
        ("is_fresh",),
        "the extract is stale: the newest request is about 30 hours older than the snapshot (row count normal)",
    ),
    Fault(
        "payments",
        9,
        "nulls",
        ("schema_matches_contract", "passes_expectation_suite"),
        "about 8% null `email` and about 3% null `merchant`, both non-nullable in the contract",
        {"note": "schema_matches_contract catches it through `nullable: false` in the contract"},
    ),
    Fault(
        "sensors",
        9,
        "distribution_drift",
        ("has_no_dataset_drift", "anomaly_rate_is_normal"),
        "first day of a bad calibration: temperature +6 C, humidity rescaled by 0.7",
        {"note": "a detector fitted on clean readings also sees most rows as anomalous"},
    ),
    Fault(
        "sensors",
        10,
        "distribution_drift",
        ("has_no_dataset_drift", "anomaly_rate_is_normal"),
        "second day of the same bad calibration (temperature +6 C, humidity x0.7)",
        {
            "note": "seen against any clean reference: the first snapshot, a fixed one, or the previous one "
            "when drifted snapshots are not used as references (dq_monitor skips them); a reference that "
            "is simply the day before (itself drifted) does not see it, and then flags the clean day after"
        },
    ),
    Fault(
        "web_traffic",
        11,
        "new_category",
        ("passes_expectation_suite",),
        "a new scraper user_agent appears and a burst of HTTP 503 responses (a status code never seen before)",
    ),
    Fault(
        "payments",
        12,
        "point_anomalies",
        ("anomaly_rate_is_normal",),
        "15 transactions with amounts 20-80x their own user's typical amount (contextual, per user_id): "
        "the users usually spend little, so some amounts are below the day's largest normal payment",
    ),
    Fault(
        "sensors",
        13,
        "point_anomalies",
        ("anomaly_rate_is_normal",),
        "10 readings with absurd spikes: 5 in temperature (+25 to +40 C), 5 in pressure (20-40 hPa off)",
    ),
)

DATA_FAULT_KINDS = frozenset(f.kind for f in FAULTS)

#: The smallest `days` that holds every fault plus one clean day after the last one.
MIN_DAYS = max(f.day for f in FAULTS) + 2


#: The data faults each dataset's generator can inject (on any day, through `fault=`).
SUPPORTED_FAULTS = {
    "payments": ("schema_change", "nulls", "point_anomalies"),
    "sensors": ("volume_drop", "distribution_drift", "point_anomalies"),
    "web_traffic": ("late_data", "new_category"),
}

#: Pass as `fault=` to use the calendar in `FAULTS` (the default).
PLANNED = "planned"


def resolve_fault(dataset: str, day: int, fault: str | None) -> str | None:
    """`PLANNED` -> the calendar's fault for that day; otherwise `fault` after checking it is supported."""
    if fault == PLANNED:
        return fault_on(dataset, day)
    if fault is not None and fault not in SUPPORTED_FAULTS[dataset]:
        raise ValueError(f"demo dataset {dataset!r} cannot inject fault {fault!r} "
                         f"(supported: {', '.join(SUPPORTED_FAULTS[dataset])})")
    return fault


def fault_on(dataset: str, day: int) -> str | None:
    """The data fault injected into `dataset` on snapshot `day`, or None for a clean snapshot."""
    kinds = [f.kind for f in FAULTS if f.dataset == dataset and f.day == day and f.kind in DATA_FAULT_KINDS]
    if len(kinds) > 1:  # the plan guarantees this never happens; keep the guarantee checked
        raise AssertionError(f"two faults on {dataset} day {day}: {kinds}")
    return kinds[0] if kinds else None


def snapshot_date(start: date, day: int) -> date:
    return start + timedelta(days=day)


def snapshot_time(start: date, day: int) -> datetime:
    """Midnight of the snapshot's date: the moment of the extract."""
    return datetime.combine(snapshot_date(start, day), time())


def snapshot_id(dataset: str, start: date, day: int) -> str:
    """The id the foundation derives from the file or folder name (its stem)."""
    iso = snapshot_date(start, day).isoformat()
    return iso if dataset == "web_traffic" else f"{dataset}_{iso}"


def check_name(dataset: str, suffix: str) -> str:
    return f"{dataset}_{suffix}"
