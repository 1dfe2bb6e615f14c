"""Inhibition and silences: which firing alerts are muted right now.

A firing alert matching a rule's source matchers mutes every *other* firing alert
that matches the target matchers and has the same values for the `equal` labels
(Alertmanager semantics; an alert never inhibits itself). Silenced sources still
inhibit, as in Alertmanager.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from dq_monitor.alerts.config import InhibitRule
from dq_monitor.alerts.records import AlertInput, Silence
from dq_monitor.core.matchers import Labels, all_match


def _key(labels: Labels, equal: Sequence[str]) -> tuple[object, ...]:
    return tuple(labels.get(name, "") for name in equal)


def inhibited(alerts: Sequence[AlertInput], labels: Sequence[Labels], rules: Iterable[InhibitRule]) -> dict[str, str]:
    """Fingerprint -> a short reason, for the firing alerts muted by an inhibit rule."""
    out: dict[str, str] = {}
    for rule in rules:
        source_m, target_m = rule.compiled()
        sources: dict[tuple[object, ...], set[str]] = {}
        for alert, lab in zip(alerts, labels):
            if alert.firing and all_match(source_m, lab):
                sources.setdefault(_key(lab, rule.equal), set()).add(alert.fingerprint)
        if not sources:
            continue
        for alert, lab in zip(alerts, labels):
            if not alert.firing or alert.fingerprint in out or not all_match(target_m, lab):
                continue
            by = sources.get(_key(lab, rule.equal), set()) - {alert.fingerprint}
            if by:
                out[alert.fingerprint] = f"inhibited by {', '.join(rule.source_matchers) or 'any alert'}"
    return out


def silenced(alerts: Sequence[AlertInput], labels: Sequence[Labels], silences: Iterable[Silence],
             now: datetime) -> dict[str, str]:
    """Fingerprint -> the id of an active silence muting the (firing) alert."""
    active = [(s, s.compiled()) for s in silences if s.active(now)]
    out: dict[str, str] = {}
    if not active:
        return out
    for alert, lab in zip(alerts, labels):
        if not alert.firing:
            continue
        for silence, matchers in active:
            if all_match(matchers, lab):
                out[alert.fingerprint] = f"silenced by {silence.id}"
                break
    return out
