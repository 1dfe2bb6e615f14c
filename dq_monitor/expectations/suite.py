"""Reading and writing expectation suites kept as reviewable JSON files.

The format is the one GX 1.x writes with `ExpectationSuite.to_json_dict()`::

    {"name": "orders",
     "expectations": [{"type": "expect_column_values_to_not_be_null",
                       "kwargs": {"column": "order_id"},
                       "meta": {"reason": "never null in 30 snapshots"},
                       "severity": "critical"}],
     "meta": {...}}

Loading never raises on bad content: every problem (missing file, invalid JSON, an
unknown expectation type, invalid kwargs or severity) becomes a `SuiteProblem` naming
the file and the expectation, and every valid expectation is still returned so it can
be evaluated. The GX 0.x spelling (`expectation_type`, `expectation_suite_name`) is
accepted too.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dq_monitor.core.files import private_tmp
from dq_monitor.core.outcome import Severity

#: GX failure severity -> dq_monitor severity. "info" failures are recorded, never alerted.
GX_SEVERITY = {"critical": Severity.ERROR, "warning": Severity.WARN, "info": Severity.INFO}

#: kwargs that name the columns an expectation reads.
COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")

#: Expectations whose whole point is a column's presence or absence: a missing column is
#: their result, not a broken expectation.
COLUMN_PRESENCE_TYPES = frozenset({"expect_column_to_exist"})


@dataclass(frozen=True)
class SuiteProblem:
    """Something in a suite file that cannot be evaluated."""

    path: str
    message: str
    index: int | None = None  # position in the file's `expectations` list, 0-based
    expectation_type: str | None = None
    key: str = "suite"

    def describe(self) -> str:
        where = self.path
        if self.index is not None:
            what = f" {self.expectation_type}" if self.expectation_type else ""
            where += f", expectation #{self.index + 1}{what}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class SuiteExpectation:
    """One valid expectation of a suite, with the stable id used for metrics and findings."""

    key: str
    index: int
    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]
    gx_severity: str
    gx: Any = field(repr=False, compare=False)  # the great_expectations Expectation object

    @property
    def severity(self) -> Severity:
        return GX_SEVERITY[self.gx_severity]

    @property
    def columns(self) -> list[str]:
        """Columns the expectation reads, in kwargs order."""
        return columns_of(self.kwargs)


@dataclass(frozen=True)
class LoadedSuite:
    path: str
    name: str
    expectations: tuple[SuiteExpectation, ...]
    problems: tuple[SuiteProblem, ...]
    meta: dict[str, Any] = field(default_factory=dict)


def columns_of(kwargs: dict[str, Any]) -> list[str]:
    """Columns named by an expectation's kwargs, in `COLUMN_KWARGS` order."""
    cols: list[str] = []
    for name in COLUMN_KWARGS:
        value = kwargs.get(name)
        if isinstance(value, str):
            cols.append(value)
        elif isinstance(value, (list, tuple)):
            cols.extend(str(v) for v in value)
    return cols


def expectation_key(type_: str, kwargs: dict[str, Any]) -> str:
    """Readable id: `expect_column_values_to_not_be_null:amount`, `expect_table_row_count_to_be_between`."""
    cols = columns_of(kwargs)
    return f"{type_}:{','.join(cols)}" if cols else type_


def _unique_keys(raw_keys: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for key in raw_keys:
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return out


def _read_document(path: Path, shown: str) -> tuple[Any, SuiteProblem | None]:
    if not path.is_file():
        return None, SuiteProblem(shown, "suite file not found (create it, or run "
                                         "`dq-monitor suggest-expectations` to learn one from history)",
                                  key="suite_missing")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, SuiteProblem(shown, f"cannot read suite file: {exc}", key="suite_unreadable")
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, SuiteProblem(shown, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                                  key="suite_invalid_json")


def _short_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):  # pydantic: one "field: problem" per error
        try:
            parts = []
            for err in errors():
                loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
                parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
            if parts:
                return "; ".join(parts)
        except Exception:  # noqa: BLE001 - fall back to the plain text below
            pass
    text = getattr(exc, "message", None) or str(exc)
    return " ".join(str(text).split())


#: (index, type, kwargs, meta, severity, GX expectation) of one valid expectation in a suite file.
_Parsed = tuple[int, str, dict[str, Any], dict[str, Any], str, Any]
_KNOWN_KEYS = {"type", "expectation_type", "kwargs", "meta", "severity", "id", "notes", "description",
               "rendered_content"}


