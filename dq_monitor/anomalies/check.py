"""Scores -> the `<dataset>_anomaly_rate_is_normal` check outcome.

The check fails when the share of anomalous rows is abnormally high for the model:
above `max_rate_ratio` times the rate the model expects (the share of fresh rows expected
above its conformal threshold) *and* unlikely under that rate (one-sided test, p < 0.001), so a
couple of extra anomalies in a small snapshot do not page anyone. The test is beta-binomial: the
threshold is an order statistic of the model's calibration scores, so the true rate of fresh clean
rows above it varies from model to model around the expected one (Beta-distributed; with 600
reference rows its spread is over half the rate itself), and a plain binomial test around the
expected rate fails clean snapshots far more often than p suggests. It also fails when rows
reach the `fail_on_tier` severity tier (default "medium": twice as far from typical as the
anomaly threshold) beyond chance, because ten absurd readings in two thousand rows are news even
though they barely move the rate: their count is unlikely against the reference rows at that tier,
or the highest of them alone is (`significance.tier_verdict`). "Any row at the tier" had no
alpha: some clean row of a multi-million-row snapshot reaches it by chance.

One snapshot gives at most one finding: when (and only when) the check fails, a finding
keyed `snapshot` at the check's severity whose details carry the evidence -- the top
anomalous rows at or above `alert_threshold` (primary key, score, tier, reason; highest
scores first, at most `max_findings` rows). A passing snapshot records no finding (its
expected handful of anomalous rows stays in the evaluation's metadata and in the scores
Parquet), so the findings list holds news, not one INFO line per unusual row. With
`fail_on_tier: null` rows at a tier are evidence of a failing rate only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from dq_monitor.anomalies.significance import (
    P_VALUE,
    TierVerdict,
    rate_p_value,
    tier_verdict,
)
from dq_monitor.anomalies.spec import AnomalySpec, parse_spec
from dq_monitor.anomalies.summary import ScoreSummary
from dq_monitor.core import names
from dq_monitor.core.outcome import CheckOutcome, Finding, Severity

if TYPE_CHECKING:  # scipy and the detectors (sklearn) load only when a snapshot is scored
    from dq_monitor.anomalies.scoring import ScoredSnapshot

#: Rows shown in the UI metadata.
PREVIEW_ROWS = 10
#: The key of the one finding a failing snapshot gets.
SNAPSHOT_KEY = "snapshot"


def check_name(dataset: str) -> str:
    return names.anomaly_rate_check(dataset)


def anomaly_rate_outcome(
    dataset: str,
    snapshot: str,
    scored: ScoredSnapshot,
    current: pd.DataFrame | None,
    spec: AnomalySpec | dict[str, Any] | None = None,
    *,
    primary_key: Sequence[str] = (),
) -> CheckOutcome:
    """Build the check outcome (verdict, at most one finding, metrics) for one scored snapshot.

    `current` (the scored frame, for the primary key of the rows shown) is not needed when `scored`
    carries its summary (a snapshot scored chunk by chunk, `score_parquet`).
    """
    spec = parse_spec(spec, dataset=dataset)
    name = check_name(dataset)
    base_meta = {"model_version": scored.model_version, "notes": list(scored.notes)}
    if scored.problems:
        return _unscorable_outcome(dataset, snapshot, scored, spec, base_meta)
    summary = scored.summary
    if summary is None:
        assert current is not None, "a scored frame without its summary needs the frame"
        summary = ScoreSummary.of(scored.scores, current, spec, primary_key)
    n = summary.n_rows
    if n == 0:
        return CheckOutcome(
            check=name,
            passed=True,
            severity=spec.severity,
            message=f"{dataset}: snapshot {snapshot} has no rows; nothing to score",
            metadata={**base_meta, "n_rows": 0},
        )

    rate = _RateTest.of(summary, scored, spec)
    tier = rate.tier or TierVerdict(0, False)
    top = _top_rows(summary)
    band = rate_band(scored.expected_rate, spec.max_rate_ratio)
    verdict = (f"{rate.k} of {n} rows anomalous ({rate.rate:.2%}); normal band {band} "
               f"(expected {scored.expected_rate:.2%})")
    message = f"{dataset}: {' and '.join(rate.problems)}: {verdict}" if rate.problems else f"{dataset}: {verdict}"
    evidence = {
        "n_rows": n,
        "n_anomalies": rate.k,
        "anomaly_rate": rate.rate,
        "expected_rate": scored.expected_rate,
        "max_rate": spec.max_rate_ratio * scored.expected_rate,
        "normal_band": band,
        "binomial_p_value": rate.p_value,
        "rows_at_fail_tier": tier.rows,
        "reference_rows_at_fail_tier": tier.reference_rows,
        "fail_tier_count_p_value": tier.count_p_value,
        "fail_tier_top_row_p_value": tier.top_row_p_value,
        "rows_above_alert_threshold": summary.n_alert,
        "rows_not_shown": int(max(summary.n_alert - len(top), 0)),
    }
    metadata = {**base_meta, **evidence, "top_anomalies": [_preview(r) for r in top[:PREVIEW_ROWS]]}
    findings: tuple[Finding, ...] = ()
    if rate.problems:
        details = {**evidence, "model_version": scored.model_version, "top_rows": top}
        findings = (Finding(dataset, snapshot, name, spec.severity, message, details, key=SNAPSHOT_KEY),)
    return CheckOutcome(check=name, passed=not rate.problems, severity=spec.severity, message=message,
                        metadata=metadata, findings=findings, metrics=_score_metrics(summary.scores, rate.rate))


def rate_band(expected_rate: float, max_rate_ratio: float) -> str:
    """The normal anomaly-rate band, one string for the summary and the metadata."""
    return f"0% to {max_rate_ratio * expected_rate:.2%}"


def _unscorable_outcome(dataset: str, snapshot: str, scored: ScoredSnapshot, spec: AnomalySpec,
                        base_meta: dict[str, Any]) -> CheckOutcome:
    """The model cannot score this snapshot (e.g. columns it was trained on are gone): fail, naming why."""
    name = check_name(dataset)
    findings = tuple(
        Finding(
            dataset,
            snapshot,
            name,
            spec.severity,
            f"anomaly model cannot score {snapshot}: {problem}",
            {"problem": problem, "model_version": scored.model_version},
            key=f"problem:{i}",
        )
        for i, problem in enumerate(scored.problems)
    )
    return CheckOutcome(
        check=name,
        passed=False,
        severity=spec.severity,
        message=f"{dataset}: the anomaly model no longer matches the data: {'; '.join(scored.problems)}",
        metadata={**base_meta, "problems": list(scored.problems)},
        findings=findings,
    )


@dataclass(frozen=True)
class _RateTest:
    """Is the share of anomalous rows abnormally high, and are the rows at the failing tier beyond chance?"""

    k: int
    rate: float
    p_value: float
    tier: TierVerdict | None
    problems: tuple[str, ...]

    @classmethod
    def of(cls, summary: ScoreSummary, scored: ScoredSnapshot, spec: AnomalySpec) -> _RateTest:
        n, k = summary.n_rows, summary.n_anomalies
        rate = k / n
        expected = max(scored.expected_rate, 1e-6)
        p_value = rate_p_value(k, n, expected, scored.calibration_rows)
        too_high = rate > spec.max_rate_ratio * expected and p_value < P_VALUE
        tier = None
        if spec.fail_on_tier is not None:
            tier = tier_verdict(summary.scores, spec.severity_tiers[spec.fail_on_tier], scored.calibration_tail,
                                scored.calibration_rows)
        problems = []
        if too_high:
            problems.append(f"anomaly rate is abnormally high (binomial p {p_value:.1e})")
        if tier is not None and tier.fails:
            problems.append(f"{tier.rows} row(s) reach the {spec.fail_on_tier!r} severity tier")
        return cls(k, rate, p_value, tier, tuple(problems))


def _score_metrics(s: np.ndarray, rate: float) -> dict[str, float]:
    return {
        "anomaly_rate": rate,
        "anomaly_score_p50": float(np.quantile(s, 0.5)),
        "anomaly_score_p90": float(np.quantile(s, 0.9)),
        "anomaly_score_p99": float(np.quantile(s, 0.99)),
        "anomaly_score_max": float(s.max()),
    }


def _top_rows(summary: ScoreSummary) -> list[dict[str, Any]]:
    """The evidence rows (already sorted and capped), each with its primary key, score, tier and reason."""
    rows = []
    for (idx, row), keys in zip(summary.shown.iterrows(), summary.keys):
        key_values = {c: _plain(v) for c, v in keys.items()}
        rows.append({
            "key": "|".join(f"{c}={v}" for c, v in key_values.items()) or f"row={idx}",
            "score": float(row["score"]),
            "tier": row["severity"],
            "reason": row["reason"],
            "primary_key": key_values,
            "raw_score": float(row["raw_score"]),
            "row_index": _plain(idx),
        })
    return rows


def _preview(row: dict[str, Any]) -> dict[str, Any]:
    return {"key": row["key"], "score": round(row["score"], 3), "tier": row["tier"], "reason": row["reason"]}


def not_evaluated_outcome(dataset: str, snapshot: str, *, needs: int, has: int, spec=None) -> CheckOutcome:
    """No model was trained before this snapshot: the check did not run, so it does not pass.

    A failed WARN evaluation without a finding: honest in the UI (not green), nothing to alert on,
    and it does not disqualify the snapshot from training (only findings do). The evaluation is
    replaced when the snapshot is re-checked once a model exists.
    """
    parse_spec(spec, dataset=dataset)
    return CheckOutcome(
        check=check_name(dataset),
        passed=False,
        severity=Severity.WARN,
        message=(f"{dataset}: {snapshot} not evaluated: no anomaly model trained before this snapshot; "
                 f"needs {needs} clean snapshot(s) before it, has {has}"),
        metadata={"not_evaluated": True, "clean_snapshots_needed": needs, "clean_snapshots_before": has},
    )


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
