"""Where `compare` and the HTML report read their columns from: a frame, or files read one column at a time.

`compare` needs one column of each side at a time (its threads hold `workers` columns at once), so a
snapshot stored as Parquet is never loaded whole: a `ColumnSource` names its columns and rows and hands
out one column on request. A reference window is combined per column exactly as
`build_reference_frame` combines whole frames: the sampled rows are chosen once from the row counts
(`reference_rows`, same seed, same draws) and applied to every column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from dq_monitor.drift.spec import ReferenceSelection


class ColumnSource:
    """Column names (in order), a row count, and one column on request (`load(name)`). `owned`: every column
    handed out is a private copy (e.g. read from a file), so `compare` may sort it in place."""

    def __init__(self, columns: Sequence[str], rows: int, load: Callable[[str], pd.Series | pd.DataFrame],
                 owned: bool = False):
        self.columns = list(columns)
        self.rows = int(rows)
        self._load = load
        self.owned = owned
        self._names = set(self.columns)

    def __contains__(self, column: object) -> bool:
        return column in self._names

    def __len__(self) -> int:
        return self.rows

    def column(self, name: str) -> pd.Series | pd.DataFrame:
        """One column (a DataFrame when the name is duplicated)."""
        return self._load(name)


class FrameSource(ColumnSource):
    """A frame already in memory: its columns are views of it."""

    def __init__(self, frame: pd.DataFrame):
        super().__init__(list(frame.columns), len(frame), frame.__getitem__)


def as_source(name: str, data: object) -> ColumnSource:
    if isinstance(data, ColumnSource):
        return data
    if isinstance(data, pd.DataFrame):
        return FrameSource(data)
    raise TypeError(f"{name} must be a pandas DataFrame, not {type(data).__name__}")


def reference_rows(row_counts: Sequence[int], selection: ReferenceSelection, seed: int = 0) -> list[np.ndarray | None]:
    """Per reference snapshot, the positions of the rows it contributes (None: all of them)."""
    if len(row_counts) != len(selection.snapshot_ids):
        raise ValueError(f"expected {len(selection.snapshot_ids)} reference frames, got {len(row_counts)}")
    if selection.mode != "sample":
        return [None] * len(row_counts)
    per_snapshot = -(-int(selection.sample_rows or 0) // len(row_counts))
    rng = np.random.default_rng(seed)
    return [None if rows <= per_snapshot else np.sort(rng.choice(rows, size=per_snapshot, replace=False))
            for rows in row_counts]


def _union_columns(parts: Sequence[ColumnSource]) -> list[str]:
    """The columns of the concatenated frames, in the order `pd.concat` gives them."""
    return list(pd.concat([pd.DataFrame(columns=p.columns) for p in parts], ignore_index=True).columns)


class ReferenceSource(ColumnSource):
    """The reference snapshots combined like `build_reference_frame`, one column at a time."""

    def __init__(self, parts: Sequence[ColumnSource], selection: ReferenceSelection, seed: int = 0):
        self._parts = list(parts)
        self._rows = reference_rows([p.rows for p in self._parts], selection, seed)
        self._sizes = [p.rows if r is None else len(r) for p, r in zip(self._parts, self._rows)]
        owned = all(p.owned for p in self._parts)
        if selection.mode == "single":
            super().__init__(self._parts[0].columns, self._parts[0].rows, self._parts[0].column, owned)
        else:
            super().__init__(_union_columns(self._parts), sum(self._sizes), self._combined, owned)

    def _piece(self, index: int, name: str) -> pd.DataFrame:
        part, rows = self._parts[index], self._rows[index]
        if name not in part:  # pd.concat fills a column a frame lacks with missing values
            return pd.DataFrame(index=pd.RangeIndex(self._sizes[index]))
        values = part.column(name)
        piece = values if isinstance(values, pd.DataFrame) else values.to_frame()
        return piece if rows is None else piece.iloc[rows]

    def _combined(self, name: str) -> pd.Series | pd.DataFrame:
        return pd.concat([self._piece(i, name) for i in range(len(self._parts))], ignore_index=True)[name]
