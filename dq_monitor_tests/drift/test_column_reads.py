"""The drift step reads its snapshots one column at a time and decides exactly as on whole frames.

A `ColumnSource` (a Parquet file read column by column, a reference window combined per column) must
give `compare` and the HTML sample the same data as the frames did: same values, dtypes, column order,
and for a sampled window the same rows (drawn once from the row counts with the same seed).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dq_monitor.defs.drift as drift_step
import dq_monitor.drift.engine as engine
from dq_monitor.cli import main
from dq_monitor.defs.drift import parquet_source
from dq_monitor.defs.frames import read_frame
from dq_monitor.drift import (
    ReferenceSelection,
    build_reference_frame,
    compare,
    parse_spec,
    to_check_outcome,
)
from dq_monitor.drift.render import sample_rows
from dq_monitor.drift.sources import ReferenceSource
from dq_monitor.store import Store

COLUMNS = 14


def wide_frame(rows: int, seed: int, shift: float = 0.0, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every kind of column the drift engine types differently; `shift` moves four numeric columns."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "ts": pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 86_400, rows), unit="s"),
        "id": np.arange(rows),
        "small_int": rng.integers(0, 4, rows),
        "count": rng.poisson(20, rows),
        "flag": rng.random(rows) < 0.3,
        "channel": rng.choice(["web", "app", "store"], rows),
        "level": pd.Categorical.from_codes(rng.integers(0, 5, rows), [f"l{i}" for i in range(5)]),
        "note": [f"n{v}" for v in rng.integers(0, rows * 10, rows)],
        "sparse": np.where(rng.random(rows) < 0.995, np.nan, rng.normal(size=rows)),
    })
    for i in range(COLUMNS - len(frame.columns)):
        frame[f"x_{i}"] = rng.normal(i, 1 + i / 4, rows) + (shift * (1 + i / 4) if i < 4 else 0.0)
    return frame.drop(columns=list(drop))


def _write(folder: Path, frames: list[pd.DataFrame]) -> list[Path]:
    paths = []
    for i, frame in enumerate(frames):
        path = folder / f"{i}.parquet"
        frame.to_parquet(path, index=False)
        paths.append(path)
    return paths


@pytest.mark.parametrize("mode", ["dq_monitor", "evidently"])
@pytest.mark.parametrize("selection", [
    ReferenceSelection(("a",), "single"),
    ReferenceSelection(("a", "b", "c"), "concat"),
    ReferenceSelection(("a", "b", "c"), "sample", sample_rows=1500),
])
def test_parquet_columns_give_the_same_result_as_the_whole_frames(tmp_path, mode, selection):
    # the second reference file lacks two columns (they are missing values there, as in pd.concat)
    frames = [wide_frame(900, 1), wide_frame(700, 2, drop=("small_int", "level")), wide_frame(800, 3)]
    paths = _write(tmp_path, frames)[: len(selection.snapshot_ids)]
    current = wide_frame(1000, 9, shift=0.5, drop=("channel",))
    current_path = tmp_path / "current.parquet"
    current.to_parquet(current_path, index=False)
    whole_reference = build_reference_frame([read_frame(p) for p in paths], selection, seed=7)
    by_column = ReferenceSource([parquet_source(p) for p in paths], selection, seed=7)
    assert by_column.columns == list(whole_reference.columns) and len(by_column) == len(whole_reference)
    for column in whole_reference.columns:
        pd.testing.assert_series_equal(by_column.column(column), whole_reference[column])
    spec = parse_spec({"mode": mode})
    current_frame, kept = read_frame(current_path), whole_reference.copy()
    expected = compare(whole_reference, current_frame, spec)
    got = compare(by_column, parquet_source(current_path), spec)
    assert got == expected  # every column's statistic, p-value, verdict; share and dataset verdict
    # a caller's frames are never sorted in place (only columns read for the comparison are)
    pd.testing.assert_frame_equal(whole_reference, kept)
    pd.testing.assert_frame_equal(current_frame, current)
    assert expected.number_of_drifted_columns >= 3 and any(c.status == "problem" for c in expected.columns)
    names = [c.column for c in expected.compared]
    for seed, (source, frame) in enumerate([(by_column, whole_reference), (parquet_source(current_path), current)]):
        pd.testing.assert_frame_equal(sample_rows(source, names, 300, seed).reset_index(drop=True),
                                      sample_rows(frame, names, 300, seed).reset_index(drop=True))


@pytest.fixture(scope="module")
def wide_project(tmp_path_factory: pytest.TempPathFactory):
    """Four daily snapshots of 14 columns checked by `dq-monitor check --all` (real Dagster runs), the last one
    drifted; every read_columns call of the drift step and every comparison it made are recorded."""
    root = tmp_path_factory.mktemp("wide")
    data = root / "data" / "wide"
    data.mkdir(parents=True)
    for day in range(4):
        wide_frame(3000, day, shift=1.0 if day == 3 else 0.0).to_parquet(data / f"wide_2026-03-0{day + 1}.parquet",
                                                                          index=False)
    dataset = {"name": "wide", "timestamp_column": "ts",
               "source": {"kind": "files", "path": "data/wide", "pattern": "*.parquet", "format": "parquet",
                          "snapshot_unit": "file"},
               "drift": {"reference": {"strategy": "window", "n": 2, "mode": "sample", "sample_rows": 2000},
                         "report_sample_rows": 500, "seed": 3, "drift_share": 0.3}}
    config = root / "dq_monitor.yaml"
    config.write_text(json.dumps({"storage": {"home": ".dq_monitor"}, "datasets": [dataset]}))
    reads: list[tuple[str, list[str]]] = []
    compared: list[tuple[object, object, object]] = []
    reports: list[tuple[str, tuple, list[Path], object]] = []
    real_read, real_compare, real_report = drift_step.read_columns, engine.compare, drift_step.compare_and_report

    def read_columns(path, columns):
        reads.append((str(path), list(columns)))
        return real_read(path, columns)

    def spy_compare(reference, current, spec=None, **kwargs):
        result = real_compare(reference, current, spec, **kwargs)
        compared.append(result)
        return result

    def compare_and_report(ctx, spec, snapshot_id, current, selection, paths, log):
        outcome, metadata = real_report(ctx, spec, snapshot_id, current, selection, paths, log)
        reports.append((snapshot_id, selection, paths, outcome))
        return outcome, metadata

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(drift_step, "read_columns", read_columns)
        mp.setattr(engine, "compare", spy_compare)
        mp.setattr(drift_step, "compare_and_report", compare_and_report)
        main(["check", "--config", str(config), "--all"])
    store = Store(f"sqlite:///{root / '.dq_monitor/findings.db'}")
    yield root, reads, compared, reports, store
    store.dispose()


def test_the_drift_step_reads_one_column_at_a_time_never_the_whole_snapshot(wide_project):
    root, reads, _, reports, _ = wide_project
    assert len(reports) == 3  # every snapshot after the first
    assert reads and all(len(columns) == 1 for _, columns in reads)
    snapshots = {path for path, _ in reads}
    assert len(snapshots) == 4  # the three current snapshots and the references among them
    for path in snapshots:
        assert {c for p, (c,) in reads if p == path} == set(read_frame(path).columns)


def test_the_drift_verdicts_equal_the_whole_frame_computation(wide_project):
    root, _, compared, reports, store = wide_project
    spec = parse_spec({"reference": {"strategy": "window", "n": 2, "mode": "sample", "sample_rows": 2000},
                       "report_sample_rows": 500, "seed": 3, "drift_share": 0.3})
    assert len(compared) == len(reports)
    snapshots = root / ".dq_monitor" / "snapshots" / "wide_snapshot"
    for result, (snapshot, selection, paths, outcome) in zip(compared, reports):
        reference = build_reference_frame([read_frame(p) for p in paths], selection, spec.seed)
        expected = compare(reference, read_frame(snapshots / f"{snapshot}.parquet"), spec)
        assert result == expected, snapshot
        assert outcome == to_check_outcome(expected, "wide", snapshot, spec, selection, outcome.metadata["report"])
        stored = next(e for e in store.evaluations(dataset="wide", snapshot=snapshot)
                      if e.check == "wide_has_no_dataset_drift")
        assert (stored.passed, stored.message) == (outcome.passed, outcome.message)
    last = reports[-1]
    assert last[1].mode == "sample" and last[1].snapshot_ids == ("wide_2026-03-02", "wide_2026-03-03")
    assert not last[3].passed and Path(last[3].metadata["report"]).exists()  # drifted: the report was rendered
    assert all(r[3].passed for r in reports[:-1])


def test_the_ks_statistic_in_blocks_is_exactly_the_one_block_statistic(monkeypatch):
    """A numeric column's temporaries are bounded by KS_BLOCK; ties across block edges change nothing."""
    from scipy import stats

    import dq_monitor.drift.calibrated as calibrated

    rng = np.random.default_rng(5)
    pairs = [(np.sort(rng.integers(0, k, n).astype(float)), np.sort(rng.integers(0, k, m).astype(float) + shift))
             for n, m, k, shift in [(1, 1, 3, 0), (50, 90, 4, 1), (1000, 1000, 10**6, 0), (2500, 3100, 40, 0.5)]]
    whole = [calibrated.ks_statistic_sorted(u, v) for u, v in pairs]
    for block in (1, 3, 64):
        monkeypatch.setattr(calibrated, "KS_BLOCK", block)
        assert [calibrated.ks_statistic_sorted(u, v) for u, v in pairs] == whole
    assert whole == pytest.approx([stats.ks_2samp(u, v).statistic for u, v in pairs], abs=1e-12)
