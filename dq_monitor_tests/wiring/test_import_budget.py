"""Loading the code location imports only what the configured features need (issue 16: lazy imports).

Each load runs in a fresh interpreter (what `dagster dev` pays per code server and per run subprocess);
the load time is compared with the floor measured in the same test run, `import dagster, pandas`.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from dq_monitor.demo import write_demo
from dq_monitor.store import Store
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset

HEAVY = ("great_expectations", "evidently", "sklearn", "scipy", "torch")
#: The demo configures expectations, drift and anomalies; none of their engines is needed to load definitions.
NOT_AT_LOAD = ("great_expectations", "evidently", "torch")
#: Generous: the machine is shared and noisy; the issue's target is 1.3x.
MAX_LOAD_RATIO = 2.0

LOAD = ("import json, sys; import dq_monitor.definitions; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
FLOOR = "import dagster, pandas"
CHECK = ("import json, sys; from dq_monitor.cli import main; code = main(['check', '--config', 'dq_monitor.yaml']); "
         "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")


def _python(code: str, config: Path | None = None) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "DAGSTER_TELEMETRY_DISABLED": "1"}
    if config is not None:
        env["DQ_MONITOR_CONFIG"] = str(config)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=240,
                          cwd=config.parent if config else None)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-3000:]
    return elapsed, done


def _loaded_modules(config: Path) -> tuple[float, set[str]]:
    elapsed, done = _python(LOAD, config)
    return elapsed, set(json.loads(done.stdout.strip().splitlines()[-1]))


def _plain_config(tmp_path: Path) -> Path:
    (tmp_path / "data/orders").mkdir(parents=True)
    (tmp_path / "data/orders/orders_2026-01-01.csv").write_text(orders_csv(1))
    config = tmp_path / "dq_monitor.yaml"
    dataset = orders_dataset()
    assert not {"expectations", "drift", "anomalies"} & set(dataset)
    config.write_text(yaml.safe_dump({"datasets": [dataset]}))
    return config


def test_a_config_without_expectations_drift_or_anomalies_imports_no_heavy_engine(tmp_path: Path) -> None:
    _, modules = _loaded_modules(_plain_config(tmp_path))
    assert "dq_monitor" in modules
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_checking_a_snapshot_of_a_plain_config_imports_no_heavy_engine_and_times_every_check(tmp_path: Path) -> None:
    config = _plain_config(tmp_path)
    _, done = _python(CHECK, config)
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
    store = Store(f"sqlite:///{tmp_path / '.dq_monitor/findings.db'}")
    try:
        evaluations = [e for e in store.evaluations(dataset="orders") if e.snapshot != "-"]
    finally:
        store.dispose()
    assert len(evaluations) >= 6
    assert all(float(e.metadata["duration_ms"]) >= 0.0 for e in evaluations), [e.check for e in evaluations]


def test_the_demo_config_loads_without_gx_evidently_or_torch_and_near_the_import_floor(tmp_path: Path) -> None:
    config = write_demo(tmp_path / "demo").config
    project = yaml.safe_load(config.read_text())
    assert any("expectations" in d for d in project["datasets"])
    assert any("drift" in d and "anomalies" in d for d in project["datasets"])
    # Best of two for both, interleaved, so a burst of load on the shared machine hits both sides alike.
    floors, loads, modules = [], [], set()
    for _ in range(2):
        floors.append(_python(FLOOR)[0])
        elapsed, modules = _loaded_modules(config)
        loads.append(elapsed)
    assert not modules & set(NOT_AT_LOAD), sorted(modules & set(NOT_AT_LOAD))
    ratio = min(loads) / min(floors)
    print(f"\nimport dq_monitor.definitions (demo): {min(loads):.2f} s; import dagster, pandas: "
          f"{min(floors):.2f} s; ratio {ratio:.2f}x")
    assert ratio <= MAX_LOAD_RATIO, f"load {min(loads):.2f} s vs floor {min(floors):.2f} s = {ratio:.2f}x"
