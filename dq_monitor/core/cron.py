"""Cron expressions checked the way Dagster's schedules check them, without importing Dagster.

Dagster accepts a 5-field cron string that its vendored croniter can expand, and rejects
`30`/`31` February. This is the same rule written out (numbers, `*`, ranges, steps, lists,
month and weekday names); `dq_monitor_tests/config` compares it with Dagster's own validator.
"""

from __future__ import annotations

import re

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
#: (field name, lowest, highest, names mapped to numbers)
_FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {name: i + 1 for i, name in enumerate(_MONTHS)}),
    ("day of week", 0, 7, {name: i for i, name in enumerate(_DAYS)}),
)
_PART_RE = re.compile(r"^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?$")


def _number(token: str, low: int, high: int, names: dict[str, int], field: str) -> int:
    value = names.get(token) if token in names else int(token) if token.isdigit() else None
    if value is None:
        raise ValueError(f"{field} {token!r} is not a number")
    if not low <= value <= high:
        raise ValueError(f"{field} {value} is outside {low}-{high}")
    return value


def _values(part: str, low: int, high: int, names: dict[str, int], field: str) -> set[int]:
    match = _PART_RE.match(part)
    if not match:
        raise ValueError(f"{field} {part!r} is not a number, range, list or step")
    base, step = match.group(1), int(match.group(2) or 1)
    if step < 1:
        raise ValueError(f"{field} step must be at least 1")
    if base == "*":
        start, end = low, high
    elif "-" in base:
        first, last = base.split("-")
        start, end = _number(first, low, high, names, field), _number(last, low, high, names, field)
        if start > end:  # croniter (and so Dagster) wraps a backwards range around: 22-2 is 22,23,0,1,2
            return set(range(start, high + 1, step)) | set(range(low, end + 1, step))
    else:
        start = _number(base, low, high, names, field)
        end = high if match.group(2) else start
    return set(range(start, end + 1, step))


def cron_problem(expression: str) -> str | None:
    """Why `expression` is not a cron string Dagster accepts, or None when it is fine."""
    fields = expression.lower().split()
    if len(fields) != 5:
        return f"{expression!r} is not a 5-field cron expression (minute hour day-of-month month day-of-week)"
    expanded = []
    for text, (field, low, high, names) in zip(fields, _FIELDS):
        try:
            expanded.append(set().union(*(_values(p, low, high, names, field) for p in text.split(","))))
        except ValueError as exc:
            return f"{expression!r} is not a valid cron expression: {exc}"
    days, months = expanded[2], expanded[3]
    if months == {2} and days and min(days) >= 30:
        return f"{expression!r} never fires (30th or 31st of February)"
    return None


def check_cron(value: str | None, what: str = "schedule") -> str | None:
    """Pydantic-validator helper: raise ValueError naming `what` when `value` is not a valid cron."""
    if value is not None:
        problem = cron_problem(value)
        if problem:
            raise ValueError(f"{what} {problem}")
    return value
