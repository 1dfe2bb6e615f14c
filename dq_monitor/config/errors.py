"""`ConfigError` and the one way a pydantic error becomes "file: dataset 'x', field 'a.b': message"."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from dq_monitor.core.errors import ConfigError

__all__ = ["ConfigError", "config_error", "describe_error"]


def _field(loc: list[Any]) -> str:
    # Drop pydantic's union-tag noise such as ('source', 'files', 'path') -> source.path, and
    # write list positions as [i]: monitors[0].metric.
    text = ""
    for i, part in enumerate(loc):
        if part in ("files", "sql") and i > 0 and loc[i - 1] == "source":
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _dataset_name(raw: Any, idx: int) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("datasets"), list) and idx < len(raw["datasets"]):
        entry = raw["datasets"][idx]
        return entry.get("name") if isinstance(entry, dict) else None
    return None


def describe_error(err: dict[str, Any], raw: Any) -> str:
    """`dataset 'orders', field 'volume.max_rowz': unknown key (not allowed here)`."""
    loc = list(err.get("loc", ()))
    where = ""
    if len(loc) >= 2 and loc[0] == "datasets" and isinstance(loc[1], int):
        name = _dataset_name(raw, loc[1])
        where = f"dataset {name!r}" if name else f"dataset #{loc[1] + 1}"
        loc = loc[2:]
    field = _field(loc)
    kind = err.get("type", "")
    msg = err.get("msg", "invalid")
    if kind == "extra_forbidden":
        msg = "unknown key (not allowed here)"
    elif kind == "missing":
        msg = "required field is missing"
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    parts = [p for p in (where, f"field {field!r}" if field else "") if p]
    return f"{', '.join(parts)}: {msg}" if parts else msg


def config_error(exc: ValidationError, raw: Any, source: str) -> ConfigError:
    lines = [f"{source}: {describe_error(e, raw)}" for e in exc.errors()]
    return ConfigError("invalid dq_monitor config\n  " + "\n  ".join(lines))
