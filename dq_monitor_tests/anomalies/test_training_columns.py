"""Training reads only the columns a model can use of its snapshots, and fits the very same model (issue 16)."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from dq_monitor.anomalies import fit_model, parse_spec, score_with_model
from dq_monitor.defs.anomalies import _load_frames


def _snapshot(seed: int, n: int = 3_000, extra: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "ts": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s"),
        "order_id": np.arange(n) + seed * n,
        "shop": rng.integers(0, 5, n),
        "amount": rng.lognormal(3, 0.4, n),
        "qty": rng.poisson(2, n),
        "channel": rng.choice(["web", "app"], n),
        "payload": rng.normal(size=(n, 1)).ravel(),
    })
    return frame.assign(added_later=rng.normal(size=n)) if extra else frame


@pytest.mark.parametrize("spec", [
    {"columns": ["amount", "qty"]},
    {"ignore_columns": ["order_id", "payload"], "group_by": "shop", "min_group_size": 50},
    {},
])
def test_the_model_fitted_on_the_read_columns_is_the_whole_frame_model(tmp_path: Path, spec: dict) -> None:
    spec = parse_spec(spec)
    frames = {"d1": _snapshot(1), "d2": _snapshot(2, extra=True)}
    for sid, frame in frames.items():
        frame.to_parquet(tmp_path / f"{sid}.parquet", index=False)
    ctx = SimpleNamespace(snapshot_parquet=lambda sid: tmp_path / f"{sid}.parquet")
    read = _load_frames(ctx, list(frames), spec)
    whole = pd.concat(frames.values(), ignore_index=True)
    wanted = set(spec.columns or whole.columns) - set(spec.ignore_columns) | {spec.group_by}
    assert list(read.columns) == [c for c in whole.columns if c in wanted]
    if spec.columns is not None or spec.ignore_columns:
        assert len(read.columns) < len(whole.columns)
    pd.testing.assert_frame_equal(read, whole[list(read.columns)])
    fitted, expected = (fit_model(f, spec, snapshot_ids=list(frames)) for f in (read, whole))
    assert (fitted.features, fitted.dtypes, fitted.notes) == (expected.features, expected.dtypes, expected.notes)
    assert (fitted.threshold, fitted.score_median, fitted.expected_rate) == (
        expected.threshold, expected.score_median, expected.expected_rate)
    current = _snapshot(3)
    pd.testing.assert_frame_equal(score_with_model(fitted, current).scores, score_with_model(expected, current).scores)
