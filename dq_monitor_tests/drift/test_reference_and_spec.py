"""The drift config section and the choice of reference snapshots."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from pydantic import ValidationError

from dq_monitor.core.outcome import Severity
from dq_monitor.drift import (
    DriftSpec,
    ReferenceSelection,
    ReferenceUnavailable,
    build_reference_frame,
    parse_spec,
    select_reference,
)

HISTORY = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]


def test_previous_is_the_default_and_picks_the_latest_earlier_snapshot():
    assert select_reference(HISTORY) == ReferenceSelection(("2024-01-04",), "single")
    assert select_reference(HISTORY + ["2024-01-05"], None, current_snapshot_id="2024-01-05").snapshot_ids == (
        "2024-01-04",
    )


def test_first_picks_the_oldest_snapshot():
    assert select_reference(HISTORY, {"reference": "first"}).snapshot_ids == ("2024-01-01",)


def test_a_fixed_snapshot_is_used_when_known_and_explained_when_not():
    spec = {"reference": {"strategy": "snapshot", "snapshot_id": "2024-01-02"}}
    assert select_reference(HISTORY, spec).description == "snapshot 2024-01-02"
    with pytest.raises(ReferenceUnavailable, match="'2023-12-31' is not among the known earlier snapshots"):
        select_reference(HISTORY, {"reference": {"strategy": "snapshot", "snapshot_id": "2023-12-31"}})
    with pytest.raises(ReferenceUnavailable, match="is the current snapshot itself"):
        select_reference(HISTORY, spec, current_snapshot_id="2024-01-02")


def test_a_window_takes_the_last_n_snapshots_in_order_and_records_how_rows_are_combined():
    concat = select_reference(HISTORY, {"reference": {"strategy": "window", "n": 3}})
    assert concat == ReferenceSelection(("2024-01-02", "2024-01-03", "2024-01-04"), "concat")
    assert concat.description == "window of 3 snapshots (2024-01-02, 2024-01-03, 2024-01-04; all rows)"
    sample = select_reference(HISTORY[:2], {"reference": {"strategy": "window", "n": 5, "mode": "sample",
                                                          "sample_rows": 10}})
    assert sample == ReferenceSelection(("2024-01-01", "2024-01-02"), "sample", sample_rows=10)


def test_the_first_snapshot_has_no_reference_and_says_so():
    with pytest.raises(ReferenceUnavailable, match="no earlier snapshot to compare with"):
        select_reference([], {"reference": "previous"})


def test_window_frames_are_concatenated_or_sampled_evenly_and_reproducibly():
    frames = [pd.DataFrame({"v": range(i * 100, i * 100 + 100)}) for i in range(3)]
    concat = build_reference_frame(frames, ReferenceSelection(("a", "b", "c"), "concat"))
    assert len(concat) == 300 and concat["v"].tolist() == list(range(300))
    selection = ReferenceSelection(("a", "b", "c"), "sample", sample_rows=30)
    sampled = build_reference_frame(frames, selection, seed=3)
    assert len(sampled) == 30
    assert [((sampled["v"] // 100) == i).sum() for i in range(3)] == [10, 10, 10]
    assert sampled.equals(build_reference_frame(frames, selection, seed=3))
    with pytest.raises(ValueError, match="expected 3 reference frames, got 2"):
        build_reference_frame(frames[:2], selection)


def test_the_spec_has_evidently_defaults_and_reads_the_yaml_shapes():
    spec = parse_spec(None)
    assert spec.mode == "dq_monitor"  # the calibrated test; mode: evidently gives Evidently's verdicts
    assert spec.drift_share == 0.5 and spec.severity is Severity.WARN and spec.blocking is False
    assert spec.reference.strategy == "previous" and spec.report_sample_rows == 5000 and spec.retention == 30
    full = parse_spec({"reference": {"strategy": "window", "n": 7, "mode": "sample"}, "columns": "temp",
                       "ignore_columns": ["id"], "per_column": {"temp": {"method": "psi", "threshold": 0.2}},
                       "severity": "ERROR", "blocking": True, "retention": 3})
    assert full.columns == ["temp"] and full.per_column["temp"].method == "psi" and full.severity is Severity.ERROR
    assert parse_spec(full) is full


def test_method_and_threshold_resolve_like_evidently_options():
    spec = DriftSpec(method="psi", cat_method="chisquare", threshold=0.3, num_threshold=0.2,
                     per_column={"a": {"threshold": 0.01}, "b": {"method": "ks"}})
    assert spec.method_and_threshold("a", "num") == ("psi", 0.01)
    assert spec.method_and_threshold("b", "num") == ("ks", 0.2)
    assert spec.method_and_threshold("c", "cat") == ("chisquare", 0.3)
    assert DriftSpec().method_and_threshold("c", "num") == (None, None)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"reference": {"strategy": "snapshot"}}, "needs 'snapshot_id'"),
        ({"reference": {"strategy": "window"}}, "needs 'n'"),
        ({"reference": {"strategy": "previous", "n": 3}}, "'n' only applies to strategy 'window'"),
        ({"reference": "latest"}, "previous"),
        ({"drift_share": 0}, "greater than 0"),
        ({"columns": ["a"], "ignore_columns": ["a"]}, "both listed"),
        ({"per_column": {"a": {"method": "nope"}}}, "unknown drift method 'nope'"),
        ({"retention": 0}, "greater than or equal to 1"),
        ({"sample": 10}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_drift_sections_fail_with_a_message_naming_the_problem(raw, message):
    with pytest.raises(ValidationError, match=message):
        parse_spec(raw)


def test_the_compare_path_imports_neither_dagster_nor_evidently():
    code = (
        "import sys, pandas as pd\n"
        "from dq_monitor.drift import compare, to_check_outcome, select_reference\n"
        "r = compare(pd.DataFrame({'a': [1.0, 2.0, 3.0]}), pd.DataFrame({'a': [1.0, 2.5, 3.0]}))\n"
        "to_check_outcome(r, 'd', 's')\n"
        "print(sorted(m for m in ('dagster', 'evidently') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
