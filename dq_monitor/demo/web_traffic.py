"""Web server access log: about 2,000-3,000 requests a day from two servers (two part files)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from dq_monitor.demo.common import DemoSnapshot, rng_for, sample_times
from dq_monitor.demo.plan import PLANNED, resolve_fault, snapshot_id, snapshot_time

BASE_ROWS = 2600
#: Requests per weekday of the records (Monday first).
WEEKDAY_FACTOR = (1.00, 1.03, 1.05, 1.02, 0.95, 0.84, 0.80)
ROW_JITTER = 0.03

#: path -> (share, {method: share}, median latency ms, median bytes)
PATHS = {
    "/": (0.14, {"GET": 1.0}, 45.0, 18_000),
    "/search": (0.12, {"GET": 1.0}, 120.0, 9_000),
    "/products": (0.14, {"GET": 1.0}, 80.0, 25_000),
    "/product/detail": (0.16, {"GET": 1.0}, 70.0, 32_000),
    "/cart": (0.07, {"GET": 0.7, "POST": 0.3}, 60.0, 6_000),
    "/checkout": (0.03, {"POST": 1.0}, 350.0, 4_000),
    "/login": (0.04, {"POST": 0.8, "GET": 0.2}, 150.0, 2_500),
    "/api/v1/items": (0.10, {"GET": 1.0}, 35.0, 12_000),
    "/api/v1/orders": (0.04, {"GET": 0.6, "POST": 0.3, "PUT": 0.07, "DELETE": 0.03}, 90.0, 3_000),
    "/static/app.js": (0.08, {"GET": 1.0}, 8.0, 240_000),
    "/static/style.css": (0.06, {"GET": 1.0}, 6.0, 48_000),
    "/health": (0.02, {"HEAD": 0.5, "GET": 0.5}, 3.0, 120),
}
METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD")
USER_AGENTS = {
    "Chrome/131 (Windows)": 0.30,
    "Mobile Safari/18 (iOS)": 0.22,
    "Chrome Mobile/131 (Android)": 0.20,
    "Safari/18 (macOS)": 0.12,
    "Googlebot/2.1": 0.06,
    "Firefox/133 (Linux)": 0.05,
    "curl/8.5": 0.05,
}
#: Every status code a clean day can produce.
STATUS_CODES = (200, 201, 204, 301, 304, 400, 401, 403, 404, 500)
HOURLY = np.array([0.4, 0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.7, 1.0, 1.1, 1.2, 1.2,
                   1.3, 1.2, 1.2, 1.2, 1.3, 1.4, 1.6, 1.8, 1.9, 1.7, 1.2, 0.7])

LATE_BY = timedelta(hours=30)
NEW_USER_AGENT = "ScraperBot/2.1"
BURST_STATUS = 503
BURST_SHARE = 0.10

COLUMNS = ["request_id", "ts", "path", "method", "status_code", "latency_ms", "bytes_sent", "user_agent"]


def row_count(seed: int, start: date, day: int) -> int:
    weekday = (snapshot_time(start, day) - timedelta(days=1)).weekday()
    rng = rng_for(seed, "web_traffic_rows", day)
    return int(round(BASE_ROWS * WEEKDAY_FACTOR[weekday] * (1.0 + rng.uniform(-ROW_JITTER, ROW_JITTER))))


def generate(day: int, *, seed: int, start: date, fault: str | None = PLANNED) -> DemoSnapshot:
    rng = rng_for(seed, "web_traffic_day", day)
    fault = resolve_fault("web_traffic", day, fault)
    window_end = snapshot_time(start, day) - (LATE_BY if fault == "late_data" else timedelta(0))
    n = row_count(seed, start, day)
    frame = _requests(rng, n, sample_times(rng, n, window_end, HOURLY, resolution="ms"))
    if fault == "new_category":
        frame = _scraper_burst(frame, rng, window_end)
    frame["request_id"] = _request_ids(rng, len(frame))
    return DemoSnapshot("web_traffic", day, snapshot_id("web_traffic", start, day), frame[COLUMNS], fault)


def _requests(rng: np.random.Generator, n: int, ts: pd.Series) -> pd.DataFrame:
    paths = list(PATHS)
    shares = np.array([PATHS[p][0] for p in paths])
    p_idx = rng.choice(len(paths), size=n, p=shares / shares.sum())
    path = np.array(paths, dtype=object)[p_idx]
    method = np.empty(n, dtype=object)
    for i, p in enumerate(paths):
        rows = np.flatnonzero(p_idx == i)
        names, probs = zip(*PATHS[p][1].items())
        method[rows] = np.array(names, dtype=object)[rng.choice(len(names), size=len(rows), p=probs)]
    status = _status_codes(rng, path, method)
    latency = np.array([PATHS[p][2] for p in paths])[p_idx] * rng.lognormal(0.0, 0.5, n)
    latency = np.where(status == 500, latency * 8.0, latency).round(2)
    size = np.array([PATHS[p][3] for p in paths], dtype=float)[p_idx] * rng.lognormal(0.0, 0.3, n)
    size = np.where(status >= 400, rng.integers(200, 1500, n), size)
    size = np.where(np.isin(status, (204, 304)) | (method == "HEAD"), 0, size)
    agents, agent_p = zip(*USER_AGENTS.items())
    agent = np.array(agents, dtype=object)[rng.choice(len(agents), size=n, p=agent_p)]
    agent = np.where(path == "/health", "curl/8.5", agent)
    return pd.DataFrame({
        "ts": ts.to_numpy(),
        "path": path,
        "method": method,
        "status_code": status.astype(np.int64),
        "latency_ms": latency,
        "bytes_sent": np.round(size).astype(np.int64),
        "user_agent": agent,
    })


def _status_codes(rng: np.random.Generator, path: np.ndarray, method: np.ndarray) -> np.ndarray:
    n = len(path)
    r = rng.random(n)
    status = np.full(n, 200)
    static = np.char.startswith(path.astype(str), "/static/")
    status = np.where((method == "POST") & np.isin(path, ("/checkout", "/api/v1/orders")), 201, status)
    status = np.where(method == "DELETE", 204, status)
    status = np.where(static & (r < 0.25), 304, status)
    status = np.where((path == "/") & (r < 0.01), 301, status)
    status = np.where((path == "/login") & (r < 0.08), 401, status)
    status = np.where(~static & (r >= 0.95) & (r < 0.965), 404, status)
    status = np.where((method != "GET") & (r >= 0.965) & (r < 0.985), 400, status)
    status = np.where((path == "/api/v1/orders") & (r >= 0.985) & (r < 0.99), 403, status)
    return np.where(r >= 0.998, 500, status)


def _scraper_burst(frame: pd.DataFrame, rng: np.random.Generator, window_end) -> pd.DataFrame:
    """A scraper hammers /search and /products for one hour; the overloaded site answers 503."""
    burst_start = pd.Timestamp(window_end) - pd.Timedelta(hours=10)
    in_burst = (frame["ts"] >= burst_start) & (frame["ts"] < burst_start + pd.Timedelta(hours=1))
    overloaded = in_burst & (rng.random(len(frame)) < 0.3)
    frame.loc[overloaded, "status_code"] = BURST_STATUS
    frame.loc[overloaded, "bytes_sent"] = rng.integers(200, 400, int(overloaded.sum()))
    n_bot = int(round(len(frame) * BURST_SHARE))
    offsets = np.sort(rng.integers(0, 3_600_000, n_bot))
    bot_status = np.where(rng.random(n_bot) < 0.7, BURST_STATUS, 200)
    bots = pd.DataFrame({
        "ts": burst_start + pd.to_timedelta(offsets, unit="ms"),
        "path": np.array(["/search", "/products"], dtype=object)[rng.integers(0, 2, n_bot)],
        "method": "GET",
        "status_code": bot_status.astype(np.int64),
        "latency_ms": (rng.lognormal(np.log(40.0), 0.4, n_bot) * np.where(bot_status == 200, 3.0, 1.0)).round(2),
        "bytes_sent": np.where(bot_status == 200, rng.integers(5_000, 30_000, n_bot),
                               rng.integers(200, 400, n_bot)).astype(np.int64),
        "user_agent": NEW_USER_AGENT,
    })
    return pd.concat([frame, bots], ignore_index=True).sort_values("ts", kind="stable").reset_index(drop=True)


def _request_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    while True:  # a 64-bit collision is astronomically rare; redraw deterministically if it happens
        ids = np.array([f"req-{x:016x}" for x in rng.integers(0, 2**63, n, dtype=np.int64)], dtype=object)
        if len(set(ids)) == n:
            return ids


def part_of(request_ids: pd.Series) -> np.ndarray:
    """Which server (part file, 0 or 1) logged each request: a stable function of its id."""
    return request_ids.str[-1].map(lambda c: int(c, 16) % 2).astype(int).to_numpy()
