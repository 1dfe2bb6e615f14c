"""Evidently's own DataDriftPreset verdicts, read back into plain Python.

The oracle that `mode: evidently` is checked against (tests, `bench/drift.py`); test support, not
shipped in the wheel. Imports Evidently lazily; this is the slow path on purpose (full `Report.run`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class EvidentlyVerdict:
    method: str  # Evidently's display name, e.g. "K-S p_value"
    threshold: float
    score: float
    drifted: bool


@dataclass(frozen=True)
class EvidentlyDrift:
    dataset_drift: bool
    number_of_drifted_columns: int
    drift_share: float
    columns: dict[str, EvidentlyVerdict]


def evidently_drift(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[str] | None = None, drift_share: float = 0.5, **preset: Any
) -> EvidentlyDrift:
    """Run `Report([DataDriftPreset(...)], include_tests=True).run(current, reference)`."""
    return read_verdicts(run_evidently(reference, current, columns, drift_share, **preset))


def run_evidently(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[str] | None = None, drift_share: float = 0.5, **preset: Any
):
    """Evidently's own snapshot of `DataDriftPreset` on the full data (tests included)."""
    from evidently import Report
    from evidently.presets import DataDriftPreset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Report([DataDriftPreset(columns=columns, drift_share=drift_share, **preset)], include_tests=True).run(
            current, reference
        )


def read_verdicts(snapshot: Any) -> EvidentlyDrift:
    """Per-column method/threshold/score/verdict and the dataset verdict of a DataDriftPreset snapshot."""
    data = snapshot.dict()
    scores: dict[str, tuple[str, float, float]] = {}
    count = share = None
    for metric in data["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            scores[config["column"]] = (config["method"], float(config["threshold"]), float(metric["value"]))
        elif config["type"].endswith("DriftedColumnsCount"):
            count, share = int(metric["value"]["count"]), float(metric["value"]["share"])
    drifted: dict[str, bool] = {}
    dataset_drift = None
    for test in data["tests"]:
        params = test["metric_config"]["params"]
        status = str(getattr(test["status"], "value", test["status"]))
        if test["id"] == "drift":
            drifted[params["column"]] = status == "FAIL"
        elif params["type"].endswith("DriftedColumnsCount"):
            dataset_drift = status == "FAIL"
    if dataset_drift is None or count is None or share is None:
        raise RuntimeError("Evidently's report did not contain the drifted-columns metric and its test")
    return EvidentlyDrift(
        dataset_drift=dataset_drift,
        number_of_drifted_columns=count,
        drift_share=share,
        columns={c: EvidentlyVerdict(m, t, s, drifted[c]) for c, (m, t, s) in scores.items()},
    )


def disagreements(ours: "Any", theirs: EvidentlyDrift) -> list[str]:
    """Differences between a `DriftResult` and Evidently's verdicts (empty list = identical)."""
    from dq_monitor.drift.stattests import STATTESTS

    diffs = []
    if ours.dataset_drift != theirs.dataset_drift:
        diffs.append(f"dataset drift: ours {ours.dataset_drift}, Evidently {theirs.dataset_drift}")
    if ours.number_of_drifted_columns != theirs.number_of_drifted_columns:
        diffs.append(
            f"drifted columns: ours {ours.number_of_drifted_columns}, Evidently {theirs.number_of_drifted_columns}"
        )
    compared = {c.column: c for c in ours.compared}
    if set(compared) != set(theirs.columns):
        diffs.append(f"compared columns: ours {sorted(compared)}, Evidently {sorted(theirs.columns)}")
    for name, verdict in theirs.columns.items():
        col = compared.get(name)
        if col is None:
            continue
        if verdict.method not in (col.method, STATTESTS[col.method].display_name):
            diffs.append(f"{name}: method ours {col.method}, Evidently {verdict.method}")
        if col.drifted != verdict.drifted:
            diffs.append(f"{name}: drifted ours {col.drifted} (score {col.score}), Evidently {verdict.drifted} "
                         f"(score {verdict.score})")
    return diffs
