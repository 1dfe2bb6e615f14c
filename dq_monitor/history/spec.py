"""`MonitorSpec`: one watched metric, exactly the keys a YAML `monitors:` entry may hold.

A monitor in a dataset's config::

    monitors:
      - {metric: row_count, seasonality: day_of_week, sensitivity: 5}
      - {metric: null_rate, column: email, direction: spike}

Unknown keys are errors. Nothing here imports dagster.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dq_monitor.core.names import monitor_check
from dq_monitor.core.outcome import Severity
from dq_monitor.history.keys import metric_key, parse_metric_key

Seasonality = Literal["none", "hour_of_day", "day_of_week", "hour_of_week", "auto"]
Direction = Literal["spike", "drop", "both"]

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
        description="accept a level shift as the new normal after this many consecutive anomalies on the same"
        " side (they then teach the baseline); null: flagged points never teach it",
    )
    severity: Severity = Field(default=Severity.ERROR, description="severity outside the outer (ERROR) band")
    name: str | None = Field(default=None, description="check name; default <dataset>_<metric>[_<column>]_is_normal")

    @model_validator(mode="after")
    def _consistent(self) -> "MonitorSpec":
        if not _METRIC_RE.match(self.metric):
            raise ValueError(f"metric {self.metric!r} must be a plain name such as row_count or null_rate")
        if self.warn_sensitivity is not None and self.warn_sensitivity >= self.sensitivity:
            raise ValueError(
                f"warn_sensitivity ({self.warn_sensitivity}) must be smaller than sensitivity ({self.sensitivity}):"
                " the WARN band lies inside the ERROR band"
            )
        if self.name is not None and not _CHECK_NAME_RE.match(self.name):
            raise ValueError(f"name {self.name!r} must be letters, digits and underscores")
        return self

    @property
    def key(self) -> str:
        """The metric-history key this monitor watches, e.g. `null_rate:email`."""
        return metric_key(self.metric, self.column)

    def check_name(self, dataset: str) -> str:
        """`<dataset>_<metric>[_<column>]_is_normal`, or `name` when given."""
        return self.name or monitor_check(dataset, self.metric, self.column)


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
        if not _METRIC_RE.match(metric):
            metric, column = "value", None
        data["metric"] = metric
        if column is not None:
            data.setdefault("column", column)
    return MonitorSpec.model_validate(data)
