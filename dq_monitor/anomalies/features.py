"""Turn a DataFrame into the numeric matrix detectors score, and back into words.

Fitted on the reference frame, then applied to any snapshot:

* numeric columns become robust z-scores, (x - median) / (1.4826 * MAD), against the
  row's own group baseline when `group_by` is set and the group had at least
  `min_group_size` reference rows, otherwise against the global baseline;
* categorical (string, category, bool) columns, and numeric columns that were
  constant in the reference, become a rarity: -log10 of the value's share of the
  reference rows (never-seen values: see `CategoricalFeature`);
* identifier-like categoricals (mostly distinct values), datetimes and columns that
  are entirely missing in the reference carry no point-anomaly signal and are
  skipped with a note;
* NaN stays NaN (the detector imputes a neutral value); +-inf is scored as a value
  far beyond the reference range and the reason says it is infinite.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dq_monitor.anomalies.baseline import (
    GroupBaseline,
    NumericFeature,
    group_baseline,
    numeric_values,
)
from dq_monitor.detectors.base import robust_center_scale

#: A categorical whose distinct values exceed this share of the reference rows (and
#: number more than `_ID_MIN_DISTINCT`) is treated as an identifier.
_ID_DISTINCT_SHARE = 0.5
_ID_MIN_DISTINCT = 50
_ID_SAMPLE_ROWS = 10_000
#: Global numeric baselines (median, MAD) are estimated on at most this many rows.
_STATS_SAMPLE_ROWS = 200_000
#: How far beyond the reference range (in robust units) an infinite value is placed.
_INF_Z = 1e3
_MISSING = "\x00<missing>"


class AnomalyInputError(ValueError):
    """Data that cannot be used to fit or score an anomaly model; the message says why."""


@dataclass
class CategoricalFeature:
    """Reference counts of one categorical column.

    A never-seen value gets the rarity `unseen_rarity`: that of a value seen once when
    the reference has values seen only once (an open-ended column, where new values
    are routine); a hundred times rarer than the rarest reference value when every
    reference value repeats (a closed set of codes, where a new value is news).
    """

    name: str
    counts: dict  # value -> reference count (missing values under _MISSING)
    n: int
    unseen_rarity: float = 0.0

    @classmethod
    def from_counts(cls, name: str, counts: dict, n: int) -> "CategoricalFeature":
        rarest = min(counts.values())
        if rarest == 1:
            unseen = math.log10(n)
        else:
            unseen = max(math.log10(n / rarest) + 2.0, math.log10(n) + 1.0)
        return cls(name, counts, n, unseen)


@dataclass
class FeatureEncoder:
    numeric: list[NumericFeature] = field(default_factory=list)
    categorical: list[CategoricalFeature] = field(default_factory=list)
    baseline: GroupBaseline | None = None
    notes: list[str] = field(default_factory=list)
    dtypes: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Source columns the model needs, in feature order."""
        return [f.name for f in self.numeric] + [f.name for f in self.categorical]

    @property
    def kinds(self) -> dict[str, str]:
        return {**{f.name: "numeric" for f in self.numeric}, **{f.name: "categorical" for f in self.categorical}}

    # ------------------------------------------------------------------ fitting
    @classmethod
    def fit(
        cls,
        reference: pd.DataFrame,
        *,
        columns: list[str] | None = None,
        ignore: list[str] = (),
        group_by: str | None = None,
        min_group_size: int = 30,
    ) -> "FeatureEncoder":
        enc = cls()
        n = len(reference)
        if columns is not None:
            missing = [c for c in columns if c not in reference.columns]
            if missing:
                raise AnomalyInputError(f"configured anomaly columns not in the reference data: {', '.join(missing)}")
        if group_by is not None and group_by not in reference.columns:
            raise AnomalyInputError(f"group_by column {group_by!r} is not in the reference data")
        candidates = [c for c in (columns if columns is not None else reference.columns) if c not in set(ignore)]
        candidates = [c for c in candidates if c != group_by]
        # Global numeric baselines (median, MAD) come from a seeded sample of at most 200k
        # rows, which pins them to ~0.3% of a standard deviation at a fraction of the cost.
        sample_rows = None
        if n > _STATS_SAMPLE_ROWS:
            sample_rows = np.sort(np.random.default_rng(0).choice(n, _STATS_SAMPLE_ROWS, replace=False))
        for col in candidates:
            enc._add_column(col, reference[col], n, sample_rows)
        if not enc.numeric and not enc.categorical:
            detail = "; ".join(enc.notes) or "no columns left after columns/ignore_columns"
            raise AnomalyInputError(f"no usable feature columns for anomaly detection: {detail}")
        if group_by is not None and enc.numeric:
            enc.baseline = group_baseline(reference, group_by, enc.numeric, min_group_size)
            if len(enc.baseline.groups) == 0:
                enc.notes.append(
                    f"no {group_by} group has {min_group_size} reference rows; every row uses the global baseline"
                )
        return enc

    def _add_column(self, col: Hashable, s: pd.Series, n: int, sample_rows: np.ndarray | None) -> None:
        """Encode one reference column as a numeric or categorical feature, or note why it is skipped."""
        self.dtypes[str(col)] = str(s.dtype)
        if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
            self.notes.append(f"column {col!r} is a date/time; not used for point anomalies")
            return
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        values = numeric_values(s) if numeric else None
        if (np.isnan(values).all() if numeric else s.isna().all()):
            self.notes.append(f"column {col!r} is entirely missing in the reference; not used")
            return
        if numeric:
            finite = values if sample_rows is None else values[sample_rows]
            finite = finite[np.isfinite(finite)]
            if finite.size == 0:
                finite = values[np.isfinite(values)]
            if finite.size == 0:
                self.notes.append(f"column {col!r} has no finite values in the reference; not used")
                return
            if np.ptp(finite) > 0 or np.ptp(values[np.isfinite(values)]) > 0:
                center, scale = robust_center_scale(finite.reshape(-1, 1))
                mad = float(np.median(np.abs(finite - center[0])))
                self.numeric.append(NumericFeature(str(col), float(center[0]), float(scale[0]), mad))
                return
            # constant numeric column: any other value is a never-seen category
        if n > _ID_SAMPLE_ROWS:
            # Counting a million distinct strings is slow; a sample tells identifiers apart.
            sample = s.sample(_ID_SAMPLE_ROWS, random_state=0)
            distinct = sample.nunique(dropna=False)
            if distinct > _ID_DISTINCT_SHARE * _ID_SAMPLE_ROWS:
                self.notes.append(
                    f"column {col!r} looks like an identifier ({distinct:,} distinct values in a random "
                    f"sample of {_ID_SAMPLE_ROWS:,} of its {n:,} rows); not used"
                )
                return
        counts = _value_counts(s)
        if len(counts) > _ID_MIN_DISTINCT and len(counts) > _ID_DISTINCT_SHARE * n:
            self.notes.append(
                f"column {col!r} looks like an identifier ({len(counts):,} distinct values in {n:,} rows); not used"
            )
            return
        self.categorical.append(CategoricalFeature.from_counts(str(col), counts, n))

    # ------------------------------------------------------------- transforming
    def check_columns(self, frame: pd.DataFrame, columns: list[str] | None = None) -> list[str]:
        """Problems that make `frame` unscorable by this encoder (missing or retyped columns).

        `columns`: the snapshot's columns when `frame` holds only some of them (the numeric features stored
        with a non-numeric type, whose values are checked); default: `frame`'s."""
        problems = []
        present = set(frame.columns if columns is None else columns)
        missing = [c for c in self.columns if c not in present]
        if missing:
            problems.append(
                f"column(s) {', '.join(missing)} used by the anomaly model are missing from the snapshot"
            )
        if self.baseline is not None and self.baseline.column not in present:
            problems.append(f"group_by column {self.baseline.column!r} is missing from the snapshot")
        for f in self.numeric:
            if f.name in frame.columns:
                s = frame[f.name]
                if not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
                    parsed = pd.to_numeric(s, errors="coerce")
                    bad = int((parsed.isna() & s.notna()).sum())
                    if bad:
                        problems.append(
                            f"column {f.name!r} was numeric when the model was trained but now has dtype "
                            f"{s.dtype} with {bad:,} non-numeric value(s)"
                        )
        return problems

    def numeric_matrix(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Raw values, per-row medians, scales and MADs of the numeric features (rows x features)."""
        n, k = len(frame), len(self.numeric)
        raw = np.empty((n, k), order="F")
        for j, f in enumerate(self.numeric):
            raw[:, j] = numeric_values(frame[f.name])
        stats = [np.broadcast_to(np.array(v), (n, k)) for v in zip(*((f.median, f.scale, f.mad) for f in self.numeric))]
        idx = self._group_rows(frame)
        if idx is not None:
            has = idx >= 0
            stats = [a.copy() for a in stats]  # read-only broadcast views until rows differ
            for a, per_group in zip(stats, (self.baseline.median, self.baseline.scale, self.baseline.mad)):
                a[has] = per_group[idx[has]]
        med, scale, mad = stats
        return raw, med, scale, mad

    def _group_rows(self, frame: pd.DataFrame) -> np.ndarray | None:
        """Each row's index into the group baseline (-1: global baseline); None without groups."""
        if self.baseline is None or not len(self.baseline.groups):
            return None
        return self.baseline.groups.get_indexer(frame[self.baseline.column])

    def group_sizes(self, frame: pd.DataFrame) -> np.ndarray:
        """Reference rows of each row's group baseline (0 = global baseline used)."""
        idx = self._group_rows(frame)
        if idx is None:
            return np.zeros(len(frame), dtype=np.int64)
        return np.where(idx >= 0, self.baseline.sizes[np.maximum(idx, 0)], 0)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The feature matrix (column-major): numeric robust z-scores, then categorical rarities."""
        n, k = len(frame), len(self.numeric)
        Z = np.empty((n, k + len(self.categorical)), order="F")
        idx = self._group_rows(frame)
        has = None if idx is None else idx >= 0
        for j, f in enumerate(self.numeric):
            x = numeric_values(frame[f.name])
            z = Z[:, j]
            np.subtract(x, f.median, out=z)
            z /= f.scale
            if has is not None and has.any():
                rows = idx[has]
                z[has] = (x[has] - self.baseline.median[rows, j]) / self.baseline.scale[rows, j]
            inf = np.isinf(x)
            if inf.any():
                # +-inf is a value far outside anything seen, not a missing one.
                z[inf] = np.sign(x[inf]) * _INF_Z
        for c, f in enumerate(self.categorical, start=k):
            shares = _shares(frame[f.name], f)
            with np.errstate(divide="ignore"):
                Z[:, c] = np.where(shares > 0, -np.log10(shares), f.unseen_rarity)
        return Z


def string_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every column label as a string (models name columns by string)."""
    if all(isinstance(c, str) for c in frame.columns):
        return frame
    return frame.set_axis([str(c) for c in frame.columns], axis=1, copy=False)


def _value_counts(s: pd.Series) -> dict:
    keys = s.astype(object).where(s.notna(), _MISSING)
    return keys.value_counts(dropna=False).to_dict()


def _shares(s: pd.Series, f: CategoricalFeature) -> np.ndarray:
    keys = s.astype(object).where(s.notna(), _MISSING)
    counts = keys.map(f.counts)
    return counts.fillna(0).to_numpy(dtype=np.float64) / f.n


def format_value(value) -> str:
    """9800.0 -> '9,800'; 0.12345 -> '0.1235'; strings quoted."""
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "missing"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if float(value).is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) < 1e-3 or abs(value) >= 1e15:
            return f"{value:.4g}"
        decimals = max(0, 3 - math.floor(math.log10(abs(value))))
        return f"{value:,.{decimals}f}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{int(value):,}"
    if isinstance(value, str):
        return repr(value)
    return str(value)
