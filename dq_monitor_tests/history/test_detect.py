"""The metric-history detector: causality, learning, seasonality, hygiene, direction, min change."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from dq_monitor.history import MonitorSpec, detect
from dq_monitor.history.seasonality import detect_period
from dq_monitor_tests.support.paths import SHARED_DATASETS


def daily(values, start="2025-01-06", name="row_count") -> pd.Series:  # 2025-01-06 is a Monday
    index = pd.date_range(start, periods=len(values), freq="D")
    return pd.Series(np.asarray(values, dtype=float), index=index, name=name)


def weekly_volume(weeks: int = 20, seed: int = 0) -> pd.Series:
    """Rows per day: ~1000 on weekdays, ~400 on weekends, 2% noise."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-01-06", periods=7 * weeks, freq="D")
    level = np.where(days.dayofweek >= 5, 400.0, 1000.0)
    return pd.Series(level * rng.normal(1, 0.02, len(days)), index=days, name="row_count")


def noisy_level(n: int = 120, seed: int = 1) -> pd.Series:
    rng = np.random.default_rng(seed)
    return daily(1000 + rng.normal(0, 10, n))


@pytest.mark.parametrize("spec", [None, {"seasonality": "day_of_week"}, {"seasonality": "none", "window": 20}])
def test_appending_future_points_never_changes_past_verdicts(spec):
    series = weekly_volume(weeks=16)
    series.iloc[[30, 31, 60, 95]] *= [0.2, 0.3, 3.0, 0.5]  # a two-day outage, a spike, a drop
    full = detect(series, spec)
    for cut in (10, 21, 22, 35, 61, 80, 111):
        prefix = detect(series.iloc[:cut], spec)
        pdt.assert_frame_equal(prefix, full.iloc[:cut])


def test_each_verdict_equals_the_verdict_of_the_history_ending_at_that_point():
    series = noisy_level(60)
    series.iloc[[20, 40, 41]] = [1300.0, 500.0, 520.0]
    full = detect(series, {"seasonality": "none"})
    for i in range(len(series)):
        last = detect(series.iloc[: i + 1], {"seasonality": "none"}).iloc[-1]
        pdt.assert_series_equal(last, full.iloc[i], check_names=False)


def test_short_history_is_reported_as_learning_and_never_as_a_silent_pass():
    series = daily([100, 101, 99, 100, 5000, 100, 99, 101, 100, 100, 5000])
    result = detect(series, {"seasonality": "none", "min_history": 7})
    learning = result.iloc[:7]
    assert (learning["state"] == "learning").all()
    assert not learning["is_anomaly"].any()
    assert learning["lower"].isna().all() and learning["score"].isna().all()
    assert (result["state"].iloc[7:10] == "ok").all()
    # the spike during learning was not flagged, but the median ignores it
    assert result["state"].iloc[-1] == "anomaly"
    assert result["severity"].iloc[-1] == "ERROR"


def test_auto_learns_one_week_then_judges_provisionally_until_three_weeks_of_daily_history():
    series = weekly_volume(weeks=6)
    series.iloc[12] = 100.0  # an outage in week 2: below every value seen so far
    result = detect(series)
    assert (result["state"].iloc[:7] == "learning").all()
    provisional = result.iloc[7:21]
    assert (provisional["state"] != "learning").all()
    # until a weekly cycle can be told from an anomaly, the band spans everything seen so far
    assert (provisional["lower"] < 400).all() and (provisional["upper"] > 1000).all()
    assert provisional["is_anomaly"].tolist() == [i == 12 for i in range(7, 21)]
    later = result.iloc[21:]
    assert not later["is_anomaly"].any()
    assert (later.loc[later.index.dayofweek >= 5, "upper"] < 1000).all()  # the weekly cycle is known now


def test_hourly_auto_learns_for_a_day_and_finds_the_daily_cycle():
    hours = pd.date_range("2025-03-01", periods=24 * 10, freq="h")
    rng = np.random.default_rng(8)
    values = np.where((hours.hour >= 9) & (hours.hour < 18), 500.0, 50.0) * rng.normal(1, 0.03, len(hours))
    result = detect(pd.Series(values, index=hours, name="row_count"))
    assert (result["state"].iloc[:24] == "learning").all() and (result["state"].iloc[24:] != "learning").all()
    assert not result["is_anomaly"].any()
    assert result["expected"].iloc[-12] == pytest.approx(500, rel=0.05)


