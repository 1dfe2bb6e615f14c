"""Bad-input corpus (issue 18): every malformed config, file or argument ends in a readable answer.

Each case runs the real CLI in a subprocess (`python -m dq_monitor.cli`) next to a clean `control`
dataset in the same config and asserts: no traceback anywhere; either exit 2 with a config error
naming file, dataset and field, or a failed check / finding naming dataset, file, column and problem;
and the control dataset still checked. Independent bad datasets share one config (one subprocess), so
the whole file stays well under three minutes.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import re
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


def _empty_folder(root: Path) -> None:
    (root / "data" / "emptydir").mkdir(parents=True, exist_ok=True)


def _dangling_symlink(root: Path) -> None:
    folder = root / "data" / "danglink"
    folder.mkdir(parents=True, exist_ok=True)
    os.symlink("gone.csv", folder / "a.csv")


def _suite(name: str, *expectations: dict) -> str:
    return json.dumps({"name": name, "expectations": list(expectations)})


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
    # Sources with nothing to check: never a quiet "no snapshots".
    Case("empty_source_folder", _csv_dataset("emptydir"), says=("data/emptydir", "no snapshot files", "folder is empty"),
         setup=_empty_folder),
    Case("folder_unit_no_matching_files", _csv_dataset("foldernomatch", source={
        "kind": "files", "path": "data/foldernomatch", "pattern": "*.csv", "format": "csv", "snapshot_unit": "folder"}),
         files={"data/foldernomatch/2026-01-01/a.txt": "x"}, says=("no snapshot files match", "snapshot_unit")),
    Case("dangling_symlink", _csv_dataset("danglink"), says=("a.csv", "cannot open file", "no such file"),
         setup=_dangling_symlink),
    # Files.
    Case("binary_garbage", _csv_dataset("garbage"), files={"data/garbage/a.csv": bytes(range(256)) * 4},
         says=("a.csv", "not valid UTF-8")),
    Case("truncated_gzip", _csv_dataset("badgz", pattern="*.csv.gz"), files={"data/badgz/a.csv.gz": _GZ[:15]},
         says=("a.csv.gz", "cannot be decompressed")),
    Case("header_only", _csv_dataset("headeronly"), files={"data/headeronly/a.csv": "id,v\n"},
         says=("a.csv", "no data rows")),
    Case("empty_parquet", _csv_dataset("emptyparquet", source={
        "kind": "files", "path": "data/emptyparquet", "pattern": "*.parquet", "format": "parquet"}),
         files={"data/emptyparquet/a.parquet": b""}, says=("a.parquet", "empty")),
    Case("utf8_bom_header", _csv_dataset("bom", schema={"columns": {"id": "int", "v": "float"}}),
         files={"data/bom/a.csv": "\ufeffid,v\n1,2.5\n".encode()}, clean=True),
    Case("crlf_line_endings", _csv_dataset("crlf", schema={"columns": {"id": "int", "v": "float"}}),
         files={"data/crlf/a.csv": "id,v\r\n1,2.5\r\n2,3\r\n"}, clean=True),
    Case("semicolon_delimiter", _csv_dataset("semicolon", schema={"columns": {"id": "int", "v": "float"}}),
         files={"data/semicolon/a.csv": "id;v\n1;2.5\n"}, says=("semicolon/a", "'id;v'", "unexpected column")),
    Case("semicolon_delimiter_without_schema", _csv_dataset("semicolon2"),
         files={"data/semicolon2/a.csv": "id;v\n1;2.5\n"}, says=("a.csv", "'id;v'", "';'", "csv_options.sep")),
    Case("tsv_by_suffix", _csv_dataset("tsv", pattern="*.tsv", schema={"columns": {"id": "int", "v": "float"}}),
         files={"data/tsv/a.tsv": "id\tv\n1\t2.5\n"}, clean=True),
    Case("type_mismatch", _csv_dataset("typemismatch", schema={"columns": {"id": "int", "v": "float"}}),
         files={"data/typemismatch/a.csv": "id,v\n1,abc\n2,def\n"}, says=("typemismatch/a", "'v'", "expected float")),
    Case("duplicate_primary_key", _csv_dataset("dupkey", primary_key=["id"]),
         files={"data/dupkey/a.csv": "id,v\n1,2\n1,3\n"}, says=("dupkey/a", "primary_key (id)", "repeated", "[2]")),
    Case("null_primary_key", _csv_dataset("nullkey", primary_key=["id"]),
         files={"data/nullkey/a.csv": "id,v\n1,2\n,3\n"}, says=("nullkey/a", "primary_key (id)", "null", "[2]")),
    Case("nested_jsonl", _csv_dataset("nested", source={
        "kind": "files", "path": "data/nested", "pattern": "*.jsonl", "format": "jsonl"}),
         files={"data/nested/a.jsonl": '{"id": 1, "v": {"a": [1, 2]}}\n{"id": 2, "v": {"a": []}}\n'}, clean=True),
    Case("unparseable_timestamps", _csv_dataset("badts", timestamp_column="ts"),
         files={"data/badts/a.csv": "id,ts\n1,notadate\n2,alsono\n"}, says=("a.csv", "'ts'", "not timestamps")),
    Case("huge_cell", _csv_dataset("hugecell"), files={"data/hugecell/a.csv": "id,v\n1," + "x" * 200_000 + "\n"},
         clean=True),
    # Suites.
    Case("suite_file_missing", _csv_dataset("nosuite", expectations={"suite": "expectations/missing.json"}),
         files={"data/nosuite/a.csv": _GOOD}, says=("nosuite/a", "missing.json", "not found")),
    Case("suite_not_json", _csv_dataset("badsuite", expectations={"suite": "expectations/bad.json"}),
         files={"data/badsuite/a.csv": _GOOD, "expectations/bad.json": "{not json"},
         says=("badsuite/a", "bad.json", "not valid JSON")),
    Case("suite_unknown_expectation", _csv_dataset("unknownexp", expectations={"suite": "expectations/unk.json"}),
         files={"data/unknownexp/a.csv": _GOOD, "expectations/unk.json": _suite(
             "unk", {"type": "expect_column_to_be_awesome", "kwargs": {"column": "id"}})},
         says=("unk.json", "expectation #1", "unknown expectation type")),
    Case("suite_missing_column", _csv_dataset("suitecol", expectations={"suite": "expectations/col.json"}),
         files={"data/suitecol/a.csv": _GOOD, "expectations/col.json": _suite(
             "col", {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "emial"}})},
         says=("col.json", "'emial'", "not in the snapshot")),
    # Columns other features name.
    Case("monitor_numeric_metric_on_text", _csv_dataset("montext", monitors=[{"metric": "mean", "column": "name"}]),
         files={"data/montext/a.csv": "id,name\n1,ab\n2,cd\n"},
         says=("a.csv", "'name'", "monitors[0].column", "'mean'", "needs numbers")),
    Case("anomalies_missing_column", _csv_dataset("anomcol", anomalies={"columns": ["nope"]}),
         files={"data/anomcol/a.csv": _GOOD}, says=("a.csv", "'nope'", "anomalies.columns[0]", "missing")),
]


def _check_corpus(root: Path) -> tuple[subprocess.CompletedProcess, list[dict], list[dict]]:
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
    return checked, json.loads(checked.stdout), json.loads(found.stdout)


@pytest.fixture(scope="module")
def runtime_corpus(tmp_path_factory) -> tuple[subprocess.CompletedProcess, list[dict], list[dict]]:
    """One `check --all` of every runtime case; under pytest-xdist the first worker runs it, the others read it."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return _check_corpus(tmp_path_factory.mktemp("corpus"))
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker of this session
    with open(shared / "corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cache = shared / "corpus.json"
        if not cache.exists():
            checked, evaluations, findings = _check_corpus(shared / "corpus")
            cache.write_text(json.dumps([checked.returncode, checked.stdout, checked.stderr, evaluations, findings]))
        code, out, err, evaluations, findings = json.loads(cache.read_text())
    return subprocess.CompletedProcess([], code, out, err), evaluations, findings


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
    ({**_csv_dataset("minmax"), "volume": {"min_rows": 100, "max_rows": 10}}, ("'minmax'", "'volume'", "max_rows")),
    ({**_csv_dataset("badage"), "freshness": {"max_age": "abc"}}, ("'badage'", "freshness.max_age", "'abc'")),
    ({**_csv_dataset("nocol"), "monitors": [{"metric": "null_rate"}]}, ("'nocol'", "monitors[0]", "column")),
    ({**_csv_dataset("ftp"), "source": {"kind": "ftp", "path": "x"}}, ("'ftp'", "'source'", "'ftp'")),
    (_csv_dataset("my data"), ("'my data'", "'name'", "identifier")),
    ({**_csv_dataset("unit"), "source": {"kind": "files", "path": "d", "format": "csv", "snapshot_unit": "table"}},
     ("'unit'", "source.snapshot_unit")),
    ({**_csv_dataset("coltype"), "schema": {"columns": {"id": "integer"}}}, ("'coltype'", "schema.columns.id.type")),
    ({**_csv_dataset("refsnap"), "drift": {"reference": {"strategy": "snapshot"}}},
     ("'refsnap'", "drift.reference", "snapshot_id")),
    ({**_csv_dataset("negsens"), "monitors": [{"metric": "row_count", "sensitivity": -1}]},
     ("'negsens'", "monitors[0].sensitivity")),
    ({**_csv_dataset("badsev"), "volume": {"min_rows": 1, "severity": "FATAL"}}, ("'badsev'", "volume.severity")),
    ({**_csv_dataset("detector"), "anomalies": {"detector": "magic"}}, ("'detector'", "'anomalies'", "'magic'")),
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
    ("empty_file", "", ("top level", "'datasets'")),
    ("top_level_list", "- a\n- b\n", ("top level", "'datasets'")),
    ("datasets_key_missing", {"storage": {"home": ".dq"}}, ("'datasets'", "missing")),
    ("alerts_unknown_receiver", {"datasets": [CONTROL], "alerts": {"route": {"receiver": "nobody"}}},
     ("'alerts'", "'nobody'", "not defined")),
]


