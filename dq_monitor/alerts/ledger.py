"""The delivery ledger: what was sent to whom, what is being retried, and the silences.

`DeliveryLedger` is the protocol the planner and `deliver` use. `InMemoryLedger`
serves tests and one-off runs; `SqlDeliveryLedger` keeps the same records in the
store's tables `alert_deliveries` and `alert_silences` (models in `store.tables`).

A delivery row is claimed before sending (`claim`): the row's `key` is unique and
the claim is a conditional update, so two processes that planned the same
notification (the alert sensor and `dq-monitor alerts flush`) never both send it.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from dq_monitor.alerts.records import (
    IN_FLIGHT_STATUSES,
    NOTIFIED_STATUSES,
    DeliveryRecord,
    GroupState,
    Notification,
    Silence,
    as_utc,
)
from dq_monitor.store.tables import AlertDelivery, AlertSilence
from dq_monitor.store.types import UTCDateTime


@dataclass(frozen=True)
class Finish:
    """The outcome of the tries made under a claim, as `finish_many` records it."""

    key: str
    status: str
    tries: int = 0
    error: str | None = None
    permanent: bool = False
    next_attempt_at: datetime | None = None
    payload_digest: str | None = None


@runtime_checkable
class DeliveryLedger(Protocol):
    def group_states(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], GroupState]: ...

    def in_flight(self) -> list[DeliveryRecord]:
        """Deliveries still to go out (being sent or waiting for a retry)."""

    def claim_many(self, notifications: Sequence[Notification], now: datetime, lease: timedelta) -> set[str]:
        """Take the right to send these now, in one transaction; returns the keys this caller got.

        A key is refused when it was sent or settled already, or another pass holds an unexpired claim.
        """

    def finish_many(self, finishes: Sequence[Finish], now: datetime) -> None:
        """Record outcomes of claimed deliveries, in one transaction."""

    def record_clear(self, notification: Notification, now: datetime) -> None: ...

    def supersede(self, keys: Sequence[str], now: datetime) -> None: ...

    def deliveries(self, *, receiver: str | None = None, status: str | None = None,
                   limit: int | None = None) -> list[DeliveryRecord]: ...

    def add_silence(self, matchers: Sequence[str], ends_at: datetime, *, starts_at: datetime | None = None,
                    created_by: str = "", comment: str = "") -> Silence: ...

    def silences(self, now: datetime | None = None, *, include_expired: bool = False) -> list[Silence]: ...

    def expire_silence(self, silence_id: str, now: datetime) -> Silence: ...


class _SingleOps:
    """`claim`/`finish` for one delivery, on top of the batch operations."""

    def claim(self, notification: Notification, now: datetime, lease: timedelta) -> bool:
        return notification.key in self.claim_many([notification], now, lease)  # type: ignore[attr-defined]

    def finish(self, key: str, now: datetime, **fields: Any) -> None:
        self.finish_many([Finish(key, **fields)], now)  # type: ignore[attr-defined]


def new_silence_id() -> str:
    return uuid.uuid4().hex[:12]


class SilenceNotFound(KeyError):
    def __str__(self) -> str:
        return f"no silence with id {self.args[0]!r}"


def _group_hash(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()[:40]


def _new_record(n: Notification, now: datetime, status: str, lease: timedelta | None) -> DeliveryRecord:
    return DeliveryRecord(
        key=n.key, receiver=n.receiver, group_key=n.group_key, set_hash=n.set_hash,
        firing=n.firing_fingerprints, resolved=n.resolved_fingerprints, status=status, attempts=n.attempts,
        created_at=now, updated_at=now, first_attempt_at=n.first_attempt_at or now,
        claimed_until=now + lease if lease is not None else None,
        sent_at=now if status == "cleared" else None,
    )


def _claimable(rec: DeliveryRecord, now: datetime) -> bool:
    if rec.status == "retrying":
        return rec.next_attempt_at is None or rec.next_attempt_at <= now
    if rec.status == "sending":  # a crashed sender: at-least-once means we try again
        return rec.claimed_until is None or rec.claimed_until <= now
    # Cancelled or replaced before it went out, and now planned again (e.g. a silence ended): never sent, so
    # sending it is no duplicate.
    return rec.status == "superseded"


class InMemoryLedger(_SingleOps):
    """A thread-safe ledger kept in memory (tests, benchmarks, one-off runs)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, DeliveryRecord] = {}
        self._order: dict[str, int] = {}
        self._by_group: dict[tuple[str, str], list[str]] = {}
        self._silences: dict[str, Silence] = {}

    def __repr__(self) -> str:
        return f"InMemoryLedger({len(self._records)} deliveries, {len(self._silences)} silences)"

    def _put(self, rec: DeliveryRecord) -> None:
        if rec.key not in self._records:
            self._order[rec.key] = len(self._order)
            self._by_group.setdefault((rec.receiver, rec.group_key), []).append(rec.key)
        self._records[rec.key] = rec

    def group_states(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], GroupState]:
        out: dict[tuple[str, str], GroupState] = {}
        with self._lock:
            for pair in pairs:
                notified = in_flight = None
                for key in self._by_group.get(pair, ()):  # insertion order: the last one wins
                    rec = self._records[key]
                    if rec.status in NOTIFIED_STATUSES:
                        notified = rec
                    elif rec.status in IN_FLIGHT_STATUSES:
                        in_flight = rec
                if notified or in_flight:
                    out[pair] = GroupState(notified, in_flight)
        return out

    def in_flight(self) -> list[DeliveryRecord]:
        with self._lock:
            return [r for r in self._records.values() if r.status in IN_FLIGHT_STATUSES]

    def claim_many(self, notifications: Sequence[Notification], now: datetime, lease: timedelta) -> set[str]:
        got: set[str] = set()
        with self._lock:
            for n in notifications:
                rec = self._records.get(n.key)
                if rec is None:
                    self._put(_new_record(n, now, "sending", lease))
                elif _claimable(rec, now):
                    first = now if rec.status == "superseded" else rec.first_attempt_at
                    self._put(replace(rec, status="sending", claimed_until=now + lease, updated_at=now,
                                      first_attempt_at=first))
                else:
                    continue
                got.add(n.key)
        return got

    def finish_many(self, finishes: Sequence[Finish], now: datetime) -> None:
        with self._lock:
            for f in finishes:
                rec = self._records[f.key]
                self._put(replace(
                    rec, status=f.status, attempts=rec.attempts + f.tries, last_error=f.error,
                    permanent=f.permanent, next_attempt_at=f.next_attempt_at, claimed_until=None, updated_at=now,
                    sent_at=now if f.status == "sent" else rec.sent_at,
                    payload_digest=f.payload_digest or rec.payload_digest,
                ))

    def record_clear(self, notification: Notification, now: datetime) -> None:
        with self._lock:
            if notification.key not in self._records:
                self._put(_new_record(notification, now, "cleared", None))

    def supersede(self, keys: Sequence[str], now: datetime) -> None:
        with self._lock:
            for key in keys:
                rec = self._records.get(key)
                if rec is not None and rec.status in IN_FLIGHT_STATUSES:
                    self._put(replace(rec, status="superseded", claimed_until=None, updated_at=now))

    def deliveries(self, *, receiver: str | None = None, status: str | None = None,
                   limit: int | None = None) -> list[DeliveryRecord]:
        with self._lock:
            recs = sorted(self._records.values(), key=lambda r: self._order[r.key])
        recs = [r for r in recs
                if (receiver is None or r.receiver == receiver) and (status is None or r.status == status)]
        return recs[-limit:] if limit else recs

    def add_silence(self, matchers: Sequence[str], ends_at: datetime, *, starts_at: datetime | None = None,
                    created_by: str = "", comment: str = "") -> Silence:
        silence = Silence(new_silence_id(), tuple(matchers), starts_at or datetime.now(timezone.utc), ends_at,
                          created_by, comment)
        with self._lock:
            self._silences[silence.id] = silence
        return silence

    def silences(self, now: datetime | None = None, *, include_expired: bool = False) -> list[Silence]:
        now = as_utc(now or datetime.now(timezone.utc))
        with self._lock:
            found = list(self._silences.values())
        return sorted((s for s in found if include_expired or s.ends_at > now), key=lambda s: (s.starts_at, s.id))

    def expire_silence(self, silence_id: str, now: datetime) -> Silence:
        now = as_utc(now)
        with self._lock:
            silence = self._silences.get(silence_id)
            if silence is None:
                raise SilenceNotFound(silence_id)
            if silence.ends_at > now:
                silence = replace(silence, ends_at=max(now, silence.starts_at + timedelta(microseconds=1)))
                self._silences[silence_id] = silence
            return silence


