"""The Evidently HTML report, its files on disk, and the drift check outcome."""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pytest

from dq_monitor.core.outcome import Severity
from dq_monitor.drift import (
    compare,
    drift_metrics,
    markdown_table,
    prune_report_artifacts,
    render_html,
    render_html_string,
    select_reference,
    to_check_outcome,
    write_report_artifact,
)
from dq_monitor.drift.render import sample_rows


@pytest.fixture(scope="module")
def drifted_pair() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(11)
    n = 20_000
    reference = pd.DataFrame({
        "temp": rng.normal(10, 3, n), "hum": rng.normal(50, 10, n), "kind": rng.choice(["a", "b"], n),
        "rarely_set": np.where(rng.random(n) < 0.0005, 1.0, np.nan),
    })
    current = pd.DataFrame({
        "temp": rng.normal(14, 3, n), "hum": rng.normal(50, 10, n), "kind": rng.choice(["a", "b"], n, p=[0.8, 0.2]),
        "rarely_set": np.where(rng.random(n) < 0.0005, 1.0, np.nan),
    })
    return reference, current


@pytest.fixture(scope="module")
def result(drifted_pair):
    return compare(*drifted_pair, {"mode": "evidently"})


def test_the_html_is_an_evidently_report_carrying_the_full_data_scores(drifted_pair, result, tmp_path):
    reference, current = drifted_pair
    path = render_html(reference, current, result, tmp_path / "r" / "report.html", sample_rows=500)
    page = path.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html") or "<html" in page[:500].lower()
    assert "Dataset Drift is detected. Dataset drift detection threshold is 0.5" in page  # Evidently's counter
    assert "Wasserstein distance (normed), full data" in page
    assert "Jensen-Shannon distance, full data" in page
    # The exact full-data score of temp, rounded the way Evidently's table shows it.
    assert f'"drift_score": {round(result.column("temp").score, 6)}' in page
    assert "computed on the full data (20000 reference rows, 20000 current rows)" in page
    assert re.search(r"uniform random sample \(\d+ reference rows, \d+ current rows\)", page)


def test_rendering_leaves_no_helper_stattests_registered_in_evidently(drifted_pair, result):
    from evidently.legacy.calculations.stattests.registry import _registered_stat_tests

    render_html_string(*drifted_pair, result, sample_rows_per_side=300)
    assert not [name for name in _registered_stat_tests if name.startswith("dq_monitor_")]


def test_the_sample_is_bounded_and_keeps_every_sparse_column_renderable(drifted_pair):
    reference, _ = drifted_pair
    sample = sample_rows(reference, ["temp", "rarely_set"], 200, seed=0)
    assert 200 <= len(sample) <= 300
    assert sample["rarely_set"].notna().any()
    assert sample.index.is_monotonic_increasing


def test_a_result_with_nothing_compared_still_renders_an_explanation(tmp_path):
    empty = compare(pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": []}, dtype=float))
    page = render_html_string(pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": []}, dtype=float), empty)
    assert "current data is empty (0 rows)" in page


def test_reports_are_written_per_dataset_and_snapshot_and_old_ones_pruned(tmp_path):
    first = write_report_artifact(tmp_path, "bikes", "2011-01", "<html>jan</html>")
    assert first == tmp_path / "bikes" / "drift" / "2011-01.html"
    odd = write_report_artifact(tmp_path, "bikes", "s3://bucket/2011-02?v=1", "<html>feb</html>")
    assert odd.parent == first.parent and odd.name.startswith("s3___bucket_2011-02_v_1-")
    third = write_report_artifact(tmp_path, "bikes", "2011-03", "<html>mar</html>")
    for age, path in enumerate([first, odd, third]):
        os.utime(path, ns=(1_000_000_000 * (age + 1), 1_000_000_000 * (age + 1)))
    write_report_artifact(tmp_path, "other", "2011-01", "<html>other</html>")

    removed = prune_report_artifacts(tmp_path, "bikes", keep=2)

    assert removed == [first]
    assert sorted(p.name for p in (tmp_path / "bikes" / "drift").iterdir()) == sorted([odd.name, third.name])
    assert third.read_text() == "<html>mar</html>"
    assert (tmp_path / "other" / "drift" / "2011-01.html").exists()
    assert prune_report_artifacts(tmp_path, "never_written", keep=1) == []
    with pytest.raises(ValueError, match="dataset name '../x'"):
        write_report_artifact(tmp_path, "../x", "s", "<html/>")


def test_the_check_outcome_lists_each_drifted_column_with_method_threshold_and_score(result, tmp_path):
    reference = select_reference(["2011-01", "2011-02"])
    outcome = to_check_outcome(result, "bikes", "2011-03", {"severity": "ERROR"}, reference, tmp_path / "r.html")

    assert outcome.check == "bikes_has_no_dataset_drift"
    assert outcome.passed is False and outcome.severity is Severity.ERROR
    assert outcome.message == "2 of 4 columns drifted (share 0.500, dataset drift at >= 0.5): dataset drift."
    by_key = {f.key: f for f in outcome.findings}
    assert set(by_key) == {"dataset", "drift:temp", "drift:kind"}
    temp = by_key["drift:temp"]
    assert temp.message.startswith("column 'temp' drifted: Wasserstein distance (normed) score 1.3")
    assert temp.details["method"] == "wasserstein" and temp.details["threshold"] == 0.1
    assert temp.details["score"] == result.column("temp").score
    assert temp.details["reference"] == "snapshot 2011-02" and temp.details["report"] == str(tmp_path / "r.html")
    assert by_key["dataset"].message == (
        "dataset drift in bikes: 2 of 4 columns drifted (share 0.500 >= 0.5) against snapshot 2011-02"
    )
    assert all(f.severity is Severity.ERROR and f.snapshot == "2011-03" for f in outcome.findings)
    assert outcome.metadata["reference"] == "snapshot 2011-02"
    assert outcome.metadata["drifted_columns"] == ["temp", "kind"]


def test_metrics_hold_the_share_and_every_compared_score(result):
    metrics = drift_metrics(result)
    assert metrics["drift_share"] == 0.5
    assert set(metrics) == {"drift_share", "drift_score:temp", "drift_score:hum", "drift_score:kind",
                            "drift_score:rarely_set"}
    assert metrics["drift_score:hum"] == result.column("hum").score


def test_the_markdown_table_has_one_row_per_column_and_the_verdict_line(result):
    table = markdown_table(result)
    lines = table.splitlines()
    assert lines[0] == "Dataset drift: **yes** — 2 of 4 columns drifted (share 0.500, threshold 0.5)"
    assert lines[2] == "| column | type | method | threshold | score | drifted | remarks |"
    rows = [line for line in lines[4:]]
    assert len(rows) == 4
    assert rows[0].startswith("| temp | numeric | Wasserstein distance (normed) | 0.1 | 1.3")
    assert rows[0].endswith("| **yes** |  |")
    assert rows[2].startswith("| kind | binary | Jensen-Shannon distance | 0.1 |")


def test_a_clean_comparison_passes_with_no_findings():
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"v": rng.normal(size=3000)})
    current = pd.DataFrame({"v": rng.normal(size=3000)})
    outcome = to_check_outcome(compare(reference, current), "d", "s")
    assert outcome.passed is True and outcome.findings == ()
    assert outcome.severity is Severity.WARN
