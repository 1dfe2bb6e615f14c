"""Turn pure results into Dagster objects (the only place that knows both sides)."""

from __future__ import annotations

from typing import Any

import dagster as dg

from dq_monitor.core.outcome import CheckOutcome, Severity


def to_metadata(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            out[key] = dg.MetadataValue.text("none")
        elif isinstance(value, bool):
            out[key] = dg.MetadataValue.bool(value)
        elif isinstance(value, int):
            out[key] = dg.MetadataValue.int(value)
        elif isinstance(value, float):
            out[key] = dg.MetadataValue.float(value)
        elif isinstance(value, str) and (value.startswith("| ") or value.startswith("- ") or "\n|" in value):
            out[key] = dg.MetadataValue.md(value)
        elif isinstance(value, (dict, list, tuple)):
            out[key] = dg.MetadataValue.json(value if not isinstance(value, tuple) else list(value))
        elif isinstance(value, dg.MetadataValue):
            out[key] = value
        else:
            out[key] = dg.MetadataValue.text(str(value))
    return out


def to_check_result(outcome: CheckOutcome, asset_key: dg.AssetKey | None = None) -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.ERROR if outcome.severity == Severity.ERROR else dg.AssetCheckSeverity.WARN
    meta = {"summary": outcome.message, **outcome.metadata}
    if outcome.findings:
        meta["findings"] = len(outcome.findings)
    kwargs: dict[str, Any] = {}
    if asset_key is not None:
        kwargs["asset_key"] = asset_key
    return dg.AssetCheckResult(
        check_name=outcome.check,
        passed=bool(outcome.passed),
        severity=severity,
        metadata=to_metadata(meta),
        description=outcome.message[:2000],
        **kwargs,
    )
