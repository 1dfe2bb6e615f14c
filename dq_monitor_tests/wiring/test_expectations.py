"""The GX suite as an asset check on the demo data, and suite suggestion round-trip through the CLI."""

import json
from pathlib import Path

import pytest

from dq_monitor.cli import main
from dq_monitor.config import load_config
from dq_monitor.expectations import load_suite, validate_frame
from dq_monitor.snapshots import discover_snapshots, read_snapshot
from dq_monitor.store import Store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(out)]) == 0
    return out


def _frames(demo: Path, dataset: str) -> dict[str, object]:
    project = load_config(demo / "dq_monitor.yaml")
    ds = project.dataset(dataset)
    return {r.snapshot_id: r for r in discover_snapshots(ds, str(project.resolve(ds.source.path)))}, ds


@pytest.mark.parametrize("dataset", ["payments", "web_traffic"])
def test_the_suites_shipped_in_expectations_load_without_problems(dataset: str) -> None:
    suite = load_suite(REPO / "expectations" / f"{dataset}.json")
    assert suite.expectations and not suite.problems


def test_the_suite_check_fails_the_nulls_day_with_row_keys_as_evidence(demo: Path) -> None:
    config = str(demo / "dq_monitor.yaml")
    assert main(["check", "--config", config, "--dataset", "payments", "--snapshot", "payments_2026-03-10"]) == 1
    assert main(["check", "--config", config, "--dataset", "payments", "--snapshot", "payments_2026-03-08"]) == 0
    store = Store(f"sqlite:///{demo / '.dq_monitor/findings.db'}")
    findings = store.findings(snapshot="payments_2026-03-10", check="payments_passes_expectation_suite")
    email = next(f for f in findings if f.details.get("column") == "email")
    assert email.details["expectation_type"] == "expect_column_values_to_not_be_null"
    assert email.details["unexpected_count"] > 0 and email.details["primary_key"] == ["txn_id"]
    rows = email.details["sample_failing_rows"]
    assert rows and all(r["email"] is None and isinstance(r["txn_id"], int) for r in rows)
    clean = store.evaluations(snapshot="payments_2026-03-08")
    assert next(e for e in clean if e.check == "payments_passes_expectation_suite").passed


def test_a_suggested_suite_passes_clean_snapshots_and_fails_the_visible_faults(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "payments.json"
    assert main(["suggest-expectations", "--config", str(demo / "dq_monitor.yaml"), "--dataset", "payments",
                 "--snapshots", "6", "--until", "payments_2026-03-06", "--out", str(out)]) == 0
    suite = json.loads(out.read_text())
    assert suite["expectations"] and all("meta" in e for e in suite["expectations"])
    refs, ds = _frames(demo, "payments")
    pk = ["txn_id"]
    for clean in ("payments_2026-03-08", "payments_2026-03-09", "payments_2026-03-11"):
        outcome = validate_frame(read_snapshot(ds, refs[clean]).frame, out, "payments", clean, pk)
        assert outcome.passed, (clean, outcome.message)
    nulls = validate_frame(read_snapshot(ds, refs["payments_2026-03-10"]).frame, out, "payments", "x", pk)
    assert not nulls.passed
    assert {f.details.get("column") for f in nulls.findings} >= {"email", "merchant"}


def test_a_suggested_web_traffic_suite_fails_the_new_category_day(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "web.json"
    assert main(["suggest-expectations", "--config", str(demo / "dq_monitor.yaml"), "--dataset", "web_traffic",
                 "--snapshots", "6", "--until", "2026-03-07", "--out", str(out)]) == 0
    refs, ds = _frames(demo, "web_traffic")
    assert validate_frame(read_snapshot(ds, refs["2026-03-11"]).frame, out, "web_traffic", "c", ["request_id"]).passed
    fault = validate_frame(read_snapshot(ds, refs["2026-03-12"]).frame, out, "web_traffic", "f", ["request_id"])
    assert not fault.passed
    assert {f.details.get("column") for f in fault.findings} & {"user_agent", "status_code"}
