"""No secret substring (database password, Slack webhook token) in any output, stored row, file or payload.

`check`, `findings` and `alerts flush` run as subprocesses with the secrets in the environment, against a
Postgres store whose URL carries a password (the local server trusts it) and the Slack stand-in; a first
delivery fails with bodies echoing only the token segment (whole, then truncated and lower-cased) and the
team segment. Every stdout/stderr, every text value of every store table,
every file under the project folder and every payload the stand-in received is searched, ignoring case.
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
TEAM = "T0SECRETTEAM"


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
        # Slack-style bodies echoing only the token segment (whole, then truncated and lower-cased) and the team.
        echo = Fault(500, f"invalid_token: {TOKEN} for team {TEAM}")
        slack.fail_next(echo, echo, Fault(403, f"invalid_token: {TOKEN[:12].lower()}... for team {TEAM} "
                                               f"(db {PASSWORD})"))
        env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "DQ_MONITOR_CONFIG")}
        env.update(DQ_MONITOR_DATABASE_URL=url,
                   DQ_MONITOR_SLACK_WEBHOOK_URL=slack.webhook_url(f"{TEAM}/B0SECRETBOT/{TOKEN}"))
        outputs = [_cli(["check", "--config", str(config), "--all"], tmp_path, env)]
        outputs.append(_cli(["alerts", "flush", "--config", str(config)], tmp_path, env))  # 500 twice: retrying
        outputs.append(_cli(["findings", "--config", str(config), "--format", "json"], tmp_path, env))
        outputs.append(_cli(["alerts", "flush", "--config", str(config), "--now"], tmp_path, env))  # 403: failed
        outputs.append(_cli(["alerts", "flush", "--config", str(config), "--format", "json"], tmp_path, env))
        outputs.append(_cli(["findings", "--config", str(config), "--format", "json"], tmp_path, env))
        payloads = [json.dumps(r.payload) + r.path for r in slack.requests]
    assert len(payloads) == 3 and all("orders" in p for p in payloads), payloads
    assert "invalid_token: **** for team ****" in outputs[1], outputs[1]  # the error is shown, masked
    assert "invalid_token: ****... for team **** (db ****)" in outputs[3], outputs[3]
    stored = store_text(postgres_url)
    assert "invalid_token: ****" in stored and "invalid_token: ****" in outputs[2] + outputs[5]
    files = [p.read_bytes().decode("utf-8", "replace") for p in tmp_path.rglob("*") if p.is_file()]
    searched = {"outputs": outputs, "store rows": [stored], "files": files,
                "payloads": [p.split("/services/")[0] for p in payloads]}
    for where, texts in searched.items():
        for secret in (PASSWORD, TOKEN, TEAM, "B0SECRETBOT", TOKEN[:12]):
            found = [t.lower().find(secret.lower()) for t in texts]
            leaks = [t[max(0, i - 200):i + 50] for t, i in zip(texts, found) if i >= 0]
            assert not leaks, f"{secret!r} leaked in {where}: {leaks[:2]}"
