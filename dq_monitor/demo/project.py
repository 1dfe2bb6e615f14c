"""The demo's `dq_monitor.yaml`, built as plain data.

Volume bounds are derived from the generators' own parameters (base rows, weekday
factors, jitter) rather than typed in, so they stay consistent if those change:
every clean day lands inside the bounds and within the change limit, and the
sensors outage (about 25% of a normal day) falls below `min_rows` and beyond the
change limit.
"""

from __future__ import annotations

import copy
from typing import Any

from dq_monitor.demo import payments, sensor_readings, web_traffic

#: The demo's alert routing. Receivers read their settings from the environment, so
#: setting the variables is all a user does to get demo alerts.
ALERTS: dict[str, Any] = {
    "base_url": "http://127.0.0.1:3000",
    "receivers": {
        "slack": {"slack_webhook": {"url_env": "DQ_MONITOR_SLACK_WEBHOOK_URL"}},
        "email": {
            "email": {
                "smtp_host_env": "DQ_MONITOR_SMTP_HOST",
                "smtp_port_env": "DQ_MONITOR_SMTP_PORT",
                "to_env": "DQ_MONITOR_ALERT_EMAIL_TO",
                "from": "dq-monitor@localhost",
            }
        },
    },
    # Every finding to Slack, grouped per dataset and snapshot; ERRORs also by email.
    "route": {
        "receiver": "slack",
        "group_by": ["dataset", "snapshot"],
        "group_wait": "10s",
        "routes": [
            {"receiver": "email", "matchers": ["severity=ERROR"], "continue": True},
            {"receiver": "slack"},
        ],
    },
    # The demo's dataset owners are made up: with the four variables set, alerts go to the
    # receivers above only, never to those addresses (README, "Who gets alerts").
    "owners_route": {"enabled": False},
}

SUITES = {"payments": "expectations/payments.json", "web_traffic": "expectations/web_traffic.json"}


def _bounds(base: int, factors: tuple[float, ...], jitter: float) -> tuple[float, float, float]:
    """Lowest and highest clean row count and the largest day-over-day change (in %)."""
    low, high = base * min(factors) * (1 - jitter), base * max(factors) * (1 + jitter)
    # Consecutive record days are consecutive weekdays (Sunday wraps to Monday).
    change = max(
        abs(b * (1 + s2 * jitter) - a * (1 + s1 * jitter)) / (a * (1 + s1 * jitter)) * 100
        for a, b in zip(factors, factors[1:] + factors[:1])
        for s1 in (-1, 1)
        for s2 in (-1, 1)
    )
    return low, high, change


def _volume(low: float, high: float, change: float, *, margin: float = 0.25) -> dict[str, Any]:
    """Bounds with a margin around the clean range; the change limit at least 10 points above clean."""
    return {
        "min_rows": int(low * (1 - margin)) // 100 * 100,
        "max_rows": -(-int(high * (1 + margin)) // 100) * 100,
        "max_change_pct": float(max(30, -(-int(change + 10) // 10) * 10)),
    }


def volume_sections() -> dict[str, dict[str, Any]]:
    pay = _bounds(payments.BASE_ROWS, payments.WEEKDAY_FACTOR, payments.ROW_JITTER)
    web = _bounds(web_traffic.BASE_ROWS, web_traffic.WEEKDAY_FACTOR, web_traffic.ROW_JITTER)
    full = sensor_readings.N_SENSORS * sensor_readings.READINGS_PER_DAY
    # Sensors only lose a few readings on a clean day; the outage keeps 25% of them.
    sensor_volume = {"min_rows": int(full * 0.8) // 100 * 100, "max_rows": -(-int(full * 1.1) // 100) * 100,
                     "max_change_pct": 30.0}
    return {"payments": _volume(*pay), "sensors": sensor_volume, "web_traffic": _volume(*web)}


def _owners(team: str) -> list[str]:
    return [f"{team}-team@example.com", f"@{team}-oncall"]


def _not_null_columns(**types: str) -> dict[str, Any]:
    """A schema contract where every column has the given type and no nulls."""
    return {"columns": {name: {"type": kind, "nullable": False} for name, kind in types.items()}}


def _dataset(name: str, description: str, source: dict[str, Any], primary_key: list[str], schedule: str,
             team: str, schema: dict[str, Any], volume: dict[str, Any], **sections: Any) -> dict[str, Any]:
    """One dataset entry: files source, `ts` timestamps, owners by team, 6h freshness, then `sections`."""
    return {
        "name": name,
        "description": description,
        "source": {"kind": "files", **source},
        "primary_key": primary_key,
        "timestamp_column": "ts",
        "schedule": schedule,
        "owners": _owners(team),
        "schema": schema,
        "volume": volume,
        "freshness": {"max_age": "6h", "based_on": "max_timestamp"},
        **sections,
    }


def _payments(volume: dict[str, Any]) -> dict[str, Any]:
    return _dataset(
        "payments", "Card payments, one CSV extract per day at midnight with the previous day's transactions.",
        {"path": "data/payments", "pattern": "payments_*.csv", "format": "csv", "snapshot_unit": "file",
         "csv_options": {"parse_dates": ["ts"],
                         "dtype": {"merchant": "category", "country": "category", "currency": "category"}}},
        ["txn_id"], "0 6 * * *", "payments",
        _not_null_columns(txn_id="int", ts="datetime", user_id="int", merchant="category", country="category",
                          amount="float", currency="category", card_present="bool", email="string"),
        volume,
        expectations={"suite": SUITES["payments"]},
        drift={"reference": {"strategy": "previous"}, "ignore_columns": ["txn_id", "ts", "user_id", "email"]},
        anomalies={"detector": "ensemble", "group_by": "user_id", "columns": ["amount"]},
        monitors=[{"metric": "row_count", "seasonality": "day_of_week"}],
    )


def _sensors(volume: dict[str, Any]) -> dict[str, Any]:
    return _dataset(
        "sensors", "Environmental sensors (20 devices, a reading every 15 minutes), one Parquet file per day.",
        {"path": "data/sensors", "pattern": "sensors_*.parquet", "format": "parquet", "snapshot_unit": "file"},
        ["sensor_id", "ts"], "15 0 * * *", "iot",
        _not_null_columns(sensor_id="string", ts="datetime", temperature="float", humidity="float",
                          pressure="float", battery="float", status="category"),
        volume,
        # Battery drains by design (a trend, not drift); status is an operational flag.
        drift={"reference": {"strategy": "previous"}, "ignore_columns": ["sensor_id", "ts", "battery", "status"]},
        anomalies={"detector": "ensemble", "columns": ["temperature", "humidity", "pressure"]},
    )


def _web_traffic(volume: dict[str, Any]) -> dict[str, Any]:
    return _dataset(
        "web_traffic", "Web server access log, one folder per day holding one JSON-lines file per server.",
        {"path": "data/web_traffic", "pattern": "*.jsonl", "format": "jsonl", "snapshot_unit": "folder"},
        ["request_id"], "0 1 * * *", "web",
        _not_null_columns(request_id="string", ts="datetime", path="string", method="category",
                          status_code="int", latency_ms="float", bytes_sent="int", user_agent="category"),
        volume,
        expectations={"suite": SUITES["web_traffic"]},
    )


def project_config() -> dict[str, Any]:
    """The whole demo config as a YAML-ready dict (paths relative to the config file)."""
    volume = volume_sections()
    return {
        "storage": {"home": ".dq_monitor"},
        "datasets": [_payments(volume["payments"]), _sensors(volume["sensors"]), _web_traffic(volume["web_traffic"])],
        "alerts": copy.deepcopy(ALERTS),
    }
