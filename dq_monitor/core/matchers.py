"""Alertmanager-style label matchers: `label=value`, `label!=value`, `label=~regex`, `label!~regex`.

Regexes are fully anchored, like Alertmanager's. A label may carry several values
(an alert's `owner` label holds every owner of its dataset): a positive matcher
holds when any value matches, a negative one when none does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: Labels every alert carries; routes, inhibit rules, silences and group_by may name them.
LABELS = (
    "dataset", "asset", "snapshot", "check", "check_type", "severity", "owner", "source", "status", "fingerprint",
)

_OPS = ("=~", "!~", "!=", "=")
_MATCHER_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$", re.DOTALL)

LabelValue = str | tuple[str, ...]
Labels = Mapping[str, LabelValue]


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str
    value: str
    _regex: re.Pattern[str] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise ValueError(f"unknown label {self.label!r} in matcher; known labels: {', '.join(LABELS)}")
        if self.op not in _OPS:
            raise ValueError(f"unknown operator {self.op!r} in matcher on {self.label!r}")
        if self.op in ("=~", "!~"):
            try:
                object.__setattr__(self, "_regex", re.compile(f"(?:{self.value})\\Z", re.DOTALL))
            except re.error as exc:
                raise ValueError(f"invalid regex {self.value!r} for label {self.label!r}: {exc}") from None

    def __str__(self) -> str:
        return f"{self.label}{self.op}{self.value}"

    def matches(self, labels: Labels) -> bool:
        raw = labels.get(self.label, "")
        values = raw if isinstance(raw, tuple) else (raw,)
        if not values:
            values = ("",)
        if self.op == "=":
            return any(v == self.value for v in values)
        if self.op == "!=":
            return all(v != self.value for v in values)
        assert self._regex is not None
        hit = any(self._regex.match(v) for v in values)
        return hit if self.op == "=~" else not hit


def parse_matcher(text: str) -> Matcher:
    """Parse `label=value`, `label!=value`, `label=~regex` or `label!~regex` (value may be double-quoted)."""
    match = _MATCHER_RE.match(text)
    if not match:
        raise ValueError(f"invalid matcher {text!r}: use label=value, label!=value, label=~regex or label!~regex")
    label, op, value = match.groups()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"')
    return Matcher(label, op, value)


def matchers_from(matchers: Iterable[str] = (), match: Mapping[str, str | list[str]] | None = None,
                  match_re: Mapping[str, str] | None = None) -> tuple[Matcher, ...]:
    """Build matchers from Alertmanager strings plus the `match`/`match_re` shorthands.

    `match: {severity: [WARN, ERROR]}` (a list) means any of the values.
    """
    out = [parse_matcher(m) for m in matchers]
    for label, value in (match or {}).items():
        if isinstance(value, (list, tuple)):
            out.append(Matcher(label, "=~", "|".join(re.escape(str(v)) for v in value)))
        else:
            out.append(Matcher(label, "=", str(value)))
    for label, value in (match_re or {}).items():
        out.append(Matcher(label, "=~", str(value)))
    return tuple(out)


def all_match(matchers: Iterable[Matcher], labels: Labels) -> bool:
    return all(m.matches(labels) for m in matchers)
