"""The README's "Checks on your own assets" examples run as written: the Python example in a temp project
(only the two asset bodies filled in), materialized for real; the alerts snippet and YAML build their sensors."""

import json
import re
import runpy
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import yaml

from dq_monitor.core.names import ALERT_SENSOR
from dq_monitor.store import Store

README = Path(__file__).resolve().parents[2] / "README.md"
BODIES = {  # the README's `...` bodies -> real ones (the test fails if the README's lines change)
    "def orders(context) -> pd.DataFrame: ...": "def orders(context) -> pd.DataFrame:\n"
                                                "    return orders_frame(context.partition_key)",
    "def customers() -> pd.DataFrame: ...": "def customers() -> pd.DataFrame:\n"
                                            "    return pd.DataFrame({'customer_id': [1, 2, 3]})",
}
DAYS = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05"]
BAD = DAYS[-1]  # order_id nulls: the non-nullable contract and the suite fail
SUITE = {"name": "orders", "expectations": [
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "order_id"}, "severity": "critical"}]}


def section_blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Checks on your own assets"):text.index("### The findings store")]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


def orders_frame(day: str) -> pd.DataFrame:
    rng = np.random.default_rng(int(day.replace("-", "")))
    frame = pd.DataFrame({"order_id": range(200), "created_at": pd.date_range(day, periods=200, freq="min", tz="UTC"),
                          "amount": rng.normal(50, 5, 200).round(2), "email": [f"c{i}@example.com" for i in range(200)]})
    if day == BAD:
        frame["order_id"] = frame["order_id"].astype("float64")
        frame.loc[:9, "order_id"] = None
    return frame


def test_the_readme_example_runs_as_written(tmp_path: Path, monkeypatch) -> None:
    example = section_blocks("python")[0]
    for line, body in BODIES.items():
        assert line in example, f"README example changed: {line!r} not found"
        example = example.replace(line, body)
    project = tmp_path / "project"
    (project / "expectations").mkdir(parents=True)
    (project / "expectations" / "orders.json").write_text(json.dumps(SUITE))
    (project / "definitions.py").write_text(example)
    monkeypatch.chdir(project)  # the example's paths (home, the suite) are relative to the working directory
    defs: dg.Definitions = runpy.run_path(str(project / "definitions.py"),
                                          init_globals={"orders_frame": orders_frame})["defs"]
    assets = {a.key.to_user_string(): a for a in defs.assets}
    checks = {next(iter(c.check_keys)).asset_key.to_user_string(): c for c in defs.asset_checks}
    (tmp_path / "dagster").mkdir()
    failed, anomaly = {}, {}
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        for day in DAYS:
            result = dg.materialize([assets["orders"], checks["orders"]], partition_key=day, instance=instance,
                                    resources=defs.resources, raise_on_error=False)
            failed[day] = {e.check_name for e in result.get_asset_check_evaluations() if not e.passed}
            anomaly[day] = next(e.description for e in result.get_asset_check_evaluations()
                                if e.check_name == "orders_anomaly_rate_is_normal")
        customers = dg.materialize([assets["raw/customers"], checks["raw/customers"]], instance=instance,
                                   resources=defs.resources)
    names = {s.name for c in defs.asset_checks for s in c.check_specs}
    assert {"orders_schema_matches_contract", "orders_has_no_dataset_drift", "orders_passes_expectation_suite",
            "orders_anomaly_rate_is_normal", "orders_null_rate_email_is_normal",
            "raw_customers_row_count_in_bounds"} <= names
    # Nothing fails on the clean days but checks that could not run yet: "not evaluated" (failed, no finding) is
    # the anomaly check until the model has 3 clean earlier partitions, and the drift check on the first day (no
    # reference). The bad day fails its contract and suite.
    waiting = {DAYS[0]: {"orders_has_no_dataset_drift"}}
    assert {day: failed[day] - {"orders_anomaly_rate_is_normal"} for day in DAYS[:-1]} == {
        d: waiting.get(d, set()) for d in DAYS[:-1]}
    assert all("not evaluated" in anomaly[day] for day in DAYS[:3]) and "not evaluated" not in anomaly[DAYS[3]]
    assert {"orders_schema_matches_contract", "orders_passes_expectation_suite"} <= failed[BAD]
    assert all(e.passed for e in customers.get_asset_check_evaluations())
    store = Store(f"sqlite:///{project / '.dq_monitor' / 'findings.db'}")
    assert {s.snapshot for s in store.snapshots("orders")} == set(DAYS)
    assert {f.snapshot for f in store.findings(dataset="orders", status="open")} - {DAYS[3]} == {BAD}


def test_the_readme_alerts_snippet_and_yaml_build_the_alert_sensor() -> None:
    from dq_monitor import DqChecksComponent, build_dq_alerts

    snippet = next(b for b in section_blocks("python") if "build_dq_alerts" in b)
    namespace: dict = {}
    exec(compile(snippet, str(README), "exec"), namespace)  # noqa: S102 - the README's own snippet
    assert [s.name for s in namespace["alert_sensors"]][-1] == ALERT_SENSOR
    component = next(yaml.safe_load(b) for b in section_blocks("yaml") if "alerts:" in b)
    attributes = DqChecksComponent.model_validate(component["attributes"])
    assert [s.name for s in build_dq_alerts(attributes.alerts)][-1] == ALERT_SENSOR