def test_an_empty_series_gives_an_empty_frame():
    result = detect(pd.Series([], index=pd.DatetimeIndex([]), dtype=float))
    assert result.empty and "state" in result.columns


def test_day_of_week_seasonality_recovers_the_weekly_pattern():
    series = weekly_volume(weeks=20)
    result = detect(series, {"seasonality": "day_of_week"})
    judged = result[result["state"] != "learning"]
    weekend = judged.index.dayofweek >= 5
    assert judged.loc[weekend, "expected"].between(380, 420).all()
    assert judged.loc[~weekend, "expected"].between(960, 1040).all()
    assert not judged["is_anomaly"].any()


def test_auto_seasonality_detects_the_weekly_period_and_flags_a_weekday_at_weekend_level():
    series = weekly_volume(weeks=20)
    assert detect_period(series.index.asi8, series.to_numpy(), 86_400 * 10**9) == 7
    wednesday = series.index[(series.index.dayofweek == 2)][-3]
    series[wednesday] = 400.0
    result = detect(series)
    assert result.loc[wednesday, "is_anomaly"] and result.loc[wednesday, "severity"] == "ERROR"
    others = result.drop(index=wednesday)
    assert not others["is_anomaly"].any()


def test_without_seasonality_the_weekly_pattern_looks_like_anomalies():
    result = detect(weekly_volume(weeks=20), {"seasonality": "none"})
    assert result["is_anomaly"].sum() > 20


def test_hour_of_day_seasonality_uses_the_clock_hour():
    hours = pd.date_range("2025-03-01", periods=24 * 21, freq="h")
    rng = np.random.default_rng(3)
    values = np.where((hours.hour >= 9) & (hours.hour < 18), 500.0, 50.0) * rng.normal(1, 0.03, len(hours))
    series = pd.Series(values, index=hours, name="row_count")
    series.iloc[-5] = 50.0  # 19:00 on the last day is normally 50: fine
    series.iloc[-12] = 50.0  # 12:00 on the last day should be ~500
    result = detect(series, {"seasonality": "hour_of_day"})
    assert result["is_anomaly"].iloc[-12]
    assert not result["is_anomaly"].iloc[-5]
    assert result["is_anomaly"].sum() == 1


def test_a_flagged_spike_does_not_widen_the_band():
    clean = noisy_level(80)
    spiky = clean.copy()
    spiky.iloc[50] = 5000.0
    spec = {"seasonality": "none", "window": 30}
    with_spike = detect(spiky, spec)
    assert with_spike["is_anomaly"].iloc[50]
    without = detect(clean.drop(clean.index[50]), spec)
    after = with_spike.iloc[51:]
    pdt.assert_frame_equal(
        after[["expected", "lower", "upper", "warn_lower", "warn_upper"]],
        without.iloc[50:][["expected", "lower", "upper", "warn_lower", "warn_upper"]],
    )


def test_a_sustained_outage_stays_flagged_instead_of_becoming_normal():
    values = np.r_[np.full(30, 1000.0), np.full(30, 100.0)]
    values = values * np.random.default_rng(2).normal(1, 0.01, 60)
    result = detect(daily(values), {"seasonality": "none", "window": 20})
    assert result["is_anomaly"].iloc[30:].all()
    assert result["expected"].iloc[30:].between(980, 1020).all()


def test_points_marked_expected_are_judged_but_do_not_teach_the_baseline():
    clean = noisy_level(80)
    holiday = clean.copy()
    holiday.iloc[40:43] = 1040.0  # high but inside the band: would teach the baseline
    marked = list(holiday.index[40:43])
    spec = {"seasonality": "none", "window": 15}
    result = detect(holiday, spec, expected=marked)
    assert result["marked_expected"].iloc[40:43].all() and not result["marked_expected"].iloc[:40].any()
    assert (result["state"].iloc[40:43] != "learning").all()
    without = detect(clean.drop(clean.index[40:43]), spec)
    pdt.assert_frame_equal(
        result.iloc[43:][["expected", "lower", "upper"]], without.iloc[40:][["expected", "lower", "upper"]]
    )
    unmarked = detect(holiday, spec)
    assert not np.allclose(unmarked["expected"].iloc[43:50], result["expected"].iloc[43:50])


