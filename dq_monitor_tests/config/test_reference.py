"""Every key of the config file is described in docs/config-reference.md."""

from __future__ import annotations

from dq_monitor.config.reference import undocumented_fields

# The `drift:` section's keys are described in README's "Drift — `drift:`" section; their field
# descriptions arrive with the drift spec's own rewrite (dq_monitor/drift/spec.py).
DRIFT_FIELDS = {
    "ColumnOverride.method", "ColumnOverride.threshold",
    "DriftSpec.reference", "DriftSpec.columns", "DriftSpec.ignore_columns", "DriftSpec.drift_share",
    "DriftSpec.method", "DriftSpec.num_method", "DriftSpec.cat_method", "DriftSpec.threshold",
    "DriftSpec.num_threshold", "DriftSpec.cat_threshold", "DriftSpec.per_column", "DriftSpec.severity",
    "DriftSpec.blocking", "DriftSpec.report_sample_rows", "DriftSpec.retention", "DriftSpec.seed",
    "ReferenceSpec.strategy", "ReferenceSpec.snapshot_id", "ReferenceSpec.n", "ReferenceSpec.mode",
    "ReferenceSpec.sample_rows",
}


def test_every_config_field_outside_drift_has_a_description() -> None:
    assert set(undocumented_fields()) - DRIFT_FIELDS == set()


def test_the_finder_reports_a_field_without_description() -> None:
    schema = {"properties": {"a": {"type": "string", "description": "set"}, "b": {"type": "string"}},
              "$defs": {"Inner": {"properties": {"c": {"type": "integer"}}}}}
    assert undocumented_fields(schema) == ["ProjectConfig.b", "Inner.c"]
