"""No secret substring (database password, Slack webhook token) in any output, stored row, file or payload.

`check`, `findings` and `alerts flush` run as subprocesses with the secrets in the environment, against a
Postgres store whose URL carries a password (the local server trusts it) and the Slack stand-in; a first
delivery fails with a body echoing the token. Every stdout/stderr, every text value of every store table,
every file under the project folder and every payload the stand-in received is searched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dq_monitor_tests.support.alerts import Fault, SlackStandIn
from dq_monitor_tests.support.helpers import orders_csv, store_text

pytestmark = pytest.mark.timeout(300)

PASSWORD = "pwS3CRETdb42"
TOKEN = "xoxSECRETtoken77"


def _cli(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "dq_monitor.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stdout + done.stderr


def test_no_secret_in_outputs_rows_files_or_payloads(tmp_path: Path, postgres_url: str):
    url = postgres_url.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    folder = tmp_path / "data" / "orders"
    folder.mkdir(parents=True)
    (folder / "orders_2026-01-01.csv").write_text(orders_csv(1, rows=20))  # below min_rows: an ERROR finding
    config = tmp_path / "dq_monitor.yaml"
    config.write_text(yaml.safe_dump({
        "storage": {"home": str(tmp_path / ".dq")},
        "datasets": [{"name": "orders", "source": {"kind": "files", "path": "data/orders", "pattern": "*.csv",
                                                   "format": "csv"}, "volume": {"min_rows": 50}}],
        "alerts": {"base_url": "http://127.0.0.1:3000",
                   "receivers": {"slack": {"slack_webhook": {"url_env": "DQ_MONITOR_SLACK_WEBHOOK_URL"}}},
                   "route": {"receiver": "slack", "group_by": ["dataset", "snapshot"], "group_wait": "0s",
                             "group_interval": "1s", "repeat_interval": "4h"}},
    }, sort_keys=False))
    with SlackStandIn() as slack:
        slack.fail_next(Fault(500, f"invalid_token: {TOKEN}"))
        env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "DQ_MONITOR_CONFIG")}
        env.update(DQ_MONITOR_DATABASE_URL=url, DQ_MONITOR_SLACK_WEBHOOK_URL=slack.webhook_url(f"T0/B0/{TOKEN}"))
        outputs = [_cli(["check", "--config", str(config), "--all"], tmp_path, env)]
        outputs.append(_cli(["alerts", "flush", "--config", str(config)], tmp_path, env))
        outputs.append(_cli(["alerts", "flush", "--config", str(config)], tmp_path, env))
        outputs.append(_cli(["findings", "--config", str(config), "--format", "json"], tmp_path, env))
        payloads = [json.dumps(r.payload) + r.path for r in slack.requests]
    assert any("orders" in p for p in payloads), "no alert reached the stand-in"
    files = [p.read_bytes().decode("utf-8", "replace") for p in tmp_path.rglob("*") if p.is_file()]
    searched = {"outputs": outputs, "store rows": [store_text(postgres_url)], "files": files,
                "payloads": [p.split("/services/")[0] for p in payloads]}
    for where, texts in searched.items():
        for secret in (PASSWORD, TOKEN):
            leaks = [t[max(0, t.find(secret) - 200):t.find(secret) + 50] for t in texts if secret in t]
            assert not leaks, f"{secret!r} leaked in {where}: {leaks[:2]}"