# -- SQL -------------------------------------------------------------------------------------



# The tables are typed models of the findings store (`store.tables`); alembic owns them.
alert_deliveries = AlertDelivery.__table__
alert_silences = AlertSilence.__table__
ALERTS_METADATA = alert_deliveries.metadata

_COLUMNS = [c.name for c in alert_deliveries.columns if c.name not in ("id", "group_hash")]


def _record(row: Any) -> DeliveryRecord:
    data = {name: getattr(row, name) for name in _COLUMNS}
    data["firing"] = tuple(data["firing"] or ())
    data["resolved"] = tuple(data["resolved"] or ())
    return DeliveryRecord(**data)


def _silence(row: Any) -> Silence:
    return Silence(row.id, tuple(row.matchers), row.starts_at, row.ends_at, row.created_by or "", row.comment or "")


class SqlDeliveryLedger(_SingleOps):
    """The ledger in a SQL database (the findings store's, or any SQLAlchemy URL)."""

    _CHUNK = 400

    def __init__(self, engine: Engine, *, create_tables: bool = False) -> None:
        self.engine = engine
        if create_tables:
            ALERTS_METADATA.create_all(engine)

    def __repr__(self) -> str:
        return f"SqlDeliveryLedger({self.engine.url.render_as_string(hide_password=True)!r})"

    def group_states(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], GroupState]:
        wanted = set(pairs)
        hashes = sorted({_group_hash(g) for _, g in wanted})
        t = alert_deliveries
        latest: dict[tuple[str, str], dict[str, DeliveryRecord]] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(hashes), self._CHUNK):
                chunk = hashes[i:i + self._CHUNK]
                for category, statuses in (("notified", NOTIFIED_STATUSES), ("in_flight", IN_FLIGHT_STATUSES)):
                    last_ids = (
                        select(func.max(t.c.id))
                        .where(t.c.group_hash.in_(chunk), t.c.status.in_(statuses))
                        .group_by(t.c.group_hash, t.c.receiver)
                    )
                    for row in conn.execute(select(t).where(t.c.id.in_(last_ids))):
                        pair = (row.receiver, row.group_key)
                        if pair in wanted:
                            latest.setdefault(pair, {})[category] = _record(row)
        return {p: GroupState(v.get("notified"), v.get("in_flight")) for p, v in latest.items()}

    def in_flight(self) -> list[DeliveryRecord]:
        t = alert_deliveries
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.status.in_(IN_FLIGHT_STATUSES)).order_by(t.c.id)).all()
        return [_record(r) for r in rows]

    def claim_many(self, notifications: Sequence[Notification], now: datetime, lease: timedelta) -> set[str]:
        t = alert_deliveries
        now = as_utc(now)
        got: set[str] = set()
        if not notifications:
            return got
        claimable = or_(
            and_(t.c.status == "retrying", or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= now)),
            and_(t.c.status == "sending", or_(t.c.claimed_until.is_(None), t.c.claimed_until <= now)),
            t.c.status == "superseded",
        )
        with self.engine.begin() as conn:
            keys = [n.key for n in notifications]
            existing = set(conn.execute(select(t.c.key).where(t.c.key.in_(keys))).scalars())
            fresh = [n for n in notifications if n.key not in existing]
            if fresh:
                rows = [self._row(_new_record(n, now, "sending", lease)) for n in fresh]
                try:
                    with conn.begin_nested():
                        conn.execute(insert(t), rows)
                    got.update(n.key for n in fresh)
                except IntegrityError:
                    # A concurrent pass inserted some of these first: take the others one by one.
                    for n, row in zip(fresh, rows):
                        try:
                            with conn.begin_nested():
                                conn.execute(insert(t).values(**row))
                            got.add(n.key)
                        except IntegrityError:
                            pass
            for key in existing:
                result = conn.execute(
                    update(t).where(t.c.key == key, claimable)
                    .values(status="sending", claimed_until=now + lease, updated_at=now,
                            first_attempt_at=case((t.c.status == "superseded", now), else_=t.c.first_attempt_at))
                )
                if result.rowcount == 1:
                    got.add(key)
        return got

    def finish_many(self, finishes: Sequence[Finish], now: datetime) -> None:
        if not finishes:
            return
        t = alert_deliveries
        now = as_utc(now)
        # One executemany: a batch of outcomes costs one round trip on drivers that batch.
        stmt = (
            update(t)
            .where(t.c.key == bindparam("b_key"))
            .values(
                status=bindparam("b_status"), attempts=t.c.attempts + bindparam("b_tries", type_=Integer),
                last_error=bindparam("b_error", type_=Text), permanent=bindparam("b_permanent", type_=Boolean),
                next_attempt_at=bindparam("b_next", type_=UTCDateTime()), claimed_until=None, updated_at=now,
                sent_at=func.coalesce(bindparam("b_sent_at", type_=UTCDateTime()), t.c.sent_at),
                payload_digest=func.coalesce(bindparam("b_digest", type_=String(64)), t.c.payload_digest),
            )
        )
        params = [
            {"b_key": f.key, "b_status": f.status, "b_tries": f.tries, "b_error": f.error, "b_permanent": f.permanent,
             "b_next": f.next_attempt_at, "b_sent_at": now if f.status == "sent" else None,
             "b_digest": f.payload_digest or None}
            for f in finishes
        ]
        with self.engine.begin() as conn:
            conn.execute(stmt, params)

    def record_clear(self, notification: Notification, now: datetime) -> None:
        t = alert_deliveries
        rec = _new_record(notification, as_utc(now), "cleared", None)
        with self.engine.begin() as conn:
            if conn.execute(select(t.c.id).where(t.c.key == rec.key)).first() is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(t).values(**self._row(rec)))
                except IntegrityError:
                    pass  # recorded by a concurrent pass

    def supersede(self, keys: Sequence[str], now: datetime) -> None:
        if not keys:
            return
        t = alert_deliveries
        with self.engine.begin() as conn:
            conn.execute(
                update(t)
                .where(t.c.key.in_(list(keys)), t.c.status.in_(IN_FLIGHT_STATUSES))
                .values(status="superseded", claimed_until=None, updated_at=as_utc(now))
            )

    def deliveries(self, *, receiver: str | None = None, status: str | None = None,
                   limit: int | None = None) -> list[DeliveryRecord]:
        t = alert_deliveries
        q = select(t)
        if receiver is not None:
            q = q.where(t.c.receiver == receiver)
        if status is not None:
            q = q.where(t.c.status == status)
        q = q.order_by(t.c.id.desc())
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [_record(r) for r in reversed(conn.execute(q).all())]

    def add_silence(self, matchers: Sequence[str], ends_at: datetime, *, starts_at: datetime | None = None,
                    created_by: str = "", comment: str = "") -> Silence:
        silence = Silence(new_silence_id(), tuple(matchers), starts_at or datetime.now(timezone.utc), ends_at,
                          created_by, comment)
        with self.engine.begin() as conn:
            conn.execute(insert(alert_silences).values(
                id=silence.id, matchers=list(silence.matchers), starts_at=silence.starts_at, ends_at=silence.ends_at,
                created_by=silence.created_by, comment=silence.comment,
            ))
        return silence

    def silences(self, now: datetime | None = None, *, include_expired: bool = False) -> list[Silence]:
        now = as_utc(now or datetime.now(timezone.utc))
        q = select(alert_silences)
        if not include_expired:
            q = q.where(alert_silences.c.ends_at > now)
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(alert_silences.c.starts_at, alert_silences.c.id)).all()
        return [_silence(r) for r in rows]

    def expire_silence(self, silence_id: str, now: datetime) -> Silence:
        now = as_utc(now)
        s = alert_silences
        with self.engine.begin() as conn:
            row = conn.execute(select(s).where(s.c.id == silence_id)).first()
            if row is None:
                raise SilenceNotFound(silence_id)
            silence = _silence(row)
            if silence.ends_at > now:
                ends = max(now, silence.starts_at + timedelta(microseconds=1))
                conn.execute(update(s).where(s.c.id == silence_id).values(ends_at=ends))
                silence = replace(silence, ends_at=ends)
            return silence

    @staticmethod
    def _row(rec: DeliveryRecord) -> dict[str, Any]:
        row = {name: getattr(rec, name) for name in _COLUMNS}
        row["firing"] = list(rec.firing)
        row["resolved"] = list(rec.resolved)
        row["group_hash"] = _group_hash(rec.group_key)
        return row
