"""What the anomaly-rate check needs of a scored snapshot, gathered chunk by chunk.

The check reads every row's normalised score (the rate, the fail tier and the score quantiles) but the
details -- raw score, tier, reason, primary key -- only of the few anomalous rows it shows: the
`max_findings` highest at or above `alert_threshold`. `SummaryBuilder` keeps exactly those while the
chunks of a large snapshot are scored, so memory holds one float per row, not the scored frame;
`ScoreSummary.of` gives the same summary of a whole scored frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from dq_monitor.anomalies.spec import AnomalySpec

#: Prefix of the primary-key columns carried along with the shown rows while chunks are merged.
_KEY = "\x00key:"


@dataclass(frozen=True)
class ScoreSummary:
    n_rows: int
    n_anomalies: int
    scores: np.ndarray  # every row's normalised score, in row order
    n_alert: int  # anomalous rows at or above alert_threshold
    shown: pd.DataFrame  # the top `max_findings` of those, highest score first (ties in row order)
    keys: list[dict[str, Any]]  # the primary-key values of each shown row

    @classmethod
    def of(cls, scores: pd.DataFrame, current: pd.DataFrame, spec: AnomalySpec,
           primary_key: Sequence[str]) -> ScoreSummary:
        """The summary of a whole scored frame (`current`: the frame it scored, for the primary key)."""
        alert = scores[scores["is_anomaly"] & (scores["score"] >= spec.alert_threshold)]
        shown = alert.sort_values("score", ascending=False, kind="stable").head(spec.max_findings)
        pk = [c for c in primary_key if c in current.columns]
        keys = [{c: current.at[idx, c] for c in pk} for idx in shown.index]
        return cls(len(scores), int(scores["is_anomaly"].sum()), scores["score"].to_numpy(), int(len(alert)),
                   shown, keys)


class SummaryBuilder:
    """`ScoreSummary.of` of the concatenated chunks, one chunk at a time (chunks in row order)."""

    def __init__(self, spec: AnomalySpec, n_rows: int) -> None:
        self.spec = spec
        self.scores = np.empty(n_rows)
        self.filled = self.k = self.n_alert = 0
        self.shown: pd.DataFrame | None = None

    def add(self, scores: pd.DataFrame, keys: pd.DataFrame) -> None:
        """One chunk's score columns and its primary-key columns (same index, labels unique over chunks)."""
        self.scores[self.filled:self.filled + len(scores)] = scores["score"].to_numpy()
        self.filled += len(scores)
        self.k += int(scores["is_anomaly"].sum())
        alert = scores[scores["is_anomaly"] & (scores["score"] >= self.spec.alert_threshold)]
        self.n_alert += len(alert)
        if len(alert):
            alert = alert.join(keys.add_prefix(_KEY))
            merged = alert if self.shown is None else pd.concat([self.shown, alert])
            # The earlier top rows come first, so a stable sort orders ties by row as one sort of all rows would.
            self.shown = merged.sort_values("score", ascending=False, kind="stable").head(self.spec.max_findings)

    def build(self) -> ScoreSummary:
        shown = self.shown if self.shown is not None else pd.DataFrame(
            {c: pd.Series(dtype=t) for c, t in (("score", "float64"), ("raw_score", "float64"),
                                                ("severity", "object"), ("reason", "object"))})
        key_columns = [c for c in shown.columns if str(c).startswith(_KEY)]
        keys = [{c[len(_KEY):]: shown[c].iat[i] for c in key_columns} for i in range(len(shown))]
        return ScoreSummary(self.filled, self.k, self.scores[:self.filled], self.n_alert,
                            shown.drop(columns=key_columns), keys)
