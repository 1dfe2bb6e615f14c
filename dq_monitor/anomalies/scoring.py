"""Applying a fitted model: a whole frame (`score_with_model`) or a Parquet file chunk by chunk (`score_parquet`).

Both score the rows in chunks of `CHUNK_ROWS` with the same per-chunk step (`score_rows`); every score is
a function of its own row alone, so the two give the same scores, tiers and reasons. `score_parquet`
reads only the columns the model needs (its features and `group_by`) of one chunk of rows at a time,
keeps one score per row plus the rows the check shows (`summary.SummaryBuilder`), and writes the scores
file as it goes: memory is O(features x chunk) + one float per row, whatever the snapshot's width.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np
import pandas as pd

from dq_monitor.anomalies.features import string_labels
from dq_monitor.anomalies.reasons import explain_rows
from dq_monitor.anomalies.spec import AnomalySpec
from dq_monitor.anomalies.summary import ScoreSummary, SummaryBuilder
from dq_monitor.core.files import private_tmp

if TYPE_CHECKING:
    import pyarrow.parquet as pq

    from dq_monitor.anomalies.fitted import FittedModel

#: Rows encoded and scored at a time: memory stays bounded on large snapshots.
CHUNK_ROWS = 65_536


@dataclass(frozen=True)
class ScoredSnapshot:
    """Scores for one snapshot (same index as the snapshot), or the problems that prevented scoring.

    A snapshot scored by `score_parquet` carries its `summary` instead of the scores (which went to the
    scores file): `scores` is then empty.
    """

    scores: pd.DataFrame
    model_version: str
    expected_rate: float
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: How many reference scores set the threshold: the rate check's null is beta-binomial with it.
    calibration_rows: int = 0
    #: The model's sorted top calibration scores, normalised (the tier rule; None: not kept).
    calibration_tail: np.ndarray | None = field(default=None, compare=False, repr=False)
    summary: ScoreSummary | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def empty_scores(index: pd.Index | None = None) -> pd.DataFrame:
    index = index if index is not None else pd.RangeIndex(0)
    dtypes = {"score": "float64", "raw_score": "float64", "is_anomaly": "bool", "severity": "object",
              "reason": "object"}
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()}, index=index[:0])


def _base(model: FittedModel) -> dict[str, Any]:
    return dict(model_version=model.version, expected_rate=model.expected_rate,
                calibration_rows=getattr(model, "calibration_rows", 0),
                calibration_tail=getattr(model, "calibration_tail", None))


def _column_notes(model: FittedModel, columns: Sequence[Any]) -> list[str]:
    known = set(model.features) | {model.spec.group_by} | set(model.spec.ignore_columns)
    extra = sorted(set(map(str, columns)) - known)
    notes = list(model.notes)
    if model.spec.columns is None and extra:
        notes.append(f"column(s) not in the model (added since it was trained): {', '.join(extra)}")
    return notes


def _group_note(model: FittedModel, has_key: bool, has_own: bool, dtype: Any) -> list[str]:
    baseline = model.encoder.baseline
    if baseline is None or not len(baseline.groups) or not has_key or has_own:
        return []
    return [f"no {baseline.column} value of the snapshot has its own baseline (dtype {dtype}; trained on "
            f"{baseline.groups.dtype}): every row was scored against the global baseline"]


def _group_hits(model: FittedModel, chunk: pd.DataFrame) -> tuple[bool, bool]:
    """(any group key present, any key with its own baseline) in `chunk`."""
    baseline = model.encoder.baseline
    if baseline is None or not len(baseline.groups) or not len(chunk):
        return False, False
    keys = chunk[baseline.column]
    return bool(keys.notna().any()), bool(keys.isin(baseline.groups).any())


def score_rows(model: FittedModel, chunk: pd.DataFrame) -> pd.DataFrame:
    """The score columns of one chunk of rows (same index): score, raw_score, is_anomaly, severity, reason.

    `score` is normalised: 0 is a typical reference row and 1.0 the anomaly threshold, so severity tiers
    and the alert threshold mean the same for every detector; `reason` is filled for anomalous rows.
    """
    Z = model.encoder.transform(chunk)
    raw = model.detector.score_samples(Z)
    reasons = np.full(len(chunk), "", dtype=object)
    flagged = np.flatnonzero(raw > model.threshold)
    if flagged.size:
        reasons[flagged] = explain_rows(model.encoder, chunk.iloc[flagged], Z[flagged])
    score = normalised(raw, model.threshold, model.score_median)
    is_anomaly = raw > model.threshold
    tiers = np.full(len(chunk), "none", dtype=object)
    for name, low in model.spec.severity_tiers.items():
        tiers[is_anomaly & (score >= low)] = name
    tiers[is_anomaly & (tiers == "none")] = next(iter(model.spec.severity_tiers))
    return pd.DataFrame({"score": score, "raw_score": raw, "is_anomaly": is_anomaly, "severity": tiers,
                         "reason": reasons}, index=chunk.index)


def normalised(raw: np.ndarray, threshold: float, median: float) -> np.ndarray:
    """Raw detector scores on the normalised scale: 0 = the median reference row, 1.0 = the threshold."""
    spread = threshold - median
    return (raw - median) / (spread if spread > 0 else 1.0)


def score_with_model(model: FittedModel, current: pd.DataFrame) -> ScoredSnapshot:
    """Score every row of `current`; a column mismatch comes back as `problems`, never as a crash."""
    base = _base(model)
    if not isinstance(current, pd.DataFrame):
        problem = f"snapshot is a {type(current).__name__}, not a DataFrame"
        return ScoredSnapshot(empty_scores(), problems=(problem,), **base)
    current = string_labels(current)
    problems = model.encoder.check_columns(current)
    notes = _column_notes(model, current.columns)
    if problems:
        return ScoredSnapshot(empty_scores(current.index), problems=tuple(problems), notes=tuple(notes), **base)
    baseline = model.encoder.baseline
    dtype = current[baseline.column].dtype if baseline is not None and len(current) else None
    notes += _group_note(model, *_group_hits(model, current), dtype)
    if len(current) == 0:
        return ScoredSnapshot(empty_scores(current.index), notes=(*notes, "the snapshot has no rows"), **base)
    parts = [score_rows(model, current.iloc[s:s + CHUNK_ROWS]) for s in range(0, len(current), CHUNK_ROWS)]
    return ScoredSnapshot(parts[0] if len(parts) == 1 else pd.concat(parts), notes=tuple(notes), **base)


def score_and_write(model: FittedModel, current: pd.DataFrame | Path, spec: AnomalySpec, *,
                    primary_key: Sequence[str] = (), scores_path: str | Path) -> ScoredSnapshot:
    """Score a snapshot's frame, or its Parquet file chunk by chunk, and write the scores with the primary key.

    The result carries its `summary`: the rate check needs neither the scores nor the frame.
    """
    if isinstance(current, Path) and not has_default_index(current):
        current = pd.read_parquet(current)  # rows labelled by a stored index: score the frame as read
    if isinstance(current, Path):
        return score_parquet(model, current, spec, primary_key=primary_key, scores_path=scores_path)
    scored = score_with_model(model, current)
    if not scored.ok:
        return scored
    pk = [c for c in primary_key if c in current.columns]
    Path(scores_path).parent.mkdir(parents=True, exist_ok=True)
    scored.scores.join(current[pk]).to_parquet(scores_path)
    return replace(scored, summary=ScoreSummary.of(scored.scores, current, spec, primary_key))


def has_default_index(path: str | Path) -> bool:
    """Whether a Parquet file's rows read back with the default index 0..n-1 (`score_parquet` labels them so)."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).pandas_metadata or {}
    index = meta.get("index_columns", [])
    return all(isinstance(i, dict) and i.get("kind") == "range" and i.get("start", 0) == 0 and i.get("step", 1) == 1
               for i in index)