def test_expected_timestamps_may_be_strings_or_timezone_aware():
    series = noisy_level(30)
    series.index = series.index.tz_localize("UTC")
    result = detect(series, {"seasonality": "none"}, expected=["2025-01-20", pd.Timestamp("2025-01-21", tz="UTC")])
    assert result["marked_expected"].sum() == 2


@pytest.mark.parametrize(
    ("direction", "spike_flagged", "drop_flagged"),
    [("both", True, True), ("spike", True, False), ("drop", False, True)],
)
def test_direction_decides_which_side_alerts(direction, spike_flagged, drop_flagged):
    series = noisy_level(60)
    series.iloc[40] = 1500.0
    series.iloc[50] = 500.0
    result = detect(series, {"seasonality": "none", "direction": direction})
    assert result["is_anomaly"].iloc[40] == spike_flagged
    assert result["is_anomaly"].iloc[50] == drop_flagged
    assert result["is_anomaly"].sum() == spike_flagged + drop_flagged
    if direction == "spike":
        assert np.isneginf(result["lower"].iloc[45]) and np.isfinite(result["upper"].iloc[45])
    if direction == "drop":
        assert np.isposinf(result["upper"].iloc[45]) and np.isfinite(result["lower"].iloc[45])


def test_min_relative_and_absolute_change_hide_tiny_moves_on_a_perfectly_flat_metric():
    values = np.r_[np.full(20, 100.0), [101.0], np.full(5, 100.0), [150.0]]
    series = daily(values)
    strict = detect(series, {"seasonality": "none", "min_rel_change": 0})
    assert strict["is_anomaly"].iloc[20] and strict["score"].iloc[20] == np.inf
    relative = detect(series, {"seasonality": "none", "min_rel_change": 0.05})
    assert not relative["is_anomaly"].iloc[20] and relative["is_anomaly"].iloc[-1]
    assert relative["lower"].iloc[20] == pytest.approx(95.0) and relative["upper"].iloc[20] == pytest.approx(105.0)
    absolute = detect(series, {"seasonality": "none", "min_rel_change": 0, "min_abs_change": 2})
    assert not absolute["is_anomaly"].iloc[20] and absolute["is_anomaly"].iloc[-1]


def test_warn_band_lies_inside_the_error_band_and_sets_warn_severity():
    series = noisy_level(80)
    result = detect(series, {"seasonality": "none", "sensitivity": 6, "warn_sensitivity": 3, "min_rel_change": 0})
    judged = result[result["state"] != "learning"]
    assert (judged["lower"] < judged["warn_lower"]).all() and (judged["warn_upper"] < judged["upper"]).all()
    mid = (judged["warn_upper"] + judged["upper"]) / 2
    probe = series.copy()
    probe.iloc[-1] = mid.iloc[-1]
    last = detect(probe, {"seasonality": "none", "sensitivity": 6, "warn_sensitivity": 3, "min_rel_change": 0}).iloc[-1]
    assert last["severity"] == "WARN" and last["is_anomaly"] and last["state"] == "anomaly"


def test_missing_values_are_shown_as_missing_and_never_train():
    series = noisy_level(40)
    series.iloc[30] = np.nan
    result = detect(series, {"seasonality": "none"})
    assert result["state"].iloc[30] == "missing" and not result["is_anomaly"].iloc[30]
    assert result["history"].iloc[31] == result["history"].iloc[30]


