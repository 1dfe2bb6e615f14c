"""False alarms on clean data: how often fresh clean rows exceed the anomaly threshold, and how
often the `<ds>_anomaly_rate_is_normal` check fails a clean partition.

    python bench/anomaly_calibration.py [--seeds 10] [--detectors ensemble,ecod,knn,lof,iforest,robust_z]

Table 1 (frame level, the default spec): per seed, `fit_model` on n clean training rows, then
five fresh clean 200-row partitions scored and judged by `anomaly_rate_outcome`. "rate fail" is
the rate test (alpha 1e-3), "tier fail" a check failed by the `fail_on_tier` rule alone (rows at
'medium' beyond chance; before that rule had an alpha: any row at 'medium'). `--partition-rows`
and `--kinds` make a quicker or larger run.
Table 2 (detector level, threshold_quantile 0.995): the share of 20,000 fresh rows above each
detector's threshold against the `expected_rate_` it records. Columns: normal, skewed
(lognormal, Poisson) and categorical ones, as listed per table.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from dq_monitor.anomalies import anomaly_rate_outcome, fit_model, score_with_model
from dq_monitor.detectors import build


def frame(rng: np.random.Generator, n: int, kind: str) -> pd.DataFrame:
    d = {c: rng.normal(50, 5, n) for c in "abc"}
    if kind in ("skew", "mixed"):
        d["amount"] = rng.lognormal(3, 1, n)
        d["count"] = rng.poisson(3, n)
    if kind == "mixed":
        d["country"] = rng.choice(["US", "DE", "FR", "GB", "JP"], n, p=[.4, .25, .15, .15, .05])
        d["status"] = rng.choice(["ok", "pending", "failed"], n, p=[.8, .15, .05])
    return pd.DataFrame(d)


def frame_table(seeds: int, rows_per: int = 200, kinds: tuple[str, ...] = ("normal", "skew", "mixed")) -> None:
    print(f"Table 1: default spec, {seeds} seeds x 5 fresh clean partitions of {rows_per} rows")
    print("columns: normal = 3 x normal(50, 5); skew = + lognormal(3, 1), Poisson(3); mixed = + 2 categoricals")
    print(f"{'kind':6} {'train':>6} {'expected':>8} {'flagged':>8} {'x exp':>6} {'rate fail':>9} {'tier fail':>9}")
    for kind in kinds:
        for n_train in (200, 600, 1000, 5000):
            flags = rows = rate_fail = tier_fail = checks = 0
            expected = []
            for seed in range(seeds):
                rng = np.random.default_rng(1000 * seed + n_train)
                model = fit_model(frame(rng, n_train, kind))
                expected.append(model.expected_rate)
                for p in range(5):
                    cur = frame(rng, rows_per, kind)
                    scored = score_with_model(model, cur)
                    out = anomaly_rate_outcome("ds", f"p{p}", scored, cur)
                    meta = out.metadata
                    flags += meta["n_anomalies"]
                    rows += len(cur)
                    checks += 1
                    by_rate = meta["binomial_p_value"] < 1e-3 and meta["anomaly_rate"] > 3 * meta["expected_rate"]
                    rate_fail += by_rate
                    tier_fail += not out.passed and not by_rate
            e = float(np.mean(expected))
            print(f"{kind:6} {n_train:6} {e:8.2%} {flags / rows:8.2%} {flags / rows / e:6.1f} "
                  f"{rate_fail:4}/{checks:<4} {tier_fail:4}/{checks:<4}", flush=True)


def detector_table(names: list[str], seeds: int) -> None:
    print(f"\nTable 2: detectors on 3 normal + 2 lognormal columns, {seeds} seeds, 20,000 fresh rows each")
    print(f"{'detector':9} {'train':>6} {'expected':>8} {'fresh':>7} {'x exp':>6} {'min':>6} {'max':>6}")
    for name in names:
        for n in (200, 600, 2000, 5000):
            fresh, expected = [], []
            for s in range(seeds):
                rng = np.random.default_rng(s * 7 + n)
                def draw(m):
                    return np.column_stack([rng.normal(0, 1, (m, 3)), rng.lognormal(0, 1, (m, 2))])
                kw = {"threshold_quantile": 0.995}
                if name not in ("zscore", "robust_z", "iqr"):
                    kw["random_state"] = s
                det = build(name, **kw).fit(draw(n))
                fresh.append(float((det.score_samples(draw(20_000)) > det.threshold_).mean()))
                expected.append(det.expected_rate_)
            f, e = float(np.mean(fresh)), float(np.mean(expected))
            print(f"{name:9} {n:6} {e:8.3%} {f:7.3%} {f / e:6.1f} {min(fresh):6.2%} {max(fresh):6.2%}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--detectors", default="ensemble,iforest,ecod,knn,lof,robust_z",
                        help="table 2's detectors ('' skips table 2)")
    parser.add_argument("--partition-rows", type=int, default=200, help="table 1: rows of each fresh partition")
    parser.add_argument("--kinds", default="normal,skew,mixed", help="table 1: column sets")
    args = parser.parse_args()
    frame_table(args.seeds, args.partition_rows, tuple(args.kinds.split(",")))
    if args.detectors:
        detector_table(args.detectors.split(","), max(args.seeds // 2, 1))


if __name__ == "__main__":
    main()