def _retyped_probe(model: FittedModel, file: pq.ParquetFile) -> pd.DataFrame:
    """The numeric features stored with a non-numeric type (read whole: `check_columns` counts their bad values)."""
    import pyarrow as pa

    schema = file.schema_arrow
    stored = {name: schema.field(name).type for name in schema.names}
    names = [f.name for f in model.encoder.numeric
             if f.name in stored and not (pa.types.is_integer(stored[f.name]) or pa.types.is_floating(stored[f.name]))]
    return file.read(columns=names).to_pandas() if names else pd.DataFrame(index=pd.RangeIndex(0))


def _chunks(file: pq.ParquetFile, columns: list[str], rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    """(first row, frame) of consecutive `rows`-row chunks of `columns`, whatever the file's row groups."""
    import pyarrow as pa

    start, pending, held = 0, [], 0
    batches = file.iter_batches(batch_size=rows, columns=columns)
    while True:
        batch = next(batches, None)
        if batch is not None:
            pending.append(batch)
            held += batch.num_rows
        while held >= rows or (batch is None and held):
            table = pa.Table.from_batches(pending)
            take = min(rows, held)
            frame = table.slice(0, take).to_pandas()
            frame.index = pd.RangeIndex(start, start + take)
            yield start, frame
            start, held = start + take, held - take
            pending = table.slice(take).to_batches()
        if batch is None:
            return


def score_parquet(model: FittedModel, path: str | Path, spec: AnomalySpec, *, primary_key: Sequence[str] = (),
                  scores_path: str | Path | None = None, chunk_rows: int = CHUNK_ROWS) -> ScoredSnapshot:
    """`score_with_model(model, pd.read_parquet(path))` and its `ScoreSummary.of`, reading `chunk_rows` rows at a time.

    The file's rows must have the default index (`has_default_index`). Writes the scores and the primary key
    to `scores_path` when given (not when the snapshot cannot be scored).
    """
    import pyarrow.parquet as pq

    # No pre-buffering: it caches every row group's column chunks until the last batch is read (memory ~ file).
    file, base = pq.ParquetFile(path, pre_buffer=False), _base(model)
    names = list(file.schema_arrow.names)
    notes = _column_notes(model, names)
    problems = model.encoder.check_columns(_retyped_probe(model, file), columns=names)
    if problems:
        return ScoredSnapshot(empty_scores(), problems=tuple(problems), notes=tuple(notes), **base)
    baseline = model.encoder.baseline
    needed = list(dict.fromkeys([*model.features, *([baseline.column] if baseline is not None else [])]))
    pk = [c for c in primary_key if c in names]
    # Whole key columns: the same dtypes as one read of the file (a chunk of an int column without nulls is int).
    keys = file.read(columns=pk).to_pandas() if pk else pd.DataFrame(index=pd.RangeIndex(file.metadata.num_rows))
    builder, writer = SummaryBuilder(spec, file.metadata.num_rows), _ScoresWriter(scores_path)
    has_key = has_own = False
    dtype = None
    try:
        for start, chunk in _chunks(file, needed, chunk_rows):
            hits = _group_hits(model, chunk)
            has_key, has_own = has_key or hits[0], has_own or hits[1]
            dtype = chunk[baseline.column].dtype if dtype is None and baseline is not None else dtype
            scores = score_rows(model, chunk)
            chunk_keys = keys.iloc[start:start + len(chunk)]
            builder.add(scores, chunk_keys)
            writer.write(scores.join(chunk_keys))
        notes += _group_note(model, has_key, has_own, dtype)
        if builder.filled == 0:
            notes.append("the snapshot has no rows")
            writer.write(empty_scores().join(keys))
        writer.close()
    finally:
        writer.abort()
    return ScoredSnapshot(empty_scores(), notes=tuple(notes), summary=builder.build(), **base)


class _ScoresWriter:
    """The scores file, written chunk by chunk under a temporary name and moved in when complete."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self.tmp = private_tmp(self.path) if self.path is not None else None
        self.writer: Any = None
        self.schema: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        if self.path is None:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            self.schema = table.schema
            # Dictionary pages for the repetitive text only: a million distinct floats gain nothing from one.
            self.writer = pq.ParquetWriter(self.tmp, self.schema, use_dictionary=["severity", "reason"])
        else:
            table = pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
            os.replace(self.tmp, self.path)

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.tmp is not None and self.tmp.exists():
            self.tmp.unlink()
