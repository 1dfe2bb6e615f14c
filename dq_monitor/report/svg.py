"""Inline SVG charts: one metric over snapshot time with its expected value, bands and flagged points.

Hand-written SVG keeps the report self-contained and small (no JavaScript library, no network):
a 365-point chart is a few kilobytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 720, 180, 56, 12, 10, 22


@dataclass(frozen=True)
class Point:
    """One snapshot on a chart; `flag` is the severity of a failed check ('' when it passed)."""

    x: float  # snapshot time, seconds since the epoch
    value: float | None
    expected: float | None = None
    lower: float | None = None
    upper: float | None = None
    warn_lower: float | None = None
    warn_upper: float | None = None
    flag: str = ""
    note: str = ""  # level shift, marked expected
    label: str = ""  # snapshot id and time, shown on hover of a flagged point


def _finite(v: float | None) -> bool:
    return v is not None and v == v and abs(v) != float("inf")


def _fmt(v: float) -> str:
    return f"{v:.4g}"


class _Scale:
    def __init__(self, points: list[Point]) -> None:
        xs = [p.x for p in points]
        ys = [v for p in points for v in (p.value, p.expected, p.lower, p.upper, p.warn_lower, p.warn_upper)
              if _finite(v)]
        self.x0, self.x1 = min(xs), max(xs)
        self.y0, self.y1 = (min(ys), max(ys)) if ys else (0.0, 1.0)
        if self.x1 == self.x0:
            self.x0, self.x1 = self.x0 - 1, self.x1 + 1
        if self.y1 == self.y0:
            self.y0, self.y1 = self.y0 - 1, self.y1 + 1
        margin = (self.y1 - self.y0) * 0.05
        self.y0, self.y1 = self.y0 - margin, self.y1 + margin

    def x(self, v: float) -> float:
        return PAD_L + (v - self.x0) / (self.x1 - self.x0) * (WIDTH - PAD_L - PAD_R)

    def y(self, v: float) -> float:
        return PAD_T + (self.y1 - v) / (self.y1 - self.y0) * (HEIGHT - PAD_T - PAD_B)


def _polyline(scale: _Scale, points: list[Point], attr: str, cls: str) -> str:
    """One polyline per run of points that have the attribute (gaps stay gaps)."""
    runs, run = [], []
    for p in points:
        v = getattr(p, attr)
        if _finite(v):
            run.append(f"{scale.x(p.x):.1f},{scale.y(v):.1f}")
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return "".join(f'<polyline class="{cls}" points="{" ".join(r)}"/>' for r in runs)


def _band(scale: _Scale, points: list[Point], low: str, high: str, cls: str) -> str:
    """A filled polygon between two band edges, per run of points where both edges are finite."""
    out, run = [], []
    for p in [*points, None]:
        lo, hi = (getattr(p, low), getattr(p, high)) if p is not None else (None, None)
        if _finite(lo) and _finite(hi):
            run.append((scale.x(p.x), scale.y(lo), scale.y(hi)))
            continue
        if run:
            top = " ".join(f"{x:.1f},{yh:.1f}" for x, _, yh in run)
            bottom = " ".join(f"{x:.1f},{yl:.1f}" for x, yl, _ in reversed(run))
            out.append(f'<polygon class="{cls}" points="{top} {bottom}"/>')
            run = []
    return "".join(out)


def _markers(scale: _Scale, points: list[Point]) -> str:
    out = []
    for p in points:
        if not _finite(p.value) or not (p.flag or p.note):
            continue  # ordinary points are the polyline's vertices; only flagged ones get a marker
        cls = f"pt flag-{p.flag}" if p.flag else "pt"
        r = 4 if p.flag else 3
        tip = f"{p.label}: {_fmt(p.value)}" + (f" ({p.flag})" if p.flag else "") + (f" {p.note}" if p.note else "")
        out.append(f'<circle class="{cls}" cx="{scale.x(p.x):.1f}" cy="{scale.y(p.value):.1f}" r="{r}">'
                   f"<title>{escape(tip)}</title></circle>")
        if p.note:
            out.append(f'<text class="note" x="{scale.x(p.x):.1f}" y="{scale.y(p.value) - 7:.1f}">'
                       f"{escape(p.note[:24])}</text>")
    return "".join(out)


def _axes(scale: _Scale, first: str, last: str) -> str:
    y_top, y_bottom = PAD_T, HEIGHT - PAD_B
    return (f'<line class="axis" x1="{PAD_L}" y1="{y_bottom}" x2="{WIDTH - PAD_R}" y2="{y_bottom}"/>'
            f'<text class="tick" x="{PAD_L - 4}" y="{y_top + 8}" text-anchor="end">{_fmt(scale.y1)}</text>'
            f'<text class="tick" x="{PAD_L - 4}" y="{y_bottom}" text-anchor="end">{_fmt(scale.y0)}</text>'
            f'<text class="tick" x="{PAD_L}" y="{HEIGHT - 6}">{escape(first)}</text>'
            f'<text class="tick" x="{WIDTH - PAD_R}" y="{HEIGHT - 6}" text-anchor="end">{escape(last)}</text>')


def line_chart(title: str, points: list[Point], first: str = "", last: str = "") -> str:
    """An SVG chart of `points` (sorted by x): ERROR band, WARN band, expected line, values, flags."""
    if not points:
        return ""
    scale = _Scale(points)
    body = (_band(scale, points, "lower", "upper", "band-error")
            + _band(scale, points, "warn_lower", "warn_upper", "band-warn")
            + _polyline(scale, points, "expected", "expected")
            + _polyline(scale, points, "value", "value")
            + _markers(scale, points) + _axes(scale, first, last))
    return (f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
            f'role="img" aria-label="{escape(title)}" data-metric="{escape(title)}">{body}</svg>')
