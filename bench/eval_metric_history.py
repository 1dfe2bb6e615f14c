"""Evaluate `dq_monitor.history.detect` with its DEFAULT settings on public labeled series.

1. NAB artificial (`../shared/datasets/nab_artificial`): NAB window scoring as the
   datasets README describes it -- a window is detected when at least one alert
   (WARN or ERROR) falls inside it; every run of consecutive alerts outside all
   windows is one false positive; the first 15% of each file is warm-up and is
   not scored (the detector still sees it as history).
   The same scoring on NAB's real series (`../shared/datasets/nab_real_dev`: realAdExchange,
   realTweets; duplicate timestamps dropped keeping the last), printed per category as windows
   found, false-positive runs, precision, recall and event F1 next to Numenta HTM and CAD OSE
   (NAB's published detector outputs at NAB's tuned threshold, scored the same way; from the
   datasets README).
2. UCI bike sharing (`../shared/datasets/bike_sharing/hour.csv`): rows per day as a
   volume series. A day has "far fewer rows than normal" when it has fewer than
   80% of the median rows per day (median 24, so < 19.2 rows: more than 4 of 24
   hours missing). Days with 22-23 rows (DST, an hour or two missing) are normal.
   Reported: precision, recall and false alarms (alerts on normal days); the same
   for the stricter definition < 50% of the median.
3. The project's demo data (`dq_monitor.demo`, 16 daily snapshots, seed 7): every
   snapshot is profiled with `dq_monitor.history.profile`; `row_count` and
   `freshness_lag_seconds` are judged with the defaults. Reported: whether the
   injected volume drop (sensors) and late data (web_traffic) are caught, and
   false ERRORs on snapshots without a data fault -- for those two metrics and,
   for information, over every profile metric.

Every series uses the same defaults (`MonitorSpec` defaults); nothing is tuned per file.
Run from the repo root: `python bench/eval_metric_history.py`
(`DQ_DATASETS` overrides the datasets folder). `--sweep` adds the table the
defaults were chosen from (`bench/history_sweep.py`): the same scoring for other settings.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from dq_monitor.history import MonitorSpec, detect, parse_metric_key
from dq_monitor.history.keys import COLUMN_METRICS, KNOWN_METRICS

WARMUP = 0.15
#: Event F1 of NAB's published detectors, scored the same way (../shared/datasets/README.md).
REFERENCE_F1 = {"realAdExchange": (0.686, 0.759), "realTweets": (0.358, 0.655)}


def for_metric(spec: MonitorSpec, key: str) -> MonitorSpec:
    """The same settings for the metric `key` records (its kind decides `on_level_shift`)."""
    metric, column = parse_metric_key(key)
    if metric not in KNOWN_METRICS or (metric in COLUMN_METRICS) != (column is not None):
        return spec
    return MonitorSpec.model_validate({**spec.model_dump(), "metric": metric, "column": column})


def datasets_root() -> Path:
    env = os.environ.get("DQ_DATASETS")
    if env:
        return Path(env)
    return (Path(__file__).resolve().parent.parent / ".." / "shared" / "datasets").resolve()


def alert_runs(alerts: np.ndarray) -> list[tuple[int, int]]:
    """[start, end] index pairs of runs of consecutive True values."""
    runs, start = [], None
    for i, a in enumerate(alerts):
        if a and start is None:
            start = i
        if not a and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(alerts) - 1))
    return runs


def score_nab(times: pd.DatetimeIndex, alerts: np.ndarray, windows: list[list[str]]) -> tuple[int, int]:
    """(windows detected, false positives) over the scored part."""
    inside = np.zeros(len(times), dtype=bool)
    detected = 0
    for start, end in windows:
        in_w = (times >= pd.Timestamp(start)) & (times <= pd.Timestamp(end))
        inside |= np.asarray(in_w)
        detected += bool(np.any(alerts & np.asarray(in_w)))
    false_pos = len(alert_runs(alerts & ~inside))
    return detected, false_pos


def eval_nab(root: Path, spec: MonitorSpec) -> tuple[pd.DataFrame, bool]:
    folder = root / "nab_artificial"
    windows = json.loads((folder / "windows.json").read_text())
    rows = []
    for name in sorted(windows):
        data = pd.read_csv(folder / name, parse_dates=["timestamp"])
        series = pd.Series(data["value"].to_numpy(), index=pd.DatetimeIndex(data["timestamp"]), name="value")
        started = time.perf_counter()
        result = detect(series, spec)
        elapsed = time.perf_counter() - started
        scored = np.arange(len(series)) >= int(np.ceil(WARMUP * len(series)))
        alerts = result["is_anomaly"].to_numpy() & scored
        detected, false_pos = score_nab(series.index, alerts, windows[name])
        learning_scored = int(((result["state"] == "learning").to_numpy() & scored).sum())
        rows.append(
            {
                "file": name,
                "windows": len(windows[name]),
                "detected": detected,
                "false_pos": false_pos,
                "alerts": int(alerts.sum()),
                "errors": int((alerts & (result["severity"] == "ERROR").to_numpy()).sum()),
                "learning_after_warmup": learning_scored,
                "ms": round(elapsed * 1000, 1),
            }
        )
    table = pd.DataFrame(rows)
    no_anomaly = table["windows"] == 0
    ok = bool((table["detected"] == table["windows"]).all() and (table.loc[no_anomaly, "alerts"] == 0).all())
    return table, ok


def read_nab_real(path: Path) -> pd.Series:
    data = pd.read_csv(path)
    data["timestamp"] = pd.to_datetime(data["timestamp"])
    data = data.drop_duplicates("timestamp", keep="last")
    return pd.Series(data["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(data["timestamp"]), name="value")


def category_row(category: str, detected: int, windows: int, false_pos: int, files: int) -> dict:
    precision = detected / (detected + false_pos) if detected + false_pos else 0.0
    recall = detected / windows if windows else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    htm, cad = REFERENCE_F1.get(category, (None, None))
    return {
        "category": category,
        "files": files,
        "windows found": f"{detected}/{windows}",
        "FP runs": false_pos,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "event F1": round(f1, 3),
        "Numenta HTM F1": htm if htm is not None else "-",
        "CAD OSE F1": cad if cad is not None else "-",
    }


def eval_nab_categories(root: Path, spec: MonitorSpec) -> pd.DataFrame:
    """Per category (real dev categories and the artificial one): found, FP runs, P, R, F1."""
    totals: dict[str, list[int]] = {}
    folder = root / "nab_real_dev"
    if folder.is_dir():
        windows = json.loads((folder / "windows.json").read_text())
        for name in sorted(windows):
            series = read_nab_real(folder / "data" / name)
            result = detect(series, spec)
            scored = np.arange(len(series)) >= int(np.ceil(WARMUP * len(series)))
            detected, false_pos = score_nab(series.index, result["is_anomaly"].to_numpy() & scored, windows[name])
            acc = totals.setdefault(name.split("/")[0], [0, 0, 0, 0])
            for i, v in enumerate((detected, len(windows[name]), false_pos, 1)):
                acc[i] += v
    art, _ = eval_nab(root, spec)
    totals["artificialWithAnomaly"] = [
        int(art["detected"].sum()), int(art["windows"].sum()), int(art["false_pos"].sum()), int((art["windows"] > 0).sum())
    ]
    return pd.DataFrame([category_row(c, *v) for c, v in totals.items()])


def eval_bike(root: Path, spec: MonitorSpec) -> pd.DataFrame:
    hours = pd.read_csv(root / "bike_sharing" / "hour.csv", usecols=["dteday"])
    day = pd.to_datetime(hours["dteday"], format="mixed")
    counts = day.value_counts().sort_index()
    counts = counts.reindex(pd.date_range(counts.index.min(), counts.index.max(), freq="D"), fill_value=0)
    series = pd.Series(counts.to_numpy(dtype=float), index=counts.index, name="row_count")
    result = detect(series, for_metric(spec, "row_count"))
    judged = (result["state"] != "learning").to_numpy()
    alerts = result["is_anomaly"].to_numpy()
    median = float(np.median(series))
    rows = []
    for label, fraction in (("< 80% of median (< 19.2 rows)", 0.8), ("< 50% of median (< 12 rows)", 0.5)):
        truth = series.to_numpy() < fraction * median
        tp = int((alerts & truth).sum())
        fp = int((alerts & ~truth).sum())
        fn = int((~alerts & truth).sum())
        rows.append(
            {
                "far fewer rows": label,
                "true days": int(truth.sum()),
                "true days judged": int((truth & judged).sum()),
                "alerts": int(alerts.sum()),
                "TP": tp,
                "false alarms": fp,
                "FN": fn,
                "precision": round(tp / (tp + fp), 3) if tp + fp else float("nan"),
                "recall": round(tp / (tp + fn), 3) if tp + fn else float("nan"),
            }
        )
    table = pd.DataFrame(rows)
    flagged = result.loc[result["is_anomaly"], ["observed", "expected", "lower", "severity"]]
    return table, flagged


def demo_profiles(dataset: str, days: int) -> pd.DataFrame:
    from dq_monitor.demo import DEFAULT_START, generate_snapshot
    from dq_monitor.demo.plan import snapshot_time
    from dq_monitor.history import profile

    rows = {}
    for day in range(days):
        snap = generate_snapshot(dataset, day)
        taken = snapshot_time(DEFAULT_START, day)
        rows[pd.Timestamp(taken)] = profile(snap.frame, "ts", taken)
    return pd.DataFrame(rows).T


def eval_demo(spec: MonitorSpec, days: int = 16) -> pd.DataFrame:
    from dq_monitor.demo import DEFAULT_START
    from dq_monitor.demo.plan import fault_on, snapshot_time

    targets = {("sensors", "row_count"): "volume_drop", ("web_traffic", "freshness_lag_seconds"): "late_data"}
    rows = []
    for dataset in ("payments", "sensors", "web_traffic"):
        profiles = demo_profiles(dataset, days)
        faults = pd.Series(
            [fault_on(dataset, d) for d in range(days)],
            index=[pd.Timestamp(snapshot_time(DEFAULT_START, d)) for d in range(days)],
        )
        clean = faults.isna().to_numpy()
        all_false_errors = 0
        for key in profiles.columns:
            result = detect(profiles[key].rename(key), for_metric(spec, key))
            errors = (result["severity"] == "ERROR").to_numpy()
            all_false_errors += int((errors & clean).sum())
            if key not in ("row_count", "freshness_lag_seconds"):
                continue
            fault = targets.get((dataset, key))
            caught = "-"
            if fault is not None:
                day = faults[faults == fault].index[0]
                caught = f"{result.loc[day, 'severity']} (score {result.loc[day, 'score']:.0f})"
            rows.append(
                {
                    "dataset": dataset,
                    "metric": key,
                    "injected fault": fault or "-",
                    "caught as": caught,
                    "judged snapshots": int((result["state"] != "learning").sum()),
                    "false ERROR (clean)": int((errors & clean).sum()),
                    "false WARN (clean)": int(((result["severity"] == "WARN").to_numpy() & clean).sum()),
                    "false ERROR, all profile metrics": all_false_errors if key == "freshness_lag_seconds" else "",
                }
            )
    return pd.DataFrame(rows)


def main() -> int:
    root = datasets_root()
    if not (root / "nab_artificial").is_dir():
        print(f"datasets folder not found: {root} (set DQ_DATASETS)", file=sys.stderr)
        return 2
    spec = MonitorSpec(metric="value")
    print("defaults:", spec.model_dump(exclude={"metric", "column", "name"}, mode="json"))
    print("\nNAB window scoring per category (first 15% warm-up; every run of alerts outside windows = 1 FP)")
    print(eval_nab_categories(root, spec).to_markdown(index=False))
    nab, ok = eval_nab(root, spec)
    print("\nNAB artificial, NAB window scoring, first 15% warm-up")
    print(nab.to_markdown(index=False))
    print(f"\nall windows detected and no alert on no-anomaly series: {ok}")
    bike, flagged = eval_bike(root, spec)
    print("\nUCI bike sharing, rows per day (731 days)")
    print(bike.to_markdown(index=False))
    print("\nflagged days:")
    print(flagged.to_markdown())
    print("\nDemo data (16 daily snapshots), profile metrics judged with the defaults")
    print(eval_demo(spec).to_markdown(index=False))
    if "--sweep" in sys.argv[1:]:
        from history_sweep import sweep

        print("\nSweep of the issue-14 settings and constants (everything else at its default)")
        print(sweep(root).to_markdown(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
