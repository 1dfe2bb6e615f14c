"""Every key of the config file is described in docs/config-reference.md."""

from __future__ import annotations

from dq_monitor.config.reference import undocumented_fields


def test_every_config_field_has_a_description() -> None:
    assert undocumented_fields() == []


def test_the_finder_reports_a_field_without_description() -> None:
    schema = {"properties": {"a": {"type": "string", "description": "set"}, "b": {"type": "string"}},
              "$defs": {"Inner": {"properties": {"c": {"type": "integer"}}}}}
    assert undocumented_fields(schema) == ["ProjectConfig.b", "Inner.c"]
