"""Card payments: about 1,500-2,500 transactions a day with a weekly rhythm.

Every one of ~300 users has their own typical amount (a few dollars to a couple of hundred),
a home country and a habit of paying in person or online, so per-user ("contextual")
anomalies exist: 400 is normal for one user and 50x typical for another.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from dq_monitor.demo.common import DemoSnapshot, rng_for, sample_times
from dq_monitor.demo.plan import PLANNED, resolve_fault, snapshot_id, snapshot_time

N_USERS = 300
BASE_ROWS = 2000
#: Rows per weekday of the records (Monday first): busy Friday, quiet Sunday.
WEEKDAY_FACTOR = (1.00, 1.02, 1.05, 1.08, 1.17, 0.88, 0.77)
ROW_JITTER = 0.03

#: merchant -> (share of transactions, amount factor)
MERCHANTS = {
    "grocery": (0.22, 0.8),
    "restaurants": (0.16, 0.9),
    "online_services": (0.15, 0.9),
    "fuel": (0.09, 1.0),
    "clothing": (0.08, 1.3),
    "entertainment": (0.08, 1.0),
    "utilities": (0.07, 1.2),
    "pharmacy": (0.06, 0.7),
    "electronics": (0.05, 1.5),
    "travel": (0.04, 1.5),
}
#: country -> (currency, share of users living there)
COUNTRIES = {
    "US": ("USD", 0.45),
    "GB": ("GBP", 0.12),
    "DE": ("EUR", 0.12),
    "FR": ("EUR", 0.09),
    "CA": ("CAD", 0.07),
    "ES": ("EUR", 0.06),
    "IT": ("EUR", 0.05),
    "NL": ("EUR", 0.04),
}
EMAIL_DOMAINS = ("example.com", "mail.example.org", "inbox.example.net")
#: Transactions by hour of day: quiet nights, lunch and evening peaks.
HOURLY = np.array([0.25, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 0.9, 1.2, 1.3, 1.4, 1.6,
                   1.9, 1.7, 1.4, 1.3, 1.4, 1.6, 1.9, 1.8, 1.5, 1.1, 0.8, 0.5])

#: Typical-amount multiplier of the injected point anomalies.
ANOMALY_FACTOR = (20.0, 80.0)
N_ANOMALIES = 15
NULL_EMAIL_RATE = 0.08
NULL_MERCHANT_RATE = 0.03

COLUMNS = ["txn_id", "ts", "user_id", "merchant", "country", "amount", "currency", "card_present", "email"]


class Users:
    """The static user base: one draw per seed, shared by every day."""

    def __init__(self, seed: int) -> None:
        rng = rng_for(seed, "payments_users")
        self.user_id = np.sort(rng.choice(np.arange(10_000, 100_000), size=N_USERS, replace=False))
        self.scale = np.clip(np.exp(rng.normal(np.log(35.0), 0.6, N_USERS)), 3.0, 250.0).round(2)
        activity = rng.gamma(6.0, 1.0, N_USERS)
        self.activity = activity / activity.sum()
        countries = list(COUNTRIES)
        shares = np.array([COUNTRIES[c][1] for c in countries])
        self.country = np.array(countries)[rng.choice(len(countries), N_USERS, p=shares / shares.sum())]
        self.card_present_p = rng.beta(5.0, 3.0, N_USERS)
        domains = np.array(EMAIL_DOMAINS)[rng.integers(0, len(EMAIL_DOMAINS), N_USERS)]
        self.email = np.array([f"user{u}@{d}" for u, d in zip(self.user_id, domains)])


def row_count(seed: int, start: date, day: int) -> int:
    records_day = snapshot_time(start, day).date().toordinal() - 1
    weekday = date.fromordinal(records_day).weekday()
    rng = rng_for(seed, "payments_rows", day)
    return int(round(BASE_ROWS * WEEKDAY_FACTOR[weekday] * (1.0 + rng.uniform(-ROW_JITTER, ROW_JITTER))))


def generate(day: int, *, seed: int, start: date, users: Users | None = None, fault: str | None = PLANNED) -> DemoSnapshot:
    users = users or Users(seed)
    n = row_count(seed, start, day)
    rng = rng_for(seed, "payments_day", day)
    fault = resolve_fault("payments", day, fault)

    who = rng.choice(N_USERS, size=n, p=users.activity)
    merchants = list(MERCHANTS)
    m_share = np.array([MERCHANTS[m][0] for m in merchants])
    m_idx = rng.choice(len(merchants), size=n, p=m_share / m_share.sum())
    m_factor = np.array([MERCHANTS[m][1] for m in merchants])[m_idx]
    abroad = rng.random(n) < 0.05
    country = np.where(abroad, np.array(list(COUNTRIES))[rng.integers(0, len(COUNTRIES), n)], users.country[who])
    currency = np.array([COUNTRIES[c][0] for c in country])
    amount = np.maximum(users.scale[who] * m_factor * rng.lognormal(0.0, 0.45, n), 0.5).round(2)
    online = np.array(merchants)[m_idx] == "online_services"
    card_present = (rng.random(n) < users.card_present_p[who]) & ~online

    frame = pd.DataFrame(
        {
            "txn_id": np.arange(n, dtype=np.int64) + 10_000_000 + day * 100_000,
            "ts": sample_times(rng, n, snapshot_time(start, day), HOURLY),
            "user_id": users.user_id[who].astype(np.int64),
            "merchant": np.array(merchants)[m_idx].astype(object),
            "country": country.astype(object),
            "amount": amount,
            "currency": currency.astype(object),
            "card_present": card_present,
            "email": users.email[who].astype(object),
        },
        columns=COLUMNS,
    )

    keys: list[int] = []
    if fault == "point_anomalies":
        keys = _inject_point_anomalies(frame, rng, users, who)
    elif fault == "nulls":
        frame.loc[rng.random(n) < NULL_EMAIL_RATE, "email"] = None
        frame.loc[rng.random(n) < NULL_MERCHANT_RATE, "merchant"] = None
    elif fault == "schema_change":
        frame = frame.rename(columns={"amount": "amount_usd"}).drop(columns=["card_present"])
    return DemoSnapshot("payments", day, snapshot_id("payments", start, day), frame, fault, keys)


def _inject_point_anomalies(frame: pd.DataFrame, rng: np.random.Generator, users: Users, who: np.ndarray) -> list[int]:
    # One anomaly per user, so each is judged against that user's own normal amounts.
    # Users who usually spend little: 20-80x their typical amount is sometimes still
    # below the day's largest normal payment, visible only against the user's own history.
    present = np.unique(who)
    modest = present[users.scale[present] <= np.median(users.scale)]
    chosen_users = rng.choice(modest, size=N_ANOMALIES, replace=False)
    rows = np.sort([rng.choice(np.flatnonzero(who == u)) for u in chosen_users])
    factor = rng.uniform(*ANOMALY_FACTOR, size=N_ANOMALIES)
    frame.loc[rows, "amount"] = (users.scale[who[rows]] * factor).round(2)
    return [int(k) for k in frame.loc[rows, "txn_id"]]
