"""A synthetic findings store of any size, written with bulk inserts (for the size and speed tests).

Each dataset has daily snapshots, a row count monitored by `<ds>_row_count_is_normal` with its
bands in the evaluation metadata, and one volume fault: the snapshot at `fault_at` drops to a
tenth of its rows and fails that check with ERROR and an open finding.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from dq_monitor.store import Store
from dq_monitor.store.tables import CheckEvaluation, Finding, Snapshot

START = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _rows(d: int, i: int, fault: bool) -> tuple[int, dict]:
    expected = 1000 + 100 * math.sin(i / 7 * 2 * math.pi) + d
    value = expected / 10 if fault else expected + 20 * math.cos(i)
    meta = {"metric": "row_count", "observed": value, "expected": expected, "lower": expected - 300,
            "upper": expected + 300, "warn_lower": expected - 150, "warn_upper": expected + 150, "state": "ok"}
    return int(value), meta


def build_store(url: str, datasets: int, snapshots: int, fault_at: int = 10) -> Store:
    store = Store(url)
    store.upgrade()
    now = datetime.now(timezone.utc)
    snaps, evals, finds = [], [], []
    for d in range(datasets):
        ds = f"ds{d:02d}"
        evals.append(dict(dataset=ds, snapshot="-", check=f"{ds}_source_is_available", asset_key=f"{ds}_snapshot",
                          passed=True, severity="ERROR", message="source found", metadata_json={},
                          source="dq_monitor", run_id=None, evaluated_at=now))  # a dataset-level check
        for i in range(snapshots):
            snap, when, fault = f"{ds}_{i:04d}", START + timedelta(days=i), i == fault_at
            rows, meta = _rows(d, i, fault)
            columns = {"id": {"type": "int"}, "amount": {"type": "float"}}
            if i >= snapshots // 2:
                columns["note"] = {"type": "str"}
            snaps.append(dict(dataset=ds, snapshot=snap, source_path=f"/data/{snap}.csv", snapshot_time=when,
                              row_count=rows, bytes=rows * 40, columns=columns, max_timestamp=when - timedelta(hours=2),
                              read_problems={}, run_id=None, ingested_at=now))
            for check, passed, sev, m in ((f"{ds}_row_count_is_normal", not fault, "ERROR", meta),
                                          (f"{ds}_schema_matches_contract", True, "ERROR", {})):
                evals.append(dict(dataset=ds, snapshot=snap, check=check, asset_key=f"{ds}_snapshot", passed=passed,
                                  severity=sev, message=f"{check} on {snap}", metadata_json=m, source="dq_monitor",
                                  run_id=None, evaluated_at=now))
            if fault:
                finds.append(dict(fingerprint=f"{ds}-{snap}", dataset=ds, snapshot=snap,
                                  check=f"{ds}_row_count_is_normal", check_type="history", key="row_count",
                                  severity="ERROR", status="open", message=f"{ds} row_count dropped", details=meta,
                                  source="dq_monitor", run_id=None, alert_state="pending", created_at=now,
                                  updated_at=now, resolved_at=None))
    with store.session() as s:
        for table, rows in ((Snapshot, snaps), (CheckEvaluation, evals), (Finding, finds)):
            if rows:
                s.execute(insert(table), rows)
    return store
