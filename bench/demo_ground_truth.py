"""Check the demo's ground truth against the reference libraries and against the project's own checks.

1. Reference libraries on the written files, independent of dq_monitor's wiring:
   - Great Expectations 1.x runs the shipped suites on every payments and web_traffic snapshot;
   - Evidently's own `DataDriftPreset` (legacy report API, defaults) compares every sensors and
     payments snapshot with the first snapshot and with the latest earlier snapshot that
     neither drifted nor changed schema (how dq_monitor's `previous` reference is picked);
     config `ignore_columns` applied, columns present on both sides only;
   - a plain robust-z baseline (median/MAD over the 6 warm-up snapshots; for payments each
     user's median log(amount) with one pooled MAD, for sensors per column; flagged at
     |z| > 6) scores every snapshot, to show the labeled keys are findable and that nothing
     else stands out (precision and recall per snapshot).
   A labeled (snapshot, check) must fail there; every other snapshot must pass.
2. The project's checks end to end: `dq-monitor check --all --format json` on the demo config
   (in a subprocess with its own DAGSTER_HOME). Per check: labeled faults caught, missed, and
   failures on snapshots not labeled for that check. Checks not wired yet are listed as such.
   Then `dq-monitor findings`: the labeled point-anomaly keys among the anomalous rows reported.

Run from the repo root: `python bench/demo_ground_truth.py [--seed 7] [--days 16] [--skip-pipeline]`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from dq_monitor.config import load_config
from dq_monitor.demo import DEFAULT_START, read_snapshot, write_demo
from dq_monitor.demo.plan import snapshot_id

WARM_UP = 6
Z_LIMIT = 6.0


def _ids(dataset: str, days: int, start: date) -> list[str]:
    return [snapshot_id(dataset, start, d) for d in range(days)]


def gx_verdicts(paths, days: int, start: date) -> dict[tuple[str, str], bool]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    ))
    batch = (context.data_sources.add_pandas("demo")
             .add_dataframe_asset("snapshot").add_batch_definition_whole_dataframe("whole"))
    out = {}
    for ds in ("payments", "web_traffic"):
        suite = ExpectationSuite(**json.loads((paths.expectations_dir / f"{ds}.json").read_text()))
        for sid in _ids(ds, days, start):
            frame = read_snapshot(paths, ds, sid)
            out[(sid, f"{ds}_passes_expectation_suite")] = bool(
                batch.get_batch(batch_parameters={"dataframe": frame}).validate(suite).success)
    return out


def evidently_verdicts(paths, config, days: int, start: date) -> dict[tuple[str, str, str], bool]:
    warnings.filterwarnings("ignore")
    from evidently.legacy.metric_preset import DataDriftPreset
    from evidently.legacy.report import Report

    def drifts(ref: pd.DataFrame, cur: pd.DataFrame, ignore: set[str]) -> bool:
        cols = [c for c in cur.columns if c in ref.columns and c not in ignore]
        report = Report(metrics=[DataDriftPreset()])
        report.run(reference_data=ref[cols], current_data=cur[cols])
        return bool(report.as_dict()["metrics"][0]["result"]["dataset_drift"])

    out = {}
    for ds in ("payments", "sensors"):
        ignore = set(config.dataset(ds).drift.get("ignore_columns", []))
        frames = [read_snapshot(paths, ds, sid) for sid in _ids(ds, days, start)]
        columns = list(frames[0].columns)
        usable = [0]  # snapshots that may serve as the "previous" reference
        for d in range(1, days):
            check = f"{ds}_has_no_dataset_drift"
            sid = snapshot_id(ds, start, d)
            out[(sid, check, "first")] = not drifts(frames[0], frames[d], ignore)
            drifted = drifts(frames[usable[-1]], frames[d], ignore)
            out[(sid, check, "previous clean")] = not drifted
            if not drifted and list(frames[d].columns) == columns:
                usable.append(d)
    return out


def robust_z_flags(paths, days: int, start: date) -> dict[str, set]:
    """Keys flagged by a plain median/MAD baseline fitted on the warm-up snapshots, per snapshot."""
    flags: dict[str, set] = {}
    pay = [read_snapshot(paths, "payments", sid) for sid in _ids("payments", days, start)]
    hist = pd.concat(pay[:WARM_UP])
    log_amount = np.log(hist["amount"])
    med = log_amount.groupby(hist["user_id"]).median()
    # One pooled spread: a user with a handful of payments has no usable MAD of their own.
    mad = float((log_amount - hist["user_id"].map(med)).abs().median() * 1.4826)
    for sid, frame in zip(_ids("payments", days, start), pay):
        if "amount" not in frame:
            continue
        z = (np.log(frame["amount"]) - frame["user_id"].map(med)) / mad
        flags[sid] = set(frame.loc[z.abs() > Z_LIMIT, "txn_id"].astype(int))
    sen = [read_snapshot(paths, "sensors", sid) for sid in _ids("sensors", days, start)]
    hist = pd.concat(sen[:WARM_UP])
    cols = ["temperature", "humidity", "pressure"]
    med, mad = hist[cols].median(), (hist[cols] - hist[cols].median()).abs().median() * 1.4826
    for sid, frame in zip(_ids("sensors", days, start), sen):
        hit = ((frame[cols] - med) / mad).abs().max(axis=1) > Z_LIMIT
        flags[sid] = {(s, t.isoformat()) for s, t in frame.loc[hit, ["sensor_id", "ts"]].itertuples(index=False)}
    return flags


def reference_table(paths, config, truth, days: int, start: date) -> pd.DataFrame:
    labeled = {(r["snapshot"], r["check"]): r for r in truth}
    rows = []
    t0 = time.perf_counter()
    for (sid, check), passed in gx_verdicts(paths, days, start).items():
        rows.append(("Great Expectations 1.x", sid, check, "any", (sid, check) in labeled, not passed))
    t_gx = time.perf_counter() - t0
    for (sid, check, strategy), passed in evidently_verdicts(paths, config, days, start).items():
        rows.append(("Evidently DataDriftPreset", sid, check, strategy, (sid, check) in labeled, not passed))
    t_ev = time.perf_counter() - t0 - t_gx
    table = pd.DataFrame(rows, columns=["reference", "snapshot", "check", "reference strategy", "labeled", "fails"])
    print(f"(GX {t_gx:.1f} s, Evidently {t_ev:.1f} s including imports)")
    return table


def anomaly_table(paths, truth, days: int, start: date) -> pd.DataFrame:
    labeled = {r["snapshot"]: r for r in truth if r["fault"] == "point_anomalies"}
    rows = []
    for sid, flagged in robust_z_flags(paths, days, start).items():
        row = labeled.get(sid)
        want = set()
        if row:
            want = {int(k) if row["dataset"] == "payments" else (k["sensor_id"], k["ts"]) for k in row["primary_keys"]}
        if not (want or flagged):
            continue
        hit = len(want & flagged)
        rows.append({"snapshot": sid, "labeled keys": len(want), "flagged": len(flagged), "true positives": hit,
                     "precision": round(hit / len(flagged), 3) if flagged else "-",
                     "recall": round(hit / len(want), 3) if want else "-"})
    return pd.DataFrame(rows)


def _cli_json(paths, env: dict, *args: str):
    cmd = [sys.executable, "-m", "dq_monitor.cli", *args, "--config", str(paths.config), "--format", "json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=paths.root)
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        print(f"`dq-monitor {' '.join(args)}` gave no JSON (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
        return None


def pipeline_tables(paths, truth) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DAGSTER_HOME": home}
        results = _cli_json(paths, env, "check", "--all")
        findings = _cli_json(paths, env, "findings", "--status", "all") if results is not None else None
    if results is None:
        return None, None
    return check_table(results, truth), (row_finding_table(findings, truth) if findings is not None else None)


def row_finding_table(findings: list[dict], truth) -> pd.DataFrame:
    """Point anomalies at the finding level: the rows dq_monitor reported, against the labeled keys."""
    def key(pk: dict) -> tuple:
        return tuple(str(v).replace("+00:00", "") for _, v in sorted(pk.items()))

    rows = []
    for row in (r for r in truth if r["fault"] == "point_anomalies"):
        cols = row["primary_key_columns"]
        want = {key(k if isinstance(k, dict) else {cols[0]: k}) for k in row["primary_keys"]}
        # One finding per snapshot; its evidence rows (details.top_rows) carry the primary keys.
        got = {key(r["primary_key"]) for f in findings
               if f["snapshot"] == row["snapshot"] and f["check"] == row["check"]
               for r in f.get("details", {}).get("top_rows", []) if isinstance(r.get("primary_key"), dict)}
        hit = len(want & got)
        rows.append({"snapshot": row["snapshot"], "check": row["check"], "labeled rows": len(want),
                     "reported rows": len(got), "true positives": hit,
                     "precision": round(hit / len(got), 3) if got else "-", "recall": round(hit / len(want), 3)})
    return pd.DataFrame(rows)


def check_table(results: list[dict], truth) -> pd.DataFrame:
    failed = {(r["snapshot"], r["check"]) for r in results if r["result"] != "PASS"}
    ran = {(r["snapshot"], r["check"]) for r in results}
    labeled = {(r["snapshot"], r["check"]) for r in truth}
    rows = []
    for check in sorted({c for _, c in ran} | {c for _, c in labeled}):
        want = {s for s, c in labeled if c == check}
        got = {s for s, c in failed if c == check}
        wired = any(c == check for _, c in ran)
        rows.append({
            "check": check,
            "wired": "yes" if wired else "not yet",
            "labeled": len(want),
            "caught": len(want & got) if wired else "-",
            "missed": ", ".join(sorted(want - got)) or "-" if wired else "-",
            "unlabeled failures": ", ".join(sorted(got - want)) or "-" if wired else "-",
        })
    return pd.DataFrame(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=16)
    parser.add_argument("--dir", help="write the demo here (default: a temporary folder)")
    parser.add_argument("--skip-pipeline", action="store_true", help="only the reference-library section")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_demo(Path(args.dir or tmp), days=args.days, seed=args.seed)
        config = load_config(paths.config)
        truth = json.loads(paths.ground_truth.read_text())
        print(f"demo: seed {args.seed}, {args.days} days, {len(truth)} ground-truth rows\n")

        print("## 1. Reference libraries on the demo files")
        table = reference_table(paths, config, truth, args.days, DEFAULT_START)
        table["agrees"] = table["labeled"] == table["fails"]
        summary = table.groupby(["reference", "check", "reference strategy"]).agg(
            snapshots=("snapshot", "size"), labeled=("labeled", "sum"),
            labeled_and_failed=("fails", lambda s: int((s & table.loc[s.index, "labeled"]).sum())),
            failed_unlabeled=("fails", lambda s: int((s & ~table.loc[s.index, "labeled"]).sum())),
        ).reset_index()
        print(summary.to_markdown(index=False))
        disagreements = table[~table["agrees"]]
        print(f"\ndisagreements with the ground truth: {len(disagreements)}")
        if len(disagreements):
            print(disagreements.to_markdown(index=False))

        print(f"\nrobust z > {Z_LIMIT:g} baseline (fitted on the {WARM_UP} warm-up snapshots); "
              "snapshots with labeled keys or any flag:")
        anomalies = anomaly_table(paths, truth, args.days, DEFAULT_START)
        print(anomalies.to_markdown(index=False) if len(anomalies) else "(none)")

        if not args.skip_pipeline:
            print("\n## 2. dq-monitor check --all (the project's wired checks)")
            t0 = time.perf_counter()
            checks, row_findings = pipeline_tables(paths, truth)
            if checks is not None:
                print(checks.to_markdown(index=False))
                print(f"({time.perf_counter() - t0:.0f} s)")
            if row_findings is not None:
                print("\nlabeled point anomalies among the row findings dq-monitor stored (dq-monitor findings):")
                print(row_findings.to_markdown(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
