"""One dataset's section: metrics with their bands, row count, freshness, schema changes, failed checks."""

from __future__ import annotations

from html import escape

from dq_monitor.report.data import DATASET_LEVEL, NORMAL_SUFFIX, RANK, DatasetData
from dq_monitor.report.evidence import failed_check_html
from dq_monitor.report.svg import Point, line_chart

BAND_KEYS = ("expected", "lower", "upper", "warn_lower", "warn_upper")


def anchor(name: str) -> str:
    return "ds-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in name)


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _note(metadata: dict) -> str:
    if metadata.get("marked_expected"):
        return "marked expected"
    if metadata.get("state") == "level_shift":
        return "level shift"
    return ""


def metric_points(d: DatasetData, check: str) -> list[Point]:
    """The check's observed value and bands per snapshot, at snapshot time; failed points flagged."""
    points = []
    for snap in d.order:
        e = d.evaluation(snap, check)
        if e is None:
            continue
        m, t = e.metadata, d.times[snap]
        flag, note = ("" if e.passed else e.severity), _note(m)
        label = f"{snap} ({t:%Y-%m-%d %H:%M})" if flag or note else ""
        points.append(Point(t.timestamp(), _num(m.get("observed")), *(_num(m.get(k)) for k in BAND_KEYS),
                            flag=flag, note=note, label=label))
    return points


def _flag(d: DatasetData, snap: str, checks: tuple[str, ...]) -> str:
    failed = [e.severity for c in checks for e in (d.evaluation(snap, f"{d.name}_{c}"),)
              if e is not None and not e.passed and not e.metadata.get("not_evaluated")]
    return max(failed, key=lambda s: RANK.get(s, 0), default="")


def _hours(text: object) -> float | None:
    """'6.0h', '1.3d', '30m', '45s' (the freshness check's max_age) in hours."""
    units = {"s": 1 / 3600, "m": 1 / 60, "h": 1.0, "d": 24.0}
    if isinstance(text, str) and text[-1:] in units:
        try:
            return float(text[:-1]) * units[text[-1]]
        except ValueError:
            return None
    return None


def _snapshot_points(d: DatasetData, band_check: str, flag_checks: tuple[str, ...], value_and_band) -> list[Point]:
    """One point per snapshot: `value_and_band(snapshot, band_check's metadata)` -> (value, lower, upper)."""
    points = []
    for s in d.snapshots:
        e = d.evaluation(s.snapshot, f"{d.name}_{band_check}")
        value, lower, upper = value_and_band(s, e.metadata if e is not None else {})
        flag = _flag(d, s.snapshot, flag_checks)
        label = f"{s.snapshot} ({s.snapshot_time:%Y-%m-%d %H:%M})" if flag else ""
        points.append(Point(s.snapshot_time.timestamp(), value, lower=lower, upper=upper, flag=flag, label=label))
    return points


def row_count_points(d: DatasetData) -> list[Point]:
    """Rows per snapshot; the row_count_in_bounds range as the ERROR band; volume failures flagged."""
    return _snapshot_points(d, "row_count_in_bounds", ("row_count_in_bounds", "row_count_change_is_normal"),
                            lambda s, m: (_num(s.row_count), _num(m.get("min_rows")), _num(m.get("max_rows"))))


def _freshness(s, m: dict) -> tuple[float | None, float | None, float | None]:
    lag = _num(m.get("lag_seconds"))
    value = lag / 3600 if lag is not None else (
        (s.snapshot_time - s.max_timestamp).total_seconds() / 3600 if s.max_timestamp else None)
    max_age = _hours(m.get("max_age"))
    return value, (0.0 if max_age is not None else None), max_age


def freshness_points(d: DatasetData) -> list[Point]:
    """Hours from the newest row to the snapshot time (the is_fresh check's lag when it ran), max age as band."""
    return _snapshot_points(d, "is_fresh", ("is_fresh",), _freshness)


def _chart(title: str, points: list[Point], d: DatasetData) -> str:
    if not any(p.value is not None for p in points):
        return ""
    first, last = (f"{d.times[d.order[0]]:%Y-%m-%d}", f"{d.times[d.order[-1]]:%Y-%m-%d}") if d.order else ("", "")
    return f'<figure><figcaption>{escape(title)}</figcaption>{line_chart(title, points, first, last)}</figure>'


def schema_changes(d: DatasetData) -> list[tuple[str, list[str]]]:
    """(snapshot, ['+ col (type)', '- col', '~ col: a -> b']) where the columns differ from the snapshot before."""
    out, before = [], None
    for s in d.snapshots:
        cols = {k: str(v.get("type", v) if isinstance(v, dict) else v) for k, v in (s.columns or {}).items()}
        if before is not None and cols != before:
            change = [f"+ {c} ({cols[c]})" for c in cols if c not in before]
            change += [f"- {c}" for c in before if c not in cols]
            change += [f"~ {c}: {before[c]} -> {cols[c]}" for c in cols if c in before and before[c] != cols[c]]
            out.append((s.snapshot, change))
        before = cols
    return out


def _schema_html(d: DatasetData) -> str:
    changes = schema_changes(d)
    if not changes:
        return "<p>No schema changes.</p>"
    items = "".join(f"<li><b>{escape(snap)}</b> {escape(d.times[snap].strftime('%Y-%m-%d %H:%M'))}: "
                    f"{escape(', '.join(c))}</li>" for snap, c in changes)
    return f'<ol class="timeline">{items}</ol>'


def _failed_html(d: DatasetData) -> str:
    parts = []
    for snap in [*reversed(d.order), DATASET_LEVEL]:
        for e in d.evaluations.get(snap, ()):
            if not e.passed and not e.metadata.get("not_evaluated"):
                found = [f for f in d.findings if f.snapshot == snap and f.check == e.check]
                parts.append(failed_check_html(e, found))
    return "".join(parts) or "<p>No failed checks.</p>"


def dataset_html(d: DatasetData) -> str:
    charts = [_chart(c[len(d.name) + 1:-len(NORMAL_SUFFIX)] if c.startswith(d.name + "_") else c,
                     metric_points(d, c), d) for c in d.metric_checks()]
    charts.append(_chart("row count", row_count_points(d), d))
    charts.append(_chart("freshness (hours from newest row to snapshot time)", freshness_points(d), d))
    return (f'<section class="dataset" id="{anchor(d.name)}"><h2>{escape(d.name)}</h2>'
            f'<h3>Metrics over snapshot time</h3><div class="charts">{"".join(charts)}</div>'
            f"<h3>Schema changes</h3>{_schema_html(d)}"
            f"<h3>Failed checks</h3>{_failed_html(d)}</section>")