def _parse_expectation(raw: Any, index: int, shown: str) -> _Parsed | SuiteProblem:
    """One entry of the `expectations` list, or the problem that makes it unusable."""
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    bad_key = f"invalid#{index + 1}"
    if not isinstance(raw, dict):
        return SuiteProblem(shown, "each expectation must be a JSON object", index, key=bad_key)
    type_ = raw.get("type", raw.get("expectation_type"))
    kwargs = raw.get("kwargs", {})
    meta = raw.get("meta") or {}
    severity = raw.get("severity", "critical")
    label = type_ if isinstance(type_, str) else None
    if not isinstance(type_, str) or not type_:
        return SuiteProblem(shown, "missing 'type'", index, key=bad_key)
    if not isinstance(kwargs, dict) or not isinstance(meta, dict):
        return SuiteProblem(shown, "'kwargs' and 'meta' must be JSON objects", index, label, key=bad_key)
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        return SuiteProblem(shown, f"unknown key(s) {', '.join(map(repr, unknown))}", index, label, key=bad_key)
    if not isinstance(severity, str) or severity.lower() not in GX_SEVERITY:
        return SuiteProblem(shown, f"invalid severity {severity!r}: use one of critical, warning, info", index,
                            label, key=bad_key)
    severity = severity.lower()
    try:
        gx_expectation = ExpectationConfiguration(
            type=type_, kwargs=kwargs, meta=meta, severity=severity,
            notes=raw.get("notes"), description=raw.get("description"),
        ).to_domain_obj()
    except Exception as exc:  # GX raises several unrelated types for bad configurations
        if type(exc).__name__ == "ExpectationNotFoundError":
            msg = f"unknown expectation type {type_!r}"
        else:
            msg = f"invalid configuration for {type_}: {_short_error(exc)}"
        return SuiteProblem(shown, msg, index, label, key=bad_key)
    return index, type_, kwargs, meta, severity, gx_expectation


def load_suite(path: str | Path, *, default_name: str | None = None, display: str | None = None) -> LoadedSuite:
    """Read a suite file; bad content becomes `problems`, valid expectations are kept.

    `display` is how messages name the file (e.g. relative to the config folder).
    """
    path = Path(path)
    shown = display or str(path)
    doc, problem = _read_document(path, shown)
    name = default_name or path.stem
    if problem is not None:
        return LoadedSuite(shown, name, (), (problem,))
    if not isinstance(doc, dict):
        return LoadedSuite(shown, name, (), (SuiteProblem(
            shown, f"the top level must be a JSON object with an 'expectations' list, not {type(doc).__name__}",
            key="suite_not_an_object"),))
    name = str(doc.get("name") or doc.get("expectation_suite_name") or name)
    raw_expectations = doc.get("expectations", [])
    if not isinstance(raw_expectations, list):
        return LoadedSuite(shown, name, (), (SuiteProblem(
            shown, "'expectations' must be a list", key="suite_expectations_not_a_list"),))

    problems: list[SuiteProblem] = []
    parsed: list[_Parsed] = []
    for index, raw in enumerate(raw_expectations):
        one = _parse_expectation(raw, index, shown)
        (problems if isinstance(one, SuiteProblem) else parsed).append(one)  # type: ignore[arg-type]

    keys = _unique_keys([expectation_key(p[1], p[2]) for p in parsed])
    expectations = tuple(
        SuiteExpectation(key=key, index=index, type=type_, kwargs=dict(kwargs), meta=dict(meta),
                         gx_severity=severity, gx=gx_obj)
        for key, (index, type_, kwargs, meta, severity, gx_obj) in zip(keys, parsed)
    )
    suite_meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
    return LoadedSuite(shown, name, expectations, tuple(problems), suite_meta)


def build_gx_suite(suite: LoadedSuite, expectations: list[SuiteExpectation] | None = None) -> Any:
    """A GX `ExpectationSuite` of (a subset of) the loaded expectations.

    Each GX expectation's `id` is set to our readable key, so results can be matched back
    to the file's expectations (GX does not keep the suite's order in its results).
    """
    from great_expectations.core import ExpectationSuite

    chosen = list(suite.expectations if expectations is None else expectations)
    gx_suite = ExpectationSuite(name=suite.name, expectations=[copy.deepcopy(e.gx) for e in chosen])
    for gx_expectation, ours in zip(gx_suite.expectations, chosen):
        gx_expectation.id = ours.key
    return gx_suite


def write_suite(suite: dict[str, Any], path: str | Path) -> Path:
    """Write a suite dict as stable, reviewable JSON (sorted keys, 2-space indent, trailing newline)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(suite, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    tmp = private_tmp(path)
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
