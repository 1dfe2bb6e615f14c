"""Scores -> the `<dataset>_anomaly_rate_is_normal` check outcome.

The check fails when the share of anomalous rows is abnormally high for the model:
above `max_rate_ratio` times the rate the model expects (its rate on the reference)
*and* unlikely under that rate (one-sided binomial test, p < 0.001), so a couple of
extra anomalies in a small snapshot do not page anyone. It also fails when any row
reaches the `fail_on_tier` severity tier (default "medium": twice as far from
typical as the anomaly threshold), because ten absurd readings in two thousand rows
are news even though they barely move the rate. Every anomalous row at or
above `alert_threshold` becomes a finding (highest scores first, at most
`max_findings`), keyed by the row's primary key; those findings carry the check's
severity when the check fails and INFO (recorded, not alerted) when it passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy.stats import binom

from dq_monitor.anomalies.fitted import ScoredSnapshot
from dq_monitor.anomalies.spec import AnomalySpec, parse_spec
from dq_monitor.core import names
from dq_monitor.core.outcome import CheckOutcome, Finding, Severity

#: Significance of the one-sided binomial test on the anomaly count.
RATE_P_VALUE = 1e-3
#: Rows shown in the UI metadata.
PREVIEW_ROWS = 10


def check_name(dataset: str) -> str:
    return names.anomaly_rate_check(dataset)


def anomaly_rate_outcome(
    dataset: str,
    snapshot: str,
    scored: ScoredSnapshot,
    current: pd.DataFrame,
    spec: AnomalySpec | dict[str, Any] | None = None,
    *,
    primary_key: Sequence[str] = (),
) -> CheckOutcome:
    """Build the check outcome (verdict, findings, metrics) for one scored snapshot."""
    spec = parse_spec(spec, dataset=dataset)
    name = check_name(dataset)
    base_meta = {"model_version": scored.model_version, "notes": list(scored.notes)}
    if scored.problems:
        return _unscorable_outcome(dataset, snapshot, scored, spec, base_meta)
    scores = scored.scores
    n = len(scores)
    if n == 0:
        return CheckOutcome(
            check=name,
            passed=True,
            severity=spec.severity,
            message=f"{dataset}: snapshot {snapshot} has no rows; nothing to score",
            metadata={**base_meta, "n_rows": 0},
        )

    rate = _RateTest.of(scores, scored.expected_rate, spec)
    # Row findings alert (check severity) only when the check fails; on a normal snapshot
    # the expected handful of anomalous rows is recorded as INFO, so it does not page anyone.
    finding_severity = spec.severity if rate.problems else Severity.INFO
    alert = scores[scores["is_anomaly"] & (scores["score"] >= spec.alert_threshold)]
    alert = alert.sort_values("score", ascending=False, kind="stable")
    shown = alert.head(spec.max_findings)
    findings, preview = _row_findings(dataset, snapshot, name, finding_severity, shown, current, primary_key,
                                      scored.model_version)

    verdict = f"{rate.k:,} of {n:,} rows anomalous ({rate.rate:.2%}), expected about {scored.expected_rate:.2%}"
    problems = rate.problems
    message = f"{dataset}: {' and '.join(problems)}: {verdict}" if problems else f"{dataset}: {verdict}"
    metadata = {
        **base_meta,
        "n_rows": n,
        "n_anomalies": rate.k,
        "anomaly_rate": rate.rate,
        "expected_rate": scored.expected_rate,
        "max_rate": spec.max_rate_ratio * scored.expected_rate,
        "binomial_p_value": rate.p_value,
        "rows_at_fail_tier": rate.severe,
        "rows_above_alert_threshold": int(len(alert)),
        "findings_truncated": int(max(len(alert) - len(shown), 0)),
        "top_anomalies": preview,
    }
    return CheckOutcome(check=name, passed=not problems, severity=spec.severity, message=message, metadata=metadata,
                        findings=tuple(findings), metrics=_score_metrics(scores["score"].to_numpy(), rate.rate))


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
    """Is the share of anomalous rows abnormally high, and do rows reach the failing tier?"""

    k: int
    rate: float
    p_value: float
    severe: int
    problems: tuple[str, ...]

    @classmethod
    def of(cls, scores: pd.DataFrame, expected_rate: float, spec: AnomalySpec) -> _RateTest:
        n = len(scores)
        k = int(scores["is_anomaly"].sum())
        rate = k / n
        expected = max(expected_rate, 1e-6)
        p_value = float(binom.sf(k - 1, n, expected)) if k else 1.0
        too_high = rate > spec.max_rate_ratio * expected and p_value < RATE_P_VALUE
        severe = 0
        if spec.fail_on_tier is not None:
            severe = int((scores["score"].to_numpy() >= spec.severity_tiers[spec.fail_on_tier]).sum())
        problems = []
        if too_high:
            problems.append("anomaly rate is abnormally high")
        if severe:
            problems.append(f"{severe:,} row(s) reach the {spec.fail_on_tier!r} severity tier")
        return cls(k, rate, p_value, severe, tuple(problems))


def _score_metrics(s: np.ndarray, rate: float) -> dict[str, float]:
    return {
        "anomaly_rate": rate,
        "anomaly_score_p50": float(np.quantile(s, 0.5)),
        "anomaly_score_p90": float(np.quantile(s, 0.9)),
        "anomaly_score_p99": float(np.quantile(s, 0.99)),
        "anomaly_score_max": float(s.max()),
    }


def _row_findings(dataset: str, snapshot: str, check: str, severity: Severity, shown: pd.DataFrame,
                  current: pd.DataFrame, primary_key: Sequence[str],
                  model_version: str) -> tuple[list[Finding], list[dict[str, Any]]]:
    """One finding per shown row, keyed by its primary key, and the first `PREVIEW_ROWS` for the UI."""
    pk = [c for c in primary_key if c in current.columns]
    findings = []
    preview = []
    for idx, row in shown.iterrows():
        key_values = {c: _plain(current.at[idx, c]) for c in pk}
        key = "|".join(f"{c}={v}" for c, v in key_values.items()) or f"row={idx}"
        details = {
            "primary_key": key_values,
            "row_index": _plain(idx),
            "score": float(row["score"]),
            "raw_score": float(row["raw_score"]),
            "tier": row["severity"],
            "reason": row["reason"],
            "model_version": model_version,
        }
        text = f"anomalous row {key} (anomaly score {row['score']:.2f}, tier {row['severity']}): {row['reason']}"
        findings.append(Finding(dataset, snapshot, check, severity, text, details, key=key))
        if len(preview) < PREVIEW_ROWS:
            preview.append(
                {"key": key, "score": round(float(row["score"]), 3), "tier": row["severity"], "reason": row["reason"]}
            )
    return findings, preview


def model_unavailable_outcome(dataset: str, snapshot: str, reason: str, spec=None) -> CheckOutcome:
    """No model could be fitted (e.g. too little history): the check is skipped, not failed."""
    spec = parse_spec(spec, dataset=dataset)
    return CheckOutcome(
        check=check_name(dataset),
        passed=True,
        severity=Severity.INFO,
        message=f"{dataset}: anomaly check skipped for {snapshot}: {reason}",
        metadata={"skipped": reason},
    )


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