def test_unsorted_input_is_judged_in_time_order_and_duplicates_are_refused():
    series = noisy_level(30)
    shuffled = series.sample(frac=1, random_state=0)
    pdt.assert_frame_equal(detect(shuffled, {"seasonality": "none"}), detect(series, {"seasonality": "none"}))
    doubled = pd.concat([series, series.iloc[:1]])
    with pytest.raises(ValueError, match="row_count.*appears more than once"):
        detect(doubled)
    with pytest.raises(ValueError, match="index must be timestamps"):
        detect(pd.Series([1.0, 2.0], index=["a", "b"], name="row_count"))


def test_spec_rejects_unknown_keys_and_a_warn_band_wider_than_the_error_band():
    with pytest.raises(ValueError, match="extra"):
        MonitorSpec(metric="row_count", sensitivty=3)
    with pytest.raises(ValueError, match="warn_sensitivity"):
        MonitorSpec(metric="row_count", sensitivity=3, warn_sensitivity=4)
    with pytest.raises(ValueError, match="plain name"):
        MonitorSpec(metric="null_rate:email")
    spec = MonitorSpec.model_validate({"metric": "null_rate", "column": "e-mail", "seasonality": "day_of_week"})
    assert spec.key == "null_rate:e-mail"
    assert spec.check_name("users") == "users_null_rate_e_mail_is_normal"
    assert MonitorSpec(metric="row_count", name="orders_volume").check_name("orders") == "orders_volume"


NAB = SHARED_DATASETS / "nab_artificial"


@pytest.mark.skipif(not NAB.is_dir(), reason=f"public NAB data not found at {NAB}")
def test_defaults_find_every_nab_anomaly_window_and_stay_silent_on_clean_nab_series():
    windows = json.loads((NAB / "windows.json").read_text())
    for name, spans in windows.items():
        data = pd.read_csv(NAB / name, parse_dates=["timestamp"])
        series = pd.Series(data["value"].to_numpy(), index=pd.DatetimeIndex(data["timestamp"]))
        result = detect(series)
        scored = result.iloc[int(np.ceil(0.15 * len(result))) :]
        alerts = scored.index[scored["is_anomaly"].to_numpy()]
        if not spans:
            assert len(alerts) == 0, f"{name}: {len(alerts)} alerts on a series without anomalies"
        for start, end in spans:
            assert ((alerts >= pd.Timestamp(start)) & (alerts <= pd.Timestamp(end))).any(), f"{name}: window missed"


def test_irregular_tz_aware_integer_and_extreme_series_are_judged_without_errors():
    rng = np.random.default_rng(9)
    stamps = np.sort(pd.Timestamp("2025-01-01").value + rng.integers(0, 60 * 86_400 * 10**9, 80))
    irregular = pd.Series(100 + rng.normal(0, 1, 80), index=pd.DatetimeIndex(stamps).tz_localize("UTC"))
    assert (detect(irregular)["state"] != "learning").sum() > 60
    days = pd.date_range("2025-01-01", periods=40, freq="D", tz="Europe/Berlin")
    counts = pd.Series(np.r_[np.full(39, 24), [3]], index=days)  # integer dtype
    assert detect(counts)["is_anomaly"].tolist() == [False] * 39 + [True]
    huge = pd.Series(1e300 * (1 + rng.normal(0, 0.01, 40)), index=days)
    huge.iloc[-1] = 0.0
    result = detect(huge)
    assert result["is_anomaly"].iloc[-1] and not result["is_anomaly"].iloc[:-1].any()
    assert (detect(pd.Series(np.nan, index=days))["state"] == "missing").all()


def test_relearn_after_accepts_a_sustained_shift_as_the_new_normal():
    values = np.r_[np.full(30, 1000.0), np.full(40, 2000.0)] * np.random.default_rng(3).normal(1, 0.01, 70)
    series = daily(values)
    spec = {"seasonality": "none", "window": 20, "relearn_after": 5}
    result = detect(series, spec)
    assert result["is_anomaly"].iloc[30:35].all()
    assert not result["is_anomaly"].iloc[50:].any()
    assert result["expected"].iloc[-1] == pytest.approx(2000, rel=0.03)
    # isolated spikes are still kept out of training
    spiky = noisy_level(60)
    spiky.iloc[[30, 40]] = 3000.0
    with_relearn = detect(spiky, spec)
    pdt.assert_frame_equal(with_relearn, detect(spiky, {"seasonality": "none", "window": 20}))
    # causality holds with relearning too
    for cut in (33, 41, 55):
        pdt.assert_frame_equal(detect(series.iloc[:cut], spec), result.iloc[:cut])


