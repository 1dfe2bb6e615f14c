"""Evaluation on real data: UCI Bike Sharing (hour.csv), January 2011 vs July 2011.

Compared columns: everything except `instant` (a row id), `dteday` (the date) and
`season`, `yr`, `mnth` (calendar fields that define the split itself, so they differ
between months by construction). The rest — hr, holiday, weekday, workingday,
weathersit, temp, atemp, hum, windspeed, casual, registered, cnt — are typed by
Evidently's rules (weathersit, weekday as small-int categoricals, holiday and
workingday as binary, the others numeric).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dq_monitor.drift import compare
from dq_monitor_tests.support.evidently_oracle import disagreements, evidently_drift

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("DQ_MONITOR_SHARED_DATASETS", REPO_ROOT.parent / "shared" / "datasets"))
HOUR_CSV = DATASETS / "bike_sharing" / "hour.csv"
NOT_COMPARED = ["instant", "dteday", "season", "yr", "mnth"]

pytestmark = pytest.mark.skipif(not HOUR_CSV.exists(), reason=f"shared dataset not found: {HOUR_CSV}")


@pytest.fixture(scope="module")
def months() -> dict[int, pd.DataFrame]:
    frame = pd.read_csv(HOUR_CSV)
    day = pd.to_datetime(frame["dteday"], format="%m/%d/%y")
    return {m: frame[(day.dt.year == 2011) & (day.dt.month == m)].drop(columns=NOT_COMPARED).reset_index(drop=True)
            for m in (1, 7)}


def test_january_vs_july_2011_shows_dataset_drift_in_temperature_and_rentals(months):
    result = compare(months[1], months[7], {"mode": "evidently"})
    assert result.dataset_drift is True
    assert {"temp", "atemp", "cnt", "casual", "registered"} <= set(result.drifted_columns)
    assert disagreements(result, evidently_drift(months[1], months[7])) == []


def test_january_vs_july_2011_drifts_with_the_calibrated_default_too(months):
    result = compare(months[1], months[7])
    assert result.mode == "dq_monitor" and result.dataset_drift is True
    assert {"temp", "atemp", "cnt", "casual", "registered"} <= set(result.drifted_columns)
    for name in ("temp", "atemp", "cnt", "casual", "registered"):
        col = result.column(name)
        assert col.p_value_adjusted < 1e-6 and col.effect_size > 1.0


@pytest.mark.parametrize("mode", ["evidently", "dq_monitor"])
@pytest.mark.parametrize("month", [1, 7])
def test_at_least_19_of_20_random_halves_of_one_month_show_no_dataset_drift(months, month, mode):
    frame = months[month]
    rng = np.random.default_rng(month)
    verdicts = []
    for _ in range(20):
        order = rng.permutation(len(frame))
        half = len(frame) // 2
        first, second = frame.iloc[np.sort(order[:half])], frame.iloc[np.sort(order[half:])]
        verdicts.append(compare(first, second, {"mode": mode}).dataset_drift)
    assert sum(not v for v in verdicts) >= 19
