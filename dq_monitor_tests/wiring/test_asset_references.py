"""`drift:` and `anomalies:` in `build_dq_checks`: each partition judged against earlier partitions only."""

import logging
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd

from dq_monitor import build_dq_checks, dq_resources
from dq_monitor.config.asset_checks import parse_asset_checks_spec
from dq_monitor.defs.asset_references import keep_sample
from dq_monitor.store import Store

DAILY = dg.DailyPartitionsDefinition("2026-01-01")
DAYS = [f"2026-01-0{i}" for i in range(1, 7)]
ALL_WEB, OUTLIERS = "2026-01-04", "2026-01-06"
SPEC = {
    "primary_key": "payment_id",
    "drift": {"reference": "previous", "columns": ["channel"], "severity": "ERROR", "blocking": True},
    "anomalies": {"detector": "robust_z", "columns": ["amount"], "reference_snapshots": 3},
    "reference_sample_rows": 300,
}
NOT_EVALUATED = "payments_anomaly_rate_is_normal"  # no model before three clean partitions: a WARN, not a pass
EXPECTED_FAILURES = {
    # The first partition has no drift reference either: not evaluated (a WARN without a finding), not a pass.
    DAYS[0]: {NOT_EVALUATED, "payments_has_no_dataset_drift"}, DAYS[1]: {NOT_EVALUATED}, DAYS[2]: {NOT_EVALUATED},
    ALL_WEB: {"payments_has_no_dataset_drift"},
    OUTLIERS: {"payments_anomaly_rate_is_normal"},
}


def payments_frame(day: str) -> pd.DataFrame:
    rng = np.random.default_rng(int(day[-2:]))
    rows = 400
    frame = pd.DataFrame({
        "payment_id": range(rows),
        "channel": rng.choice(["web", "app", "store"], size=rows, p=[0.5, 0.3, 0.2]),
        "amount": rng.normal(100.0, 10.0, size=rows).round(2),
    })
    if day == ALL_WEB:
        frame["channel"] = "web"
    if day == OUTLIERS:
        frame.loc[[7, 70, 170, 270], "amount"] = 10_000.0
    return frame


@dg.asset(partitions_def=DAILY)
def payments(context: dg.AssetExecutionContext) -> pd.DataFrame:
    return payments_frame(context.partition_key)


@dg.asset(partitions_def=DAILY)
def payment_report(payments: pd.DataFrame) -> pd.DataFrame:
    return payments.groupby("channel", as_index=False)["amount"].sum()


def _verdicts(result: dg.ExecuteInProcessResult) -> dict[str, tuple[bool, str]]:
    """check -> (passed, what it compared with: the drift reference or the anomaly model's version)."""
    out = {}
    for e in result.get_asset_check_evaluations():
        meta = {k: getattr(v, "value", v) for k, v in e.metadata.items()}
        out[e.check_name] = (e.passed, str(meta.get("reference", meta.get("model_version", ""))))
    return out