def sequential_reference(values: np.ndarray, window: int, min_history: int, warn: float, error: float, rel: float):
    """Judge points one by one in time order (seasonality none): the plain-loop definition of hygiene."""
    train_values: list[float] = []
    train_errors: list[float] = []
    flags, expected_out = [], []
    for x in values:
        expected = float(np.median(train_values[-window:])) if train_values else np.nan
        errors = train_errors[-window:]
        judged = len(train_values) >= min_history and len(errors) >= max(min_history - 1, 3)
        flagged = False
        if judged:
            mad = float(np.median(errors))
            scale = 1.4826 * mad if mad > 0 else 1.2533 * float(np.mean(errors))
            half = max(warn * scale, rel * abs(expected))
            flagged = abs(x - expected) > half
        flags.append(flagged)
        expected_out.append(expected)
        if not flagged:
            if train_values:
                train_errors.append(abs(x - expected))
            train_values.append(x)
    return np.array(flags), np.array(expected_out)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_hygiene_equals_judging_the_points_one_by_one(seed):
    rng = np.random.default_rng(seed)
    values = 1000 + rng.standard_t(3, 300) * 20
    values[rng.choice(300, 12, replace=False)] *= rng.choice([0.3, 1.8], 12)
    values[200:230] += 400  # a sustained shift: stays flagged, never teaches
    spec = {"seasonality": "none", "window": 25, "min_history": 7, "min_rel_change": 0.02}
    result = detect(daily(values), spec)
    flags, expected = sequential_reference(values, 25, 7, warn=3.5, error=5.0, rel=0.02)
    assert result["is_anomaly"].to_numpy().tolist() == flags.tolist()
    np.testing.assert_allclose(result["expected"].to_numpy(), expected, equal_nan=True)
    assert flags.sum() > 12


def test_hour_of_week_seasonality_separates_weekday_and_weekend_hours():
    hours = pd.date_range("2025-03-03", periods=24 * 7 * 5, freq="h")  # five weeks from a Monday
    rng = np.random.default_rng(11)
    busy = (hours.hour >= 9) & (hours.hour < 18) & (hours.dayofweek < 5)
    series = pd.Series(np.where(busy, 800.0, 100.0) * rng.normal(1, 0.03, len(hours)), index=hours)
    saturday_noon = hours[(hours.dayofweek == 5) & (hours.hour == 12)][-1]
    monday_noon = hours[(hours.dayofweek == 0) & (hours.hour == 12)][-1]
    series[monday_noon] = 100.0  # a weekday noon at night level: anomaly
    result = detect(series, {"seasonality": "hour_of_week"})
    assert result.loc[monday_noon, "severity"] == "ERROR" and not result.loc[saturday_noon, "is_anomaly"]
    assert result.loc[saturday_noon, "expected"] == pytest.approx(100, rel=0.05)
    others = result.drop(index=monday_noon)
    judged = (others["state"] != "learning").sum()
    assert (others["severity"] != "ERROR").all() and others["is_anomaly"].sum() <= 0.01 * judged


def test_auto_on_hourly_data_switches_to_the_weekly_cycle_once_two_weeks_are_in():
    hours = pd.date_range("2025-03-03", periods=24 * 7 * 5, freq="h")
    busy = (hours.hour >= 9) & (hours.hour < 18) & (hours.dayofweek < 5)
    series = pd.Series(np.where(busy, 800.0, 100.0) * np.random.default_rng(12).normal(1, 0.03, len(hours)), hours)
    result = detect(series)
    # the first two weekends look like outages of the daily cycle; from week 3 on they are normal
    weekend_days = result[(result.index < "2025-03-17") & (result.index.dayofweek >= 5)]
    assert weekend_days["is_anomaly"].any()
    later = result[result.index >= "2025-03-17"]
    assert (later["severity"] != "ERROR").all() and later["is_anomaly"].sum() <= 0.01 * len(later)
