"""`MonitorSpec`: one watched metric, exactly the keys a YAML `monitors:` entry may hold.

A monitor in a dataset's config::

    monitors:
      - {metric: row_count, seasonality: day_of_week, sensitivity: 5}
      - {metric: null_rate, column: email, direction: spike}

Unknown keys are errors, and so is a metric name nobody records (`row_counts`): the names are
`keys.DATASET_METRICS` and `keys.COLUMN_METRICS`. Nothing here imports dagster.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dq_monitor.core.names import monitor_check
from dq_monitor.core.outcome import Severity
from dq_monitor.history.keys import (
    COLUMN_METRICS,
    DATASET_METRICS,
    KNOWN_METRICS,
    metric_key,
    parse_metric_key,
)

Seasonality = Literal["none", "hour_of_day", "day_of_week", "hour_of_week", "auto"]
Direction = Literal["spike", "drop", "both"]
LevelShiftPolicy = Literal["adapt", "keep_alerting"]
Transform = Literal["none", "log"]

#: Metrics whose shift to a new level must keep alerting by default: a volume collapse or data
#: that stops arriving is lost data, never a new normal (every other metric adapts by default:
#: a null rate, a mean or a drift share often moves for good after a legitimate release).
KEEP_ALERTING_METRICS = frozenset({"row_count", "bytes", "freshness_lag_seconds"})
#: Points on the same side of the band that confirm a level shift when `relearn_after` is not set.
DEFAULT_LEVEL_SHIFT_POINTS = 12

_METRIC_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CHECK_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class MonitorSpec(BaseModel):
    """How one metric series is judged. The defaults were tuned once on public labeled data
    (see `bench/README_history.md`) and are the same for every metric."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str = Field(description="metric name as recorded by `profile` (row_count, null_rate, ...)")
    column: str | None = Field(default=None, description="column of a column-level metric")
    seasonality: Seasonality = Field(
        default="auto",
        description="none | hour_of_day | day_of_week | hour_of_week | auto (period detected from history)",
    )
    sensitivity: float = Field(default=5.0, gt=0, description="ERROR band half-width in robust standard deviations")
    warn_sensitivity: float | None = Field(
        default=3.5, gt=0, description="WARN band half-width in robust standard deviations; null disables WARN"
    )
    direction: Direction = Field(default="both", description="spike: only rises alert; drop: only falls; both")
    min_abs_change: float = Field(default=0.0, ge=0, description="moves smaller than this never alert")
    min_rel_change: float = Field(
        default=0.1, ge=0, description="moves smaller than this fraction of the expected value never alert"
    )
    min_history: int = Field(default=7, ge=2, description="history points needed before leaving `learning`")
    window: int = Field(default=200, ge=3, description="most recent history points the baseline uses")
    relearn_after: int | None = Field(
        default=None,
        ge=1,
        description="points in a row on the same side of the band that confirm a level shift (default 12);"
        " setting it without `on_level_shift` means adapt",
    )
    on_level_shift: LevelShiftPolicy | None = Field(
        default=None,
        description="adapt: report one level_shift event, then relearn the new level as the baseline;"
        " keep_alerting: every point at the new level stays an anomaly. null: keep_alerting for row_count,"
        " bytes and freshness_lag_seconds (lost data never becomes normal), adapt for every other metric",
    )
    transform: Transform = Field(
        default="none", description="log: judge log1p(value / typical level) (non-negative, skewed metrics)"
    )
    surprise_days: float | None = Field(
        default=60.0,
        gt=0,
        description="a band crossing starts an alert only when its score exceeds what the series' own recent"
        " scores reach about once per this many days (once `surprise_min_scores` exist; then a run of WARN-level"
        " crossings alerts from its 2nd point); null: every crossing alerts",
    )
    hold_hours: float = Field(
        default=0.0, ge=0, description="an alert stays open this long after its last alerting point"
    )
    surprise_min_scores: int = Field(
        default=300, ge=10, description="scores needed before the surprise quantile is trusted"
    )
    severity: Severity = Field(default=Severity.ERROR, description="severity outside the outer (ERROR) band")
    name: str | None = Field(default=None, description="check name; default <dataset>_<metric>[_<column>]_is_normal")

    @model_validator(mode="after")
    def _consistent(self) -> "MonitorSpec":
        if not _METRIC_RE.match(self.metric):
            raise ValueError(f"metric {self.metric!r} must be a plain name such as row_count or null_rate")
        _check_metric(self.metric, self.column)
        if self.warn_sensitivity is not None and self.warn_sensitivity >= self.sensitivity:
            raise ValueError(
                f"warn_sensitivity ({self.warn_sensitivity}) must be smaller than sensitivity ({self.sensitivity}):"
                " the WARN band lies inside the ERROR band"
            )
        if self.name is not None and not _CHECK_NAME_RE.match(self.name):
            raise ValueError(f"name {self.name!r} must be letters, digits and underscores")
        return self

    @property
    def level_shift_policy(self) -> LevelShiftPolicy:
        """`on_level_shift`, or its default for this metric."""
        if self.on_level_shift is not None:
            return self.on_level_shift
        if self.relearn_after is not None:
            return "adapt"
        return "keep_alerting" if self.metric in KEEP_ALERTING_METRICS else "adapt"

    @property
    def level_shift_points(self) -> int:
        return self.relearn_after if self.relearn_after is not None else DEFAULT_LEVEL_SHIFT_POINTS

    @property
    def key(self) -> str:
        """The metric-history key this monitor watches, e.g. `null_rate:email`."""
        return metric_key(self.metric, self.column)

    def check_name(self, dataset: str) -> str:
        """`<dataset>_<metric>[_<column>]_is_normal`, or `name` when given."""
        return self.name or monitor_check(dataset, self.metric, self.column)


def _check_metric(metric: str, column: str | None) -> None:
    if metric not in KNOWN_METRICS:
        raise ValueError(
            f"unknown metric {metric!r}: nothing records it, so the monitor could never judge a value."
            f" Dataset metrics: {', '.join(sorted(DATASET_METRICS))}; column metrics (need `column`):"
            f" {', '.join(sorted(COLUMN_METRICS))}"
        )
    if metric in COLUMN_METRICS and column is None:
        raise ValueError(f"metric {metric!r} is recorded per column: give `column`")
    if metric in DATASET_METRICS and metric != "value" and column is not None:
        raise ValueError(f"metric {metric!r} is a dataset-level metric: drop `column` ({column!r})")


def coerce_spec(spec: "MonitorSpec | Mapping[str, Any] | None", default_metric: str = "value") -> MonitorSpec:
    """Accept a `MonitorSpec`, a dict with the same keys as YAML, or None (all defaults).

    `default_metric` (e.g. a series name such as `null_rate:email`) fills in a missing
    `metric` (and `column`); a name that is not a metric key falls back to `value`.
    """
    if isinstance(spec, MonitorSpec):
        return spec
    if spec is not None and not isinstance(spec, Mapping):
        raise TypeError(f"spec must be a MonitorSpec, a dict or None, not {type(spec).__name__}")
    data = dict(spec or {})
    if "metric" not in data:
        metric, column = parse_metric_key(default_metric)
        if metric not in KNOWN_METRICS or (metric in COLUMN_METRICS) != (column is not None):
            metric, column = "value", None
        data["metric"] = metric
        if column is not None:
            data.setdefault("column", column)
    return MonitorSpec.model_validate(data)
