"""The per-process suite caches and the GX kwarg patch change no result (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import dq_monitor.expectations.validate as validate_module
from dq_monitor.demo import write_demo
from dq_monitor.expectations import gx_runtime, gx_speed, load_suite, validate_frame
from dq_monitor.expectations.suite import build_gx_suite


def _demo_frames(root: Path) -> list[tuple[str, str, pd.DataFrame]]:
    frames = []
    for path in sorted((root / "data" / "payments").glob("*.csv")):
        frames.append(("payments", path.stem, pd.read_csv(path)))
    for folder in sorted(p for p in (root / "data" / "web_traffic").iterdir() if p.is_dir()):
        parts = [pd.read_json(part, lines=True) for part in sorted(folder.glob("*.jsonl"))]
        frames.append(("web_traffic", folder.name, pd.concat(parts, ignore_index=True)))
    return frames


def _as_plain(outcome) -> str:
    return json.dumps({"passed": outcome.passed, "severity": outcome.severity.value, "message": outcome.message,
                       "metadata": outcome.metadata, "metrics": outcome.metrics,
                       "findings": [(f.severity.value, f.message, f.details, f.key) for f in outcome.findings]},
                      sort_keys=True, default=str)


def _uncached(path, *, default_name, display):
    return ("uncached",), load_suite(path, default_name=default_name, display=display)


def _validate_all(root: Path, frames) -> list[str]:
    return [_as_plain(validate_frame(frame, root / "expectations" / f"{ds}.json", ds, sid, ["txn_id"]))
            for ds, sid, frame in frames]


def test_every_demo_validation_is_identical_with_and_without_the_caches_and_the_gx_patch(tmp_path, monkeypatch):
    root = write_demo(tmp_path / "demo").root
    frames = _demo_frames(root)
    assert len(frames) == 32
    gx_runtime()
    assert gx_speed.install(), "the installed GX version is not one gx_speed was checked against"
    fast = _validate_all(root, frames)
    assert any('"passed": false' in o for o in fast) and any('"passed": true' in o for o in fast)

    gx_speed.uninstall()
    try:
        monkeypatch.setattr(validate_module, "cached_suite", _uncached)
        monkeypatch.setattr(validate_module, "cached_gx_suite", lambda key, suite, chosen: build_gx_suite(suite, chosen))
        plain = _validate_all(root, frames)
    finally:
        assert gx_speed.install()
    assert fast == plain


def test_the_patched_kwarg_lookups_return_what_gx_returns(tmp_path):
    root = write_demo(tmp_path / "demo").root
    gx_runtime()
    expectations = [e.gx for name in ("payments", "web_traffic")
                    for e in load_suite(root / "expectations" / f"{name}.json").expectations]
    runtime = {"result_format": {"result_format": "SUMMARY", "partial_unexpected_count": 20}}

    def lookups() -> list:
        return [(e._get_domain_kwargs(), e._get_success_kwargs(), e._get_runtime_kwargs(runtime),
                 e._get_runtime_kwargs(None), e._get_success_kwarg("column"), e._get_success_kwarg("mostly", 1.0))
                for e in expectations]

    assert gx_speed.install()
    patched = lookups()
    gx_speed.uninstall()
    try:
        original = lookups()
    finally:
        assert gx_speed.install()
    assert patched == original


def test_an_edited_suite_is_read_again_even_within_one_mtime_tick(tmp_path):
    frame = pd.DataFrame({"a": [1, 2, None]})
    path = tmp_path / "t.json"

    def write(column: str) -> None:
        path.write_text(json.dumps({"name": "t", "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": column}}]}))

    write("a")
    assert not validate_frame(frame, path, "t", "s1").passed
    write("b")  # same size, written at once: only the content tells the versions apart
    outcome = validate_frame(frame, path, "t", "s2")
    assert outcome.metadata["suite_problems"] == 1 and "'b'" in outcome.findings[0].message


@pytest.mark.parametrize("version", ["1.23.0", "2.0.0"])
def test_an_untested_gx_version_keeps_gx_own_methods(monkeypatch, version):
    import great_expectations as gx
    from great_expectations.expectations.expectation import Expectation

    gx_runtime()
    gx_speed.uninstall()
    try:
        original = Expectation.__dict__["_get_runtime_kwargs"]
        monkeypatch.setattr(gx, "__version__", version)
        assert gx_speed.install() is False
        assert Expectation.__dict__["_get_runtime_kwargs"] is original
    finally:
        monkeypatch.undo()
        assert gx_speed.install()
