"""Scoring a snapshot's Parquet file chunk by chunk gives exactly what scoring the whole frame gives (issue 16).

`score_parquet` reads only the model's columns, a bounded chunk of rows at a time, and keeps one score
per row plus the rows the check shows; the outcome (verdict, finding, top rows, reasons, metrics) and the
scores file must be the very same as from `score_with_model` on the frame `pd.read_parquet` gives.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from joblib import parallel_backend

from dq_monitor.anomalies import (
    anomaly_rate_outcome,
    fit_model,
    parse_spec,
    score_parquet,
    score_with_model,
)
from dq_monitor.anomalies.scoring import score_and_write

ROWS = 300_000
SPEC = parse_spec({"group_by": "store", "ignore_columns": ["payment_id", "extra", "note"], "max_findings": 25})


def _payments(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "payment_id": np.arange(n) + 10_000,
        "store": rng.integers(0, 40, n),
        "amount": rng.lognormal(3, 0.5, n),
        "qty": rng.poisson(3, n),
        "kind": pd.Categorical(rng.choice(["card", "cash", "voucher"], n, p=[0.6, 0.3, 0.1])),
        "note": rng.choice(["x", "y"], n),
        "extra": rng.normal(size=n),
    })


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[object, Path]:
    model = fit_model(_payments(20_000, 1), SPEC, snapshot_ids=["day1"])
    current = _payments(ROWS, 2)
    rows = np.random.default_rng(3).choice(ROWS, 400, replace=False)
    current.loc[rows, "amount"] = 5_000.0  # identical outliers: ties in score across chunks
    current.loc[rows[:60], "kind"] = "voucher"
    current.loc[rows[60:80], "qty"] = 90
    path = tmp_path_factory.mktemp("chunked") / "day2.parquet"
    # Row groups that do not line up with the scoring chunks.
    pq.write_table(pa.Table.from_pandas(current, preserve_index=False), path, row_group_size=70_000)
    return model, path


def test_chunked_scoring_of_the_file_gives_the_whole_frame_outcome_and_scores(planted, tmp_path: Path) -> None:
    model, path = planted
    frame = pd.read_parquet(path)
    whole = score_with_model(model, frame)
    expected = anomaly_rate_outcome("payments", "day2", whole, frame, SPEC, primary_key=["payment_id"])
    assert not expected.passed and expected.findings and expected.metadata["rows_above_alert_threshold"] > 25
    assert len(expected.findings[0].details["top_rows"]) == 25
    for chunk_rows in (64_000, 250_000):
        scores_path = tmp_path / f"scores_{chunk_rows}.parquet"
        chunked = score_parquet(model, path, SPEC, primary_key=["payment_id"], scores_path=scores_path,
                                chunk_rows=chunk_rows)
        assert anomaly_rate_outcome("payments", "day2", chunked, None, SPEC) == expected
        assert chunked.notes == whole.notes
        pd.testing.assert_frame_equal(pd.read_parquet(scores_path), whole.scores.join(frame[["payment_id"]]))
    # The frame route of the asset step (users' asset targets): same outcome, same file.
    via_frame = score_and_write(model, frame, SPEC, primary_key=["payment_id"], scores_path=tmp_path / "f.parquet")
    assert anomaly_rate_outcome("payments", "day2", via_frame, None, SPEC) == expected
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "f.parquet"), pd.read_parquet(scores_path))


def test_a_file_missing_a_model_column_or_with_a_retyped_one_gives_the_frame_problems(planted, tmp_path: Path) -> None:
    model, path = planted
    frame = pd.read_parquet(path).head(1_000)
    broken = frame.drop(columns=["qty"]).assign(amount=frame["amount"].astype(str).where(frame.index % 7 > 0, "n/a"))
    broken.to_parquet(tmp_path / "broken.parquet", index=False)
    chunked = score_parquet(model, tmp_path / "broken.parquet", SPEC, scores_path=tmp_path / "scores.parquet")
    whole = score_with_model(model, broken)
    assert chunked.problems == whole.problems and len(whole.problems) == 2
    assert "143 non-numeric" in whole.problems[1]
    assert not (tmp_path / "scores.parquet").exists()
    empty = frame.head(0)
    empty.to_parquet(tmp_path / "empty.parquet", index=False)
    scored = score_parquet(model, tmp_path / "empty.parquet", SPEC, scores_path=tmp_path / "scores.parquet")
    assert scored.notes[-1] == "the snapshot has no rows" == score_with_model(model, empty).notes[-1]
    assert len(pd.read_parquet(tmp_path / "scores.parquet")) == 0


def test_isolation_forest_scores_are_the_same_bits_on_every_run(planted) -> None:
    model, path = planted
    member = model.detector.estimators_[0]
    X = np.ascontiguousarray(member._impute(model.encoder.transform(pd.read_parquet(path).head(60_000))),
                             dtype=np.float32)
    with parallel_backend("threading", n_jobs=1):  # scikit-learn's own, trees added in order
        sequential = -member.estimator_.score_samples(X)
    assert all(np.array_equal(member._score(X), sequential) for _ in range(3))
