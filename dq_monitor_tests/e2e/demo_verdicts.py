"""The demo's verdicts as plain data, to prove a speed change leaves them as they were (issue 16).

`verdicts(store)` lists every check evaluation (dataset, snapshot, check, passed, severity), every open
finding (dataset, snapshot, check, key, severity) and every recorded metric (rounded to 6 significant
digits) of a store written by `dq-monitor check --all` on a fresh `dq-monitor demo` folder.
`demo_verdicts.json` next to this file holds them as recorded before the speed work;
`test_demo_ground_truth.py` compares a fresh run with it. A change that is *meant* to change a verdict
(a new detection rule, a new demo fault) regenerates the file and says so in its commit:

    python -m dq_monitor_tests.e2e.demo_verdicts DEMO_DIR   # DEMO_DIR: after `demo` + `check --all`
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from dq_monitor.store import Store

GOLDEN = Path(__file__).with_name("demo_verdicts.json")


def _rounded(value: float | None) -> float | str | None:
    if value is None or math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(f"{value:.6g}")


def verdicts(store: Store) -> dict[str, Any]:
    evaluations = sorted([e.dataset, e.snapshot, e.check, bool(e.passed), e.severity if not e.passed else ""]
                         for e in store.evaluations())
    findings = sorted([f.dataset, f.snapshot, f.check, f.key, f.severity] for f in store.findings(status="open"))
    metrics: dict[str, dict[str, Any]] = {}
    for dataset, snapshot in sorted({(e[0], e[1]) for e in evaluations}):
        values = store.metrics_for_snapshot(dataset, snapshot)
        metrics[f"{dataset}/{snapshot}"] = {k: _rounded(v) for k, v in sorted(values.items())}
    return {"evaluations": evaluations, "open_findings": findings, "metrics": metrics}


def main(argv: list[str]) -> None:
    store = Store(f"sqlite:///{Path(argv[0]) / '.dq_monitor' / 'findings.db'}")
    try:
        GOLDEN.write_text(json.dumps(verdicts(store), indent=1, sort_keys=True) + "\n")
    finally:
        store.dispose()
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    main(sys.argv[1:])
