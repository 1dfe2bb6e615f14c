"""The alert delivery ledger in the findings store: what was sent to whom, what is retried, the silences.

Tables `alert_deliveries` and `alert_silences` (models in `store.tables`, created by the
migrations). A delivery row is claimed before sending (`claim`): the row's `key` is unique and
the claim is a conditional update, so two processes that planned the same notification (the
alert sensor and `dq-monitor alerts flush`) never both send it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

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

from dq_monitor.store.alert_records import (
    IN_FLIGHT_STATUSES,
    NOTIFIED_STATUSES,
    DeliveryRecord,
    Finish,
    GroupState,
    PlannedDelivery,
    Silence,
    SilenceNotFound,
    as_utc,
    new_silence_id,
)
from dq_monitor.store.tables import AlertDelivery, AlertSilence
from dq_monitor.store.types import UTCDateTime

alert_deliveries = AlertDelivery.__table__
alert_silences = AlertSilence.__table__

_COLUMNS = [c.name for c in alert_deliveries.columns if c.name not in ("id", "group_hash")]


def _group_hash(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()[:40]


def _new_record(n: PlannedDelivery, now: datetime, status: str, lease: timedelta | None) -> DeliveryRecord:
    return DeliveryRecord(
        key=n.key, receiver=n.receiver, group_key=n.group_key, set_hash=n.set_hash,
        firing=n.firing_fingerprints, resolved=n.resolved_fingerprints, status=status, attempts=n.attempts,
        created_at=now, updated_at=now, first_attempt_at=n.first_attempt_at or now,
        claimed_until=now + lease if lease is not None else None,
        sent_at=now if status == "cleared" else None,
    )


def _record(row: Any) -> DeliveryRecord:
    data = {name: getattr(row, name) for name in _COLUMNS}
    data["firing"] = tuple(data["firing"] or ())
    data["resolved"] = tuple(data["resolved"] or ())
    return DeliveryRecord(**data)


def _silence(row: Any) -> Silence:
    return Silence(row.id, tuple(row.matchers), row.starts_at, row.ends_at, row.created_by or "", row.comment or "")


class SqlDeliveryLedger:
    """The ledger in the findings store's database (migrated: `Store.upgrade()` creates its tables)."""

    _CHUNK = 400

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __repr__(self) -> str:
        return f"SqlDeliveryLedger({self.engine.url.render_as_string(hide_password=True)!r})"

    def claim(self, notification: PlannedDelivery, now: datetime, lease: timedelta) -> bool:
        """`claim_many` for one delivery."""
        return notification.key in self.claim_many([notification], now, lease)

    def finish(self, key: str, now: datetime, **fields: Any) -> None:
        """`finish_many` for one delivery (`fields` as in `Finish`)."""
        self.finish_many([Finish(key, **fields)], now)

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

    def retry_now(self, now: datetime) -> int:
        """Make every delivery waiting for a retry due at `now` (`alerts flush --now`); returns how many."""
        t = alert_deliveries
        now = as_utc(now)
        with self.engine.begin() as conn:
            done = conn.execute(update(t).where(t.c.status == "retrying", t.c.next_attempt_at > now)
                                .values(next_attempt_at=now))
        return done.rowcount or 0

    def claim_many(self, notifications: Sequence[PlannedDelivery], now: datetime, lease: timedelta) -> set[str]:
        """Take the right to send these now, in one transaction; returns the keys this caller got.

        A key is refused when it was sent or settled already, or another pass holds an unexpired claim.
        """
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
        """Record outcomes of claimed deliveries, in one transaction."""
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

    def record_clear(self, notification: PlannedDelivery, now: datetime) -> None:
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
