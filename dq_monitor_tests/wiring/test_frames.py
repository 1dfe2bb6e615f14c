"""Snapshot Parquet read once per process (dq_monitor.defs.frames): copies, invalidation, size cap."""

import os
from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal

from dq_monitor.defs import frames


def _write(path: Path, values: list[float]) -> pd.DataFrame:
    frame = pd.DataFrame({"x": values, "s": [str(v) for v in values]})
    frame.to_parquet(path, index=False)
    return pd.read_parquet(path)


def test_a_second_read_is_served_from_memory_as_an_independent_copy(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    expected = _write(path, [1.0, 2.0, 3.0])
    first = frames.read_frame(path)
    first.loc[0, "x"] = -1.0  # a consumer that modifies its frame
    first["extra"] = 1
    os.utime(path)  # same content, newer mtime: read again, still equal
    second = frames.read_frame(path)
    assert_frame_equal(second, expected)
    assert_frame_equal(frames.read_frame(path), expected)


def test_a_rewritten_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    _write(path, [1.0, 2.0])
    frames.read_frame(path)
    frames.forget(path)
    expected = _write(path, [5.0, 6.0])
    assert_frame_equal(frames.read_frame(path), expected)


def test_frames_over_the_cap_are_not_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(frames, "MAX_CACHED_BYTES", 1)
    path = tmp_path / "big.parquet"
    expected = _write(path, [1.0, 2.0])
    assert_frame_equal(frames.read_frame(path), expected)
    assert not [k for k in frames._CACHE if k[0] == str(path.resolve())]


def test_a_large_frame_written_in_row_groups_reads_back_as_a_plain_to_parquet(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(frames, "WRITE_CHUNK_ROWS", 3)
    frame = pd.DataFrame({
        "i": range(10), "f": [0.5 * i for i in range(10)], "b": [i % 2 == 0 for i in range(10)],
        "s": [None] * 4 + [f"v{i}" for i in range(6)],  # the first row group holds no string at all
        "c": pd.Categorical(["x", "y"] * 5, categories=["y", "x", "z"]),
        "t": pd.date_range("2026-03-01", periods=10, freq="h", tz="UTC"),
    })
    frames.write_frame(frame, tmp_path / "chunked.parquet")
    frame.to_parquet(tmp_path / "plain.parquet", index=False)
    assert_frame_equal(pd.read_parquet(tmp_path / "chunked.parquet"), pd.read_parquet(tmp_path / "plain.parquet"))
