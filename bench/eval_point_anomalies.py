"""ADBench evaluation of the point-anomaly detectors (not run in CI).

Protocol (ADBench, Han et al. 2022): for each dataset and seed 0, 1, 2 a 70/30
stratified split; each detector is fitted on the training part *without labels*,
scores the test part; ROC-AUC and PR-AUC (average precision) are averaged over
the seeds. Printed next to the published numbers, which are read from the
datasets README (not copied here).

    python bench/eval_point_anomalies.py [--detectors iforest,ecod,ensemble] [--datasets DIR]

Datasets: `$DQ_MONITOR_DATASETS` or `<repo>/../shared/datasets`.
Also scores the demo-style planted anomalies through `score_frame` (precision/recall).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split

from dq_monitor.detectors import DEFAULT_DETECTOR, available, build

REPO = Path(__file__).resolve().parents[1]
SEEDS = (0, 1, 2)
FILES = ("6_cardio.npz", "38_thyroid.npz", "23_mammography.npz", "28_pendigits.npz")
IFOREST_TOLERANCE = 1.5


def datasets_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("DQ_MONITOR_DATASETS") or REPO.parent / "shared" / "datasets")


def published_numbers(readme: Path) -> dict[str, dict[str, float]]:
    """Parse the adbench table of the datasets README: file -> {iforest, ecod, lof, iforest_pr}."""
    out: dict[str, dict[str, float]] = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*(\S+\.npz)\s*\|(.*)\|\s*$", line)
        if not m:
            continue
        cells = [c.strip() for c in m.group(2).split("|")]
        # n | d | anomaly % | ROC IForest | ROC ECOD | ROC LOF | PR IForest
        out[m.group(1)] = {
            "iforest": float(cells[3]),
            "ecod": float(cells[4]),
            "lof": float(cells[5]),
            "iforest_pr": float(cells[6]),
        }
    return out


def evaluate(name: str, X: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    rocs, prs, secs = [], [], []
    for seed in SEEDS:
        X_tr, X_te, _, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        params = {"random_state": seed} if "random_state" in build(name).get_params() else {}
        t0 = time.perf_counter()
        det = build(name, **params).fit(X_tr)
        s = det.score_samples(X_te)
        secs.append(time.perf_counter() - t0)
        rocs.append(roc_auc_score(y_te, s))
        prs.append(average_precision_score(y_te, s))
    return 100 * float(np.mean(rocs)), 100 * float(np.mean(prs)), float(np.mean(secs))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", help="folder holding adbench/ and README.md")
    ap.add_argument("--detectors", default=",".join(n for n in available()), help="comma-separated names")
    args = ap.parse_args(argv)
    root = datasets_dir(args.datasets)
    if not (root / "adbench").is_dir():
        print(f"ADBench data not found under {root}/adbench (set DQ_MONITOR_DATASETS)", file=sys.stderr)
        return 2
    published = published_numbers(root / "README.md")
    names = [n.strip() for n in args.detectors.split(",") if n.strip()]

    results: dict[tuple[str, str], tuple[float, float, float]] = {}
    print(f"ADBench protocol: 70/30 stratified split, fit on train without labels, mean of seeds {SEEDS}")
    header = f"{'dataset':<18} {'detector':<12} {'ROC-AUC':>8} {'PR-AUC':>8} {'published ROC':>14} {'published PR':>13} {'sec':>6}"
    print(header)
    print("-" * len(header))
    for file in FILES:
        data = np.load(root / "adbench" / file)
        X, y = data["X"].astype(np.float64), data["y"].astype(int)
        pub = published.get(file, {})
        for name in names:
            roc, pr, sec = evaluate(name, X, y)
            results[(file, name)] = (roc, pr, sec)
            pub_roc = pub.get(name)
            pub_pr = pub.get("iforest_pr") if name == "iforest" else None
            fmt = lambda v: f"{v:.2f}" if v is not None else "-"  # noqa: E731
            print(f"{file:<18} {name:<12} {roc:8.2f} {pr:8.2f} {fmt(pub_roc):>14} {fmt(pub_pr):>13} {sec:6.2f}")
        print()

    print("Mean ROC-AUC over the four datasets")
    pub_if_mean = float(np.mean([published[f]["iforest"] for f in FILES]))
    for name in names:
        mean = float(np.mean([results[(f, name)][0] for f in FILES]))
        pub = [published[f].get(name) for f in FILES]
        pub_txt = f"{np.mean(pub):.2f}" if all(p is not None for p in pub) else "-"
        tag = " (default)" if name == DEFAULT_DETECTOR else ""
        print(f"  {name + tag:<22} {mean:6.2f}   published {pub_txt}")

    ok = True
    if "iforest" in names:
        print(f"\nIsolation Forest vs published ROC-AUC (tolerance {IFOREST_TOLERANCE} points)")
        for f in FILES:
            diff = results[(f, "iforest")][0] - published[f]["iforest"]
            good = abs(diff) <= IFOREST_TOLERANCE
            ok &= good
            print(f"  {f:<18} {diff:+6.2f}  {'ok' if good else 'OUT OF TOLERANCE'}")
    if DEFAULT_DETECTOR in names:
        mean = float(np.mean([results[(f, DEFAULT_DETECTOR)][0] for f in FILES]))
        good = mean >= pub_if_mean
        ok &= good
        print(
            f"\nDefault detector {DEFAULT_DETECTOR!r}: mean ROC-AUC {mean:.2f} vs published IForest mean "
            f"{pub_if_mean:.2f}: {'ok' if good else 'BELOW'}"
        )
    print()
    ok &= demo_evaluation()
    return 0 if ok else 1


def demo_evaluation() -> bool:
    """Precision/recall of the demo's injected point anomalies, with the demo config's own spec.

    Reference: the days before the fault that are clean for the model's columns, at most
    `reference_snapshots` of them (the payments schema-change day lacks `amount`, so it is
    skipped, as a column-mismatched snapshot would be). Current: the fault day.
    """
    import pandas as pd

    from dq_monitor.anomalies import (
        anomaly_rate_outcome,
        fit_model,
        parse_spec,
        score_with_model,
    )
    from dq_monitor.demo import generate_snapshot
    from dq_monitor.demo.generate import PRIMARY_KEY_COLUMNS
    from dq_monitor.demo.plan import FAULTS
    from dq_monitor.demo.project import project_config

    specs = {d["name"]: d.get("anomalies") for d in project_config()["datasets"]}
    print("Demo data: injected point anomalies (spec from the demo config)")
    header = (f"{'dataset':<10} {'snapshot':<22} {'planted':>7} {'flagged':>7} {'found':>6} {'precision':>9} "
              f"{'recall':>7} {'check':>6}")
    print(header)
    print("-" * len(header))
    ok = True
    for fault in (f for f in FAULTS if f.kind == "point_anomalies"):
        spec = parse_spec(specs[fault.dataset], dataset=fault.dataset)
        snap = generate_snapshot(fault.dataset, fault.day)
        ref_frames = []
        for day in range(fault.day - 1, -1, -1):
            frame = generate_snapshot(fault.dataset, day).frame
            if all(c in frame.columns for c in spec.columns or []):
                ref_frames.append(frame)
            if len(ref_frames) == spec.reference_snapshots:
                break
        model = fit_model(pd.concat(ref_frames, ignore_index=True), spec)
        scored = score_with_model(model, snap.frame)
        pk = PRIMARY_KEY_COLUMNS[fault.dataset]
        outcome = anomaly_rate_outcome(fault.dataset, snap.snapshot_id, scored, snap.frame, spec, primary_key=pk)
        planted = {_key(k, pk) for k in snap.anomaly_keys}
        flagged = snap.frame.loc[scored.scores["is_anomaly"], pk]
        got = {_key(row, pk) for row in flagged.to_dict("records")}
        found = len(planted & got)
        precision = found / len(got) if got else 0.0
        recall = found / len(planted)
        severe_rows = snap.frame.loc[scored.scores["score"] >= spec.severity_tiers[spec.fail_on_tier], pk]
        severe = {_key(row, pk) for row in severe_rows.to_dict("records")}
        ok &= recall == 1.0 and not outcome.passed
        print(
            f"{fault.dataset:<10} {snap.snapshot_id:<22} {len(planted):>7} {len(got):>7} {found:>6} "
            f"{precision:9.2f} {recall:7.2f} {'fails' if not outcome.passed else 'passes':>6}"
        )
        sev_p = len(planted & severe) / len(severe) if severe else 0.0
        print(
            f"{'':<10} at tier {spec.fail_on_tier!r} or above: {len(severe)} rows, precision {sev_p:.2f}, "
            f"recall {len(planted & severe) / len(planted):.2f}"
        )
        # False alarms: the same model on the later snapshots without any data fault.
        later = [d for d in range(fault.day + 1, 16) if not any(f.dataset == fault.dataset and f.day == d for f in FAULTS)]
        alarms = []
        for day in later:
            clean = generate_snapshot(fault.dataset, day)
            clean_scored = score_with_model(model, clean.frame)
            verdict = anomaly_rate_outcome(fault.dataset, clean.snapshot_id, clean_scored, clean.frame, spec, primary_key=pk)
            if not verdict.passed:
                alarms.append(clean.snapshot_id)
        ok &= not alarms
        print(f"{'':<10} clean later snapshots: {len(later)}, check failed on {len(alarms)} {alarms or ''}")
    return ok


def _key(value, pk: list[str]) -> tuple:
    import pandas as pd

    if isinstance(value, dict):
        return tuple(
            pd.Timestamp(value[c]).tz_localize(None).isoformat() if c == "ts" else value[c] for c in pk
        )
    return (value,)


if __name__ == "__main__":
    raise SystemExit(main())
