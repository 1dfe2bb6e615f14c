"""Benchmark: 1,000 pending findings routed and delivered to local stand-ins (target: under 10 s).

Real transports on localhost: a Slack stand-in HTTP server (incoming webhook and
chat.postMessage, in this process) and an SMTP server (aiosmtpd, in its own
process, as a mail server would be). Each scenario runs one
`run_once` pass over 1,000 open findings, checks that every group arrived
exactly once, then runs a second pass that must send nothing (dedup).

    python bench/alerts.py                       # SQLite ledger (+ Postgres if reachable), migrated like the store
    DQ_MONITOR_TEST_PG_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/postgres python bench/alerts.py
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from dq_monitor.alerts import AlertsConfig, SqlDeliveryLedger, run_once
from dq_monitor.store import Store
from dq_monitor_tests.support.alerts import SlackStandIn, free_port, make_alert
from dq_monitor_tests.support.postgres import pg_available, throwaway_database

TARGET_SECONDS = 10.0
N_FINDINGS = 1000
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def findings(n: int) -> list:
    """`n` open findings: 50 datasets x 20 checks, mixed check types and severities, with details and rows."""
    types = ["schema", "volume", "freshness", "expectations", "drift", "anomaly"]
    out = []
    for i in range(n):
        ds, check = i % 50, i // 50
        out.append(make_alert(
            f"fp{i:05d}", dataset=f"dataset_{ds:02d}", snapshot="2024-03-01", check=f"dataset_{ds:02d}_check_{check}",
            check_type=types[check % len(types)] if check % len(types) else "expectations",
            severity="ERROR" if i % 3 else "WARN", message=f"check {check} failed on dataset {ds}",
            details={"observed": i * 1.5, "expected": "<= 10", "drift_share": 0.3,
                     "top_rows": [{"id": r, "value": r * 2.5} for r in range(8)]},
            created_at=NOW - timedelta(minutes=10),
        ))
    return out


def config(slack: SlackStandIn, group_by: list[str], receivers: tuple[str, ...]) -> AlertsConfig:
    specs = {
        "webhook": {"slack_webhook": {"url_env": "BENCH_WEBHOOK"}},
        "bot": {"slack_bot": {"token_env": "BENCH_TOKEN", "channel": "#dq", "base_url": slack.api_url}},
        "mail": {"email": {"smtp_host_env": "BENCH_SMTP_HOST", "smtp_port_env": "BENCH_SMTP_PORT",
                           "to": ["dq@example.com"], "starttls": False}},
    }
    return AlertsConfig.model_validate({
        "receivers": {r: specs[r] for r in receivers},
        "route": {"receiver": receivers[0], "group_by": group_by, "group_wait": "30s",
                  "routes": [{"receiver": r, "continue": True} for r in receivers]},
        "inhibit_rules": [], "owners_route": {"enabled": False},
    })


def migrated_store(url: str) -> Store:
    """The findings store the alert sensor would use (SQLite in WAL mode), its tables made by the migrations."""
    store = Store(url)
    store.upgrade()
    return store


def make_ledger(kind: str, workdir: Path):
    if kind == "sqlite":
        store = migrated_store(f"sqlite:///{workdir / f'{uuid.uuid4().hex}.db'}")
        return SqlDeliveryLedger(store.engine), store.dispose
    database = throwaway_database("dqm_bench")
    _name, url = database.__enter__()
    store = migrated_store(url)

    def drop() -> None:
        store.dispose()
        database.__exit__(None, None, None)

    return SqlDeliveryLedger(store.engine), drop


class SmtpProcess:
    """The SMTP stand-in in its own process (a real mail server is one), recording to a JSON-lines file."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.record = workdir / f"smtp-{uuid.uuid4().hex[:8]}.jsonl"
        self.record.touch()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dq_monitor_tests.support.alerts", "smtp", "--port", str(self.port),
             "--record", str(self.record)], stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert "listening" in (self.proc.stdout.readline() if self.proc.stdout else "")

    def received(self, expected: int, wait: float = 10.0) -> int:
        deadline = time.monotonic() + wait
        while True:
            count = len(self.record.read_text().splitlines())
            if count >= expected or time.monotonic() > deadline:
                time.sleep(0.2)  # anything beyond `expected` (a duplicate) shows up too
                return len(self.record.read_text().splitlines())
            time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def run_scenario(name: str, group_by: list[str], receivers: tuple[str, ...], ledger_kind: str,
                 workdir: Path) -> dict:
    with SlackStandIn(bot_token="xoxb-bench") as slack:
        smtp = SmtpProcess(workdir)
        try:
            env = {"BENCH_WEBHOOK": slack.webhook_url(), "BENCH_TOKEN": "xoxb-bench",
                   "BENCH_SMTP_HOST": "127.0.0.1", "BENCH_SMTP_PORT": str(smtp.port)}
            cfg = config(slack, group_by, receivers)
            ledger, cleanup = make_ledger(ledger_kind, workdir)
            alerts = findings(N_FINDINGS)
            started = time.perf_counter()
            report = run_once(alerts, cfg, ledger, now=NOW, env=env)
            first = time.perf_counter() - started
            started = time.perf_counter()
            again = run_once(alerts, cfg, ledger, now=NOW + timedelta(minutes=10), env=env)
            second = time.perf_counter() - started
            sent = report.count("sent")
            emails = sum(1 for o in report.outcomes if o.notification.channel.integration == "email")
            received = len(slack.delivered()) + smtp.received(emails)
            groups = len({o.notification.group_key for o in report.outcomes})
            delivered_fps = {fp for fp, s in report.alert_states.items() if s == "sent"}
            ok = (received == sent == len(report.outcomes) and len(delivered_fps) == N_FINDINGS
                  and again.outcomes == [])
            if cleanup:
                cleanup()
        finally:
            smtp.stop()
    return {"scenario": name, "ledger": ledger_kind, "groups": groups, "messages": received, "first": first,
            "second": second, "second_sends": again.count("sent"), "ok": ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ledgers", default="sqlite,postgres")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    kinds = [k for k in args.ledgers.split(",") if k != "postgres" or pg_available()]
    scenarios = [
        ("grouped by dataset+snapshot -> Slack webhook, Slack bot, email", ["dataset", "snapshot"],
         ("webhook", "bot", "mail")),
        ("one group per finding -> Slack webhook", ["..."], ("webhook",)),
        ("one group per finding -> email", ["..."], ("mail",)),
    ]
    rows = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            for name, group_by, receivers in scenarios:
                rows.append(run_scenario(name, group_by, receivers, kind, Path(tmp)))
    print(f"{N_FINDINGS} pending findings, one run_once pass; target < {TARGET_SECONDS:.0f} s "
          f"(issue 7). {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
          f"1-min load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after.")
    print()
    print("| scenario | ledger | groups | messages received | 1st pass (s) | target (s) | 2nd pass sends | "
          "2nd pass (s) | exactly once |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['scenario']} | {r['ledger']} | {r['groups']} | {r['messages']} | {r['first']:.2f} | "
              f"{TARGET_SECONDS:.0f} | {r['second_sends']} | {r['second']:.2f} | {'yes' if r['ok'] else 'NO'} |")


if __name__ == "__main__":
    main()
