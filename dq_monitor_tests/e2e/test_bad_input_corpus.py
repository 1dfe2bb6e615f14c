"""Bad-input corpus (issue 18): every malformed config, file or argument ends in a readable answer.

Each case runs the real CLI in a subprocess (`python -m dq_monitor.cli`) next to a clean `control`
dataset in the same config and asserts: no traceback anywhere; either exit 2 with a config error
naming file, dataset and field, or a failed check / finding naming dataset, file, column and problem;
and the control dataset still checked. Independent bad datasets share one config (one subprocess), so
the whole file stays well under three minutes.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from dq_monitor_tests.support.alerting_config import alerts_section
from dq_monitor_tests.support.helpers import orders_csv

pytestmark = pytest.mark.timeout(300)


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("DAGSTER_HOME", "DQ_MONITOR_DATABASE_URL", "DQ_MONITOR_CONFIG")}
    full_env.update(env or {})
    done = subprocess.run([sys.executable, "-m", "dq_monitor.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=240)
    for stream in (done.stdout, done.stderr):
        assert "Traceback" not in stream, f"traceback for {args}:\n{done.stderr[-4000:]}"
    return done


def _csv_dataset(name: str, pattern: str = "*.csv", **overrides) -> dict:
    ds = {"name": name, "source": {"kind": "files", "path": f"data/{name}", "pattern": pattern, "format": "csv"}}
    ds.update(overrides)
    return ds


CONTROL = {
    "name": "control", "primary_key": ["id"], "timestamp_column": "ts",
    "source": {"kind": "files", "path": "data/control", "pattern": "*.csv", "format": "csv"},
    "schema": {"columns": {"id": {"type": "int", "nullable": False}, "ts": "datetime", "amount": "float",
                           "country": "string"}},
    "volume": {"min_rows": 50, "max_rows": 1000},
}


def _write_project(root: Path, datasets: list[dict], files: dict[str, bytes | str], **extra) -> Path:
    files = {**files, "data/control/control_2026-01-01.csv": orders_csv(1),
             "data/control/control_2026-01-02.csv": orders_csv(2)}
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    config = root / "dq_monitor.yaml"
    config.write_text(yaml.safe_dump({"storage": {"home": str(root / ".dq")}, "datasets": [CONTROL, *datasets],
                                      **extra}, sort_keys=False))
    return config


@dataclass
class Case:
    """One bad dataset: its config, its files, and what a finding (or every check, `clean`) must say."""

    id: str
    dataset: dict
    files: dict[str, bytes | str] = field(default_factory=dict)
    says: tuple[str, ...] = ()
    clean: bool = False
    setup: object = None  # callable(root) for what files cannot express (symlinks)


def _symlink_loop(root: Path) -> None:
    folder = root / "data" / "symloop"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good_2026-01-01.csv").write_text("id,v\n1,2\n")
    os.symlink("loop_b.csv", folder / "loop_a.csv")
    os.symlink("loop_a.csv", folder / "loop_b.csv")


_GOOD = "id,v\n1,2.5\n2,3.5\n"
_GZ = gzip.compress(_GOOD.encode())
RUNTIME_CASES = [
    Case("symlink_loop", _csv_dataset("symloop"), says=("loop_a.csv", "symbolic links"), setup=_symlink_loop),
    Case("pattern_matches_nothing", _csv_dataset("nomatch", pattern="*.parquet"),
         files={"data/nomatch/x.csv": _GOOD}, says=("no snapshot files match", "*.parquet", "data/nomatch")),
    Case("primary_key_missing_column", _csv_dataset("pkmissing", primary_key=["order_id"]),
         files={"data/pkmissing/a.csv": _GOOD}, says=("order_id", "primary_key")),
    Case("nul_byte_in_value", _csv_dataset("nulbyte"),
         files={"data/nulbyte/a.csv": b"id,name\n1,ab\x00cd\n2,ok\n"}, says=("a.csv", "NUL", "row 1", "name")),
    Case("mixed_date_formats", _csv_dataset("mixeddates", timestamp_column="ts"),
         files={"data/mixeddates/a.csv": "id,ts\n1,2026-03-02\n2,03/02/2026\n3,02.03.2026\n"},
         says=("'ts'", "mixed date formats", "YYYY-MM-DD", "MM/DD/YYYY", "DD.MM.YYYY")),
    Case("only_infinities", _csv_dataset("infs", schema={"columns": {"id": "int",
                                                                  "x": {"type": "float", "nullable": False}}}),
         files={"data/infs/a.csv": "id,x\n1,inf\n2,-inf\n"}, says=("'x'", "infinite")),
    Case("monitor_missing_column", _csv_dataset("monmissing", monitors=[{"metric": "null_rate", "column": "emial"}]),
         files={"data/monmissing/a.csv": _GOOD}, says=("emial", "monitors[0].column")),
    Case("drift_per_column_missing", _csv_dataset("driftmissing", drift={"per_column": {"temprature": {"method": "ks"}}}),
         files={"data/driftmissing/a.csv": _GOOD}, says=("temprature", "drift.per_column")),
    Case("timestamp_column_missing", _csv_dataset("tsmissing", timestamp_column="created"),
         files={"data/tsmissing/a.csv": _GOOD}, says=("created", "timestamp_column", "missing")),
    Case("csv_gz_by_suffix", _csv_dataset("gzsuffix", pattern="*.csv.gz"),
         files={"data/gzsuffix/a_2026-01-01.csv.gz": _GZ}, clean=True),
    Case("gzip_by_magic_bytes", _csv_dataset("gzmagic"), files={"data/gzmagic/a_2026-01-01.csv": _GZ}, clean=True),
    Case("headerless_csv_with_names", _csv_dataset("headerless", source={
        "kind": "files", "path": "data/headerless", "pattern": "*.csv", "format": "csv",
        "csv_options": {"header": None, "names": ["id", "v"]}}), files={"data/headerless/a.csv": "1,2\n2,3\n"},
         clean=True),
    Case("empty_file", _csv_dataset("emptyfile"), files={"data/emptyfile/a.csv": b""}, says=("a.csv", "empty")),
    Case("not_utf8", _csv_dataset("latin1"), files={"data/latin1/a.csv": "id,n\n1,caf\xe9\n".encode("latin-1")},
         says=("a.csv", "UTF-8")),
    Case("malformed_rows", _csv_dataset("ragged"), files={"data/ragged/a.csv": "id,v\n1,2\n3,4,5,6\n7,8\n"},
         says=("a.csv", "malformed", "line 3")),
    Case("duplicate_header", _csv_dataset("dupheader"), files={"data/dupheader/a.csv": "id,id\n1,2\n"},
         says=("a.csv", "duplicate")),
    Case("source_folder_missing", _csv_dataset("nofolder"), says=("data/nofolder", "does not exist")),
    Case("parquet_that_is_text", _csv_dataset("fakeparquet", source={
        "kind": "files", "path": "data/fakeparquet", "pattern": "*.parquet", "format": "parquet"}),
         files={"data/fakeparquet/a.parquet": _GOOD}, says=("a.parquet", "cannot parse as parquet")),
    Case("jsonl_garbage", _csv_dataset("badjson", source={
        "kind": "files", "path": "data/badjson", "pattern": "*.jsonl", "format": "jsonl"}),
         files={"data/badjson/a.jsonl": '{"id": 1}\n{not json\n[1,2]\n'}, says=("a.jsonl", "malformed line")),
    Case("non_nullable_null", _csv_dataset("nulls", schema={"columns": {"id": {"type": "int", "nullable": False},
                                                                       "v": "float"}}),
         files={"data/nulls/a.csv": "id,v\n1,2\n,3\n"}, says=("'id'", "null")),
]


@pytest.fixture(scope="module")
def runtime_corpus(tmp_path_factory) -> tuple[subprocess.CompletedProcess, list[dict], list[dict]]:
    root = tmp_path_factory.mktemp("corpus")
    files: dict[str, bytes | str] = {}
    for case in RUNTIME_CASES:
        files.update(case.files)
    config = _write_project(root, [c.dataset for c in RUNTIME_CASES], files)
    for case in RUNTIME_CASES:
        if case.setup:
            case.setup(root)
    checked = _run(["check", "--config", str(config), "--all", "--format", "json"], root)
    found = _run(["findings", "--config", str(config), "--format", "json"], root)
    assert found.returncode == 0, found.stderr
    evaluations = json.loads(checked.stdout)
    return checked, evaluations, json.loads(found.stdout)


def test_control_dataset_still_checked(runtime_corpus):
    checked, evaluations, _ = runtime_corpus
    assert checked.returncode == 1, checked.stderr[-3000:]
    control = [e for e in evaluations if e["dataset"] == "control"]
    assert len({e["snapshot"] for e in control}) == 2, checked.stderr[-3000:]
    assert control and all(e["result"] == "PASS" for e in control), control


@pytest.mark.parametrize("case", RUNTIME_CASES, ids=lambda c: c.id)
def test_runtime_case(runtime_corpus, case: Case):
    checked, evaluations, findings = runtime_corpus
    name = case.dataset["name"]
    mine = [e for e in evaluations if e["dataset"] == name]
    if case.clean:
        assert mine, f"{name} was not checked:\n{checked.stderr[-3000:]}"
        assert all(e["result"] == "PASS" for e in mine), [e for e in mine if e["result"] != "PASS"]
        return
    assert any(e["result"] == "FAIL" for e in mine), f"{name}: no failed check: {mine}"
    messages = [f["message"] + " " + json.dumps(f.get("details", {})) for f in findings if f["dataset"] == name]
    hits = [m for m in messages if all(s.lower() in m.lower() for s in case.says)]
    assert hits, f"{name}: no finding saying {case.says}; findings: {messages}"


#: Bad datasets whose problems the loader reports together: one config, one subprocess, every line checked.
STATIC_ERRORS = [
    ({**_csv_dataset("badcron"), "schedule": "99 99 * * *"}, ("'badcron'", "'schedule'")),
    (_csv_dataset("x" * 70), ("'name'", "63")),
    ({**_csv_dataset("typo"), "monitors": [{"metric": "row_cuont"}]}, ("'typo'", "monitors[0]", "row_cuont")),
    ({**_csv_dataset("extra"), "primery_key": ["id"]}, ("'extra'", "primery_key")),
    ({**_csv_dataset("fmt"), "source": {"kind": "files", "path": "d", "format": "xlsx"}}, ("'fmt'", "format")),
]
#: Config errors that stop loading on their own (each its own file).
CONFIG_ERRORS = [
    ("no_datasets", {"datasets": []}, ("no datasets", "'datasets'")),
    ("duplicate_names", {"datasets": [CONTROL, _csv_dataset("twice"), _csv_dataset("twice")]}, ("twice",)),
    ("closed_schema_primary_key", {"datasets": [CONTROL, {**_csv_dataset("closedpk"), "primary_key": ["nope"],
                                                          "schema": {"columns": {"id": "int"}}}]},
     ("'closedpk'", "primary_key[0]", "nope")),
    ("closed_schema_drift_per_column", {"datasets": [CONTROL, {**_csv_dataset("closeddrift"),
                                                               "drift": {"per_column": {"nope": {}}},
                                                               "schema": {"columns": {"id": "int"}}}]},
     ("'closeddrift'", "drift.per_column", "nope")),
    ("not_yaml", "datasets: [\n  - name: {", ("not valid YAML",)),
]


def _config_error(tmp_path: Path, doc) -> str:
    config = tmp_path / "dq_monitor.yaml"
    config.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
    done = _run(["check", "--config", str(config), "--all"], tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert done.stderr.startswith("dq-monitor: error:") or "\ndq-monitor: error:" in done.stderr, done.stderr
    assert "dq_monitor.yaml" in done.stderr, done.stderr
    return done.stderr


@pytest.fixture(scope="module")
def static_errors(tmp_path_factory) -> str:
    return _config_error(tmp_path_factory.mktemp("static"), {"datasets": [CONTROL, *(d for d, _ in STATIC_ERRORS)]})


@pytest.mark.parametrize("index", range(len(STATIC_ERRORS)), ids=[d["name"][:12] for d, _ in STATIC_ERRORS])
def test_static_config_error(static_errors: str, index: int):
    says = STATIC_ERRORS[index][1]
    lines = [x for x in static_errors.splitlines() if all(s.lower() in x.lower() for s in says)]
    assert lines, (says, static_errors)
    assert "dq_monitor.yaml" in lines[0]


@pytest.mark.parametrize("doc,says", [c[1:] for c in CONFIG_ERRORS], ids=[c[0] for c in CONFIG_ERRORS])
def test_config_error(tmp_path: Path, doc, says):
    stderr = _config_error(tmp_path, doc)
    for s in says:
        assert s.lower() in stderr.lower(), (s, stderr)


UNREACHABLE = "postgresql+psycopg2://dq:hunter2pw@127.0.0.1:9/dq"
CLI_ERRORS = [
    ("demo_days_too_few", ["demo", "--dir", "demo_out", "--days", "8"], ("--days",)),
    ("findings_unreachable_db", ["findings", "--database-url", UNREACHABLE], ("127.0.0.1",)),
    ("db_upgrade_unreachable_db", ["db", "upgrade", "--database-url", UNREACHABLE], ("127.0.0.1",)),
    ("alerts_flush_unreachable_db", ["alerts", "flush", "--config", "dq_monitor.yaml", "--database-url", UNREACHABLE],
     ("127.0.0.1",)),
    ("check_unknown_dataset", ["check", "--config", "dq_monitor.yaml", "--dataset", "nope"], ("nope",)),
    ("check_snapshot_and_all", ["check", "--config", "dq_monitor.yaml", "--snapshot", "x", "--all"], ("--all",)),
    ("missing_config_file", ["check", "--config", "missing.yaml"], ("missing.yaml",)),
]


@pytest.mark.parametrize("argv,says", [c[1:] for c in CLI_ERRORS], ids=[c[0] for c in CLI_ERRORS])
def test_cli_usage_error(tmp_path: Path, argv, says):
    _write_project(tmp_path, [], {}, alerts=alerts_section())
    done = _run(argv, tmp_path, {"DQ_MONITOR_SLACK_WEBHOOK_URL": "http://127.0.0.1:9/hook"})
    assert done.returncode == 2, (done.stdout[-2000:], done.stderr[-3000:])
    lines = [x for x in done.stderr.strip().splitlines() if x.startswith("dq-monitor: error:")]
    assert len(lines) == 1, done.stderr
    assert "hunter2pw" not in done.stderr + done.stdout
    for s in says:
        assert s in lines[0], (s, lines[0])