def run_day(instance, checks, resources, day: str) -> tuple[dict[str, tuple[bool, str]], set[str]]:
    result = dg.materialize([payments, payment_report, *checks], partition_key=day, instance=instance,
                            resources=resources, raise_on_error=False)
    return _verdicts(result), {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_drift_and_anomalies_judge_each_partition_against_earlier_ones_and_backfill_alike(tmp_path: Path) -> None:
    checks = build_dq_checks(payments, SPEC)
    resources = dq_resources(home=tmp_path / "dq")
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        on_the_day = {day: run_day(instance, checks, resources, day) for day in DAYS}
        backfill = {day: run_day(instance, checks, resources, day) for day in [DAYS[5], DAYS[1], DAYS[4], DAYS[0],
                                                                               DAYS[3], DAYS[2]]}
    failed = {day: {c for c, (ok, _) in verdicts.items() if not ok} for day, (verdicts, _) in on_the_day.items()}
    assert failed == {day: EXPECTED_FAILURES.get(day, set()) for day in DAYS}
    # The reference is the previous *clean* partition: the drifted day is not the next day's normal.
    references = {day: verdicts["payments_has_no_dataset_drift"][1] for day, (verdicts, _) in on_the_day.items()}
    assert references == {DAYS[0]: "none", DAYS[1]: f"snapshot {DAYS[0]}", DAYS[2]: f"snapshot {DAYS[1]}",
                          ALL_WEB: f"snapshot {DAYS[2]}", DAYS[4]: f"snapshot {DAYS[2]}",
                          OUTLIERS: f"snapshot {DAYS[4]}"}
    # One model, trained on the three clean partitions before the fourth, judges the later ones.
    models = {verdicts[NOT_EVALUATED][1] for day, (verdicts, _) in on_the_day.items() if day >= ALL_WEB}
    assert len(models) == 1 and "none" not in models
    # The blocking ERROR drift stops the downstream asset on the drifted partition only.
    assert {day for day, (_, built) in on_the_day.items() if "payment_report" not in built} == {ALL_WEB}
    assert backfill == on_the_day

    store = Store(f"sqlite:///{tmp_path / 'dq' / 'findings.db'}")
    found = {(f.snapshot, f.check, f.key) for f in store.findings(dataset="payments", status="open")}
    assert (ALL_WEB, "payments_has_no_dataset_drift", "dataset") in found
    assert (OUTLIERS, "payments_anomaly_rate_is_normal", "snapshot") in found
    assert {snapshot for snapshot, _, _ in found} == {ALL_WEB, OUTLIERS}
    scores = pd.read_parquet(tmp_path / "dq" / "artifacts" / "payments" / "anomalies" / f"{OUTLIERS}.parquet")
    assert set(scores.loc[scores["is_anomaly"], "payment_id"]) >= {7, 70, 170, 270}
    # What later partitions compare with: a bounded, seeded sample of every partition, kept under the home.
    samples = sorted((tmp_path / "dq" / "samples" / "payments").glob("*.parquet"))
    assert [p.stem for p in samples] == DAYS
    assert {len(pd.read_parquet(p)) for p in samples} == {300}


def _payments_copy(name: str) -> dg.AssetsDefinition:
    @dg.asset(name=name, partitions_def=DAILY)
    def _copy(context: dg.AssetExecutionContext) -> pd.DataFrame:
        return payments_frame(context.partition_key)

    return _copy


def test_first_and_window_references_are_earlier_partitions_in_partition_order(tmp_path: Path) -> None:
    first, window = _payments_copy("against_first"), _payments_copy("against_window")
    checks = [*build_dq_checks(first, {"drift": {"reference": "first", "columns": ["channel"]}}),
              *build_dq_checks(window, {"drift": {"reference": {"strategy": "window", "n": 2, "mode": "sample",
                                                               "sample_rows": 200}, "columns": ["channel"]}})]
    (tmp_path / "dagster").mkdir()
    references: dict[str, dict[str, tuple[bool, str]]] = {}
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        for day in [DAYS[1], DAYS[0], DAYS[2], ALL_WEB]:  # the second day first: it is re-judged after the first
            result = dg.materialize([first, window, *checks], partition_key=day, instance=instance,
                                    resources=dq_resources(home=tmp_path / "dq"))
            references[day] = _verdicts(result)
        rejudged = _verdicts(dg.materialize([first, window, *checks], partition_key=DAYS[1], instance=instance,
                                            resources=dq_resources(home=tmp_path / "dq")))
    assert references[DAYS[1]]["against_first_has_no_dataset_drift"] == (False, "none")  # nothing earlier: not evaluated
    assert rejudged["against_first_has_no_dataset_drift"] == (True, f"snapshot {DAYS[0]}")
    assert {day: v["against_first_has_no_dataset_drift"] for day, v in references.items() if day != DAYS[1]} == {
        DAYS[0]: (False, "none"), DAYS[2]: (True, f"snapshot {DAYS[0]}"), ALL_WEB: (False, f"snapshot {DAYS[0]}")}
    assert {day: v["against_window_has_no_dataset_drift"] for day, v in references.items() if day != DAYS[1]} == {
        DAYS[0]: (False, "none"),
        DAYS[2]: (True, f"window of 2 snapshots ({DAYS[0]}, {DAYS[1]}; 200 sampled rows)"),
        ALL_WEB: (False, f"window of 2 snapshots ({DAYS[1]}, {DAYS[2]}; 200 sampled rows)")}


def test_a_kept_sample_is_seeded_and_bounded_and_an_unwritable_value_is_a_warning(tmp_path: Path, caplog) -> None:
    spec = parse_asset_checks_spec({"drift": {"seed": 3}, "reference_sample_rows": 50}, "payments")
    log = logging.getLogger("dq_monitor_tests.samples")
    frame = payments_frame(DAYS[0])
    first = pd.read_parquet(keep_sample(tmp_path, "payments", spec, "2026-01-01|eu", frame, log))
    again = pd.read_parquet(keep_sample(tmp_path, "payments", spec, "2026-01-01|eu", frame, log))
    assert len(first) == 50 and first.equals(again) and first["payment_id"].is_monotonic_increasing
    assert [p.name for p in (tmp_path / "samples" / "payments").iterdir()] == ["2026-01-01%7Ceu.parquet"]
    mixed = pd.DataFrame({"payload": [{"a": 1}, 2, "three"]})
    with caplog.at_level(logging.WARNING, logger=log.name):
        assert keep_sample(tmp_path, "events", spec, "2026-01-01", mixed, log) is None
    assert "cannot keep a sample" in caplog.text and not list((tmp_path / "samples" / "events").iterdir())