def _main(argv: list[str], cwd: Path, monkeypatch, capsys, env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess:
    """The CLI in-process (no interpreter start-up per case); an escaping exception fails the test."""
    from dq_monitor.cli import main

    monkeypatch.chdir(cwd)
    for var in ("DAGSTER_HOME", "DQ_MONITOR_DATABASE_URL", "DQ_MONITOR_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in (env or {}).items():
        monkeypatch.setenv(var, value)
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, err[-4000:]
    return subprocess.CompletedProcess(argv, code, out, err)


def _config_error(tmp_path: Path, doc, run=_run) -> str:
    config = tmp_path / "dq_monitor.yaml"
    config.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
    done = run(["check", "--config", str(config), "--all"], tmp_path)
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
def test_config_error(tmp_path: Path, doc, says, monkeypatch, capsys):
    stderr = _config_error(tmp_path, doc, lambda argv, cwd: _main(argv, cwd, monkeypatch, capsys))
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
    ("config_is_a_folder", ["check", "--config", "data"], ("data", "is a folder")),
    ("config_not_utf8", ["check", "--config", "latin1.yaml"], ("latin1.yaml", "UTF-8")),
    ("check_unknown_snapshot", ["check", "--config", "dq_monitor.yaml", "--dataset", "control", "--snapshot", "nope"],
     ("'control'", "'nope'")),
    ("findings_bad_since", ["findings", "--since", "notadate"], ("--since", "notadate")),
    ("findings_bad_status", ["findings", "--status", "bogus"], ("--status", "bogus")),
    ("demo_days_not_a_number", ["demo", "--dir", "demo_out", "--days", "abc"], ("--days", "abc")),
    ("silence_bad_matcher", ["silence", "add", "--config", "dq_monitor.yaml", "-m", "bad"], ("matcher", "'bad'")),
    ("silence_expire_unknown", ["silence", "expire", "--config", "dq_monitor.yaml", "nope"], ("'nope'",)),
    ("alerts_flush_without_alerts", ["alerts", "flush", "--config", "plain.yaml"], ("plain.yaml", "alerts")),
]


@pytest.mark.parametrize("argv,says", [c[1:] for c in CLI_ERRORS], ids=[c[0] for c in CLI_ERRORS])
def test_cli_usage_error(tmp_path: Path, argv, says, monkeypatch, capsys):
    _write_project(tmp_path, [], {}, alerts=alerts_section())
    (tmp_path / "plain.yaml").write_text(yaml.safe_dump({"datasets": [CONTROL]}))
    (tmp_path / "latin1.yaml").write_bytes("datasets: []  # caf\xe9\n".encode("latin-1"))
    done = _main(argv, tmp_path, monkeypatch, capsys, {"DQ_MONITOR_SLACK_WEBHOOK_URL": "http://127.0.0.1:9/hook"})
    assert done.returncode == 2, (done.stdout[-2000:], done.stderr[-3000:])
    # Ours say "dq-monitor: error:", argparse's "dq-monitor <command>: error:".
    lines = [x for x in done.stderr.strip().splitlines() if re.match(r"dq-monitor( [a-z-]+)*: error:", x)]
    assert len(lines) == 1, done.stderr
    assert "hunter2pw" not in done.stderr + done.stdout
    for s in says:
        assert s in lines[0], (s, lines[0])


def test_a_file_deleted_between_discovery_and_read_is_a_finding(tmp_path: Path, monkeypatch, capsys):
    """The run reads the file listed at discovery; it is gone by then: a failed check naming the file."""
    from dq_monitor.defs import automation

    config = _write_project(tmp_path, [_csv_dataset("vanish")], {"data/vanish/v_2026-01-01.csv": _GOOD})
    listed = automation.discover_snapshots

    def list_then_delete(dataset, root_path):
        refs = listed(dataset, root_path)
        if dataset.name == "vanish":
            for ref in refs:
                for file in ref.files:
                    os.remove(file)
        return refs

    monkeypatch.setattr(automation, "discover_snapshots", list_then_delete)
    checked = _main(["check", "--config", str(config), "--all", "--format", "json"], tmp_path, monkeypatch, capsys)
    evaluations = json.loads(checked.stdout)
    assert checked.returncode == 1, checked.stderr[-3000:]
    mine = [e for e in evaluations if e["dataset"] == "vanish"]
    assert any(e["result"] == "FAIL" for e in mine), mine
    assert {e["result"] for e in evaluations if e["dataset"] == "control"} == {"PASS"}
    found = _main(["findings", "--config", str(config), "--format", "json"], tmp_path, monkeypatch, capsys)
    messages = [f["message"] for f in json.loads(found.stdout) if f["dataset"] == "vanish"]
    assert any("v_2026-01-01.csv" in m and "no such file" in m.lower() for m in messages), messages
