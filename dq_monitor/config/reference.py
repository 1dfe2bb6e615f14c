"""Generate docs/config-reference.md from `ProjectConfig.model_json_schema()`.

    python -m dq_monitor.config.reference > docs/config-reference.md
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from dq_monitor.config.asset_checks import AssetChecksSpec
from dq_monitor.config.project import ProjectConfig

HEADER = """# dq_monitor config reference

Generated from `ProjectConfig.model_json_schema()` by `python -m dq_monitor.config.reference`;
do not edit by hand. Every key of the YAML file, with its type, default and meaning.
Durations accept `500ms`, `90s`, `15m`, `6h`, `2d`, `1w` or a number of seconds.
"""


def _type(prop: dict[str, Any] | bool, defs: dict[str, Any]) -> str:
    if not isinstance(prop, dict):
        return "any"
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "enum" in prop:
        return " \\| ".join(json.dumps(v) for v in prop["enum"])
    if "const" in prop:
        return json.dumps(prop["const"])
    for key in ("anyOf", "oneOf"):
        if key in prop:
            return " \\| ".join(_type(p, defs) for p in prop[key])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list[{_type(prop.get('items', {}), defs)}]"
    if kind == "object" and "additionalProperties" in prop:
        return f"map[{_type(prop['additionalProperties'], defs)}]"
    if prop.get("format") == "duration":
        return "duration"
    return str(kind)


def _default(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in prop:
        return ""
    return f"`{json.dumps(prop['default'], default=str)}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _section(name: str, schema: dict[str, Any], defs: dict[str, Any]) -> Iterator[str]:
    yield f"\n## {name}\n"
    if schema.get("description"):
        yield _cell(schema["description"]) + "\n"
    yield "| key | type | default | description |"
    yield "|---|---|---|---|"
    required = set(schema.get("required", ()))
    for key, prop in schema.get("properties", {}).items():
        if key in ("base_dir", "source_file"):
            continue  # set by the loader, never written in the file
        row = (f"`{key}`", _type(prop, defs), _default(prop, key in required), _cell(prop.get("description", "")))
        yield "| " + " | ".join(row) + " |"


def undocumented_fields(schema: dict[str, Any] | None = None) -> list[str]:
    """`Model.field` for every field without a description (the reference needs them all)."""
    schema = schema or ProjectConfig.model_json_schema(by_alias=True)
    models = {"ProjectConfig": schema, "AssetChecksSpec": AssetChecksSpec.model_json_schema(by_alias=True),
              **schema.get("$defs", {})}
    return [f"{name}.{key}" for name, model in models.items()
            for key, prop in model.get("properties", {}).items() if not prop.get("description")]


def render() -> str:
    schema = ProjectConfig.model_json_schema(by_alias=True)
    defs = schema.get("$defs", {})
    lines = [HEADER]
    lines.extend(_section("ProjectConfig (the top level)", schema, defs))
    lines.extend(_section("AssetChecksSpec (a `build_dq_checks` spec, a `DqChecksComponent` target)",
                          AssetChecksSpec.model_json_schema(by_alias=True), defs))
    for name in sorted(defs):
        if defs[name].get("properties"):
            lines.extend(_section(name, defs[name], defs))
        elif "enum" in defs[name]:
            lines.append(f"\n## {name}\n\nOne of: {', '.join(f'`{v}`' for v in defs[name]['enum'])}.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
