"""The per-column and dataset drift results returned by `compare`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dq_monitor.drift.calibrated import CALIBRATED
from dq_monitor.drift.stattests import STATTESTS

ColumnType = Literal["numeric", "categorical", "binary", "text"]
Status = Literal["compared", "skipped", "problem"]


@dataclass(frozen=True)
class ColumnDrift:
    """Drift of one column.

    `status` is `compared`, `skipped` (a column Evidently's preset does not compare, e.g.
    datetime, and that was not asked for explicitly) or `problem` (could not be compared:
    `problem` says why, and `schema_level` marks missing columns, type mismatches and mixed
    types).

    With an Evidently method (`mode: evidently`, or a method configured for the column)
    `score` is that method's p-value (drift when below `threshold`) or distance (drift when
    at or above it), exactly as Evidently computes it.

    With the calibrated test (`mode: dq_monitor`, method `dq_*`) `score` is the effect
    size (`effect_size`: normed Wasserstein distance or Cramér's V) and `threshold` its
    floor (`effect_floor`); the column drifts when `p_value_adjusted` (Benjamini-Hochberg
    over the columns of this comparison) is <= the spec's `alpha` and the effect is at or
    above its floor. All scores are None unless compared.
    """

    column: str
    status: Status
    column_type: ColumnType | None = None
    method: str | None = None
    threshold: float | None = None
    score: float | None = None
    drifted: bool = False
    problem: str | None = None
    schema_level: bool = False
    note: str | None = None
    reference_rows: int = 0
    current_rows: int = 0
    new_categories: tuple[Any, ...] = ()  # up to 50 values seen in current but never in reference
    evidently_type: str | None = None  # Evidently's ColumnType value: "num", "cat" or "text"
    p_value: float | None = None  # the test's p-value (p-value methods and the calibrated test)
    p_value_adjusted: float | None = None  # Benjamini-Hochberg adjusted p-value (calibrated test only)
    effect_size: float | None = None  # calibrated test: normed Wasserstein or Cramér's V
    effect_floor: float | None = None  # calibrated test: the smallest effect that counts as drift
    effect_name: str | None = None

    @property
    def method_display_name(self) -> str | None:
        if not self.method:
            return None
        info = CALIBRATED.get(self.method)
        return info.display_name if info else STATTESTS[self.method].display_name

    @property
    def test_name(self) -> str | None:
        """The test behind the p-value (calibrated) or the method's display name."""
        info = CALIBRATED.get(self.method or "")
        return info.test_name if info else self.method_display_name

    @property
    def score_kind(self) -> str | None:
        if not self.method:
            return None
        return "effect_size" if self.method in CALIBRATED else STATTESTS[self.method].kind

    @property
    def calibrated(self) -> bool:
        return self.method in CALIBRATED


@dataclass(frozen=True)
class DriftResult:
    """Dataset verdict: drifted when `drift_share >= share_threshold` (Evidently's rule),
    where `drift_share` is drifted / compared columns."""

    dataset_drift: bool
    drift_share: float
    share_threshold: float
    number_of_columns: int
    number_of_drifted_columns: int
    columns: tuple[ColumnDrift, ...] = field(default_factory=tuple)
    reference_rows: int = 0
    current_rows: int = 0
    problem: str | None = None
    mode: str = "evidently"
    alpha: float | None = None  # false discovery rate of the calibrated test (mode dq_monitor)

    def column(self, name: str) -> ColumnDrift:
        for col in self.columns:
            if col.column == name:
                return col
        raise KeyError(f"column {name!r} is not part of this drift result")

    @property
    def compared(self) -> tuple[ColumnDrift, ...]:
        return tuple(c for c in self.columns if c.status == "compared")

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.columns if c.drifted)

    @property
    def problems(self) -> tuple[ColumnDrift, ...]:
        return tuple(c for c in self.columns if c.status == "problem")
