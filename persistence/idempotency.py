"""Idempotency keys (domain.idempotency): claim a key with an INSERT on its primary key, then store
the response or release the claim. Each call is one short transaction of its own, outside the
request's unit of work, so the claim is visible to every process before the change runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Engine, and_, delete, select, update

from domain.idempotency import LEASE, TTL, Record, Verdict, verdict
from persistence.database import WRITE, dialect_insert
from persistence.tables import idempotency_keys_t as keys_t


@dataclass(frozen=True)
class Outcome:
    """What `claim` found. RUN: this request holds the key until `held_until` (which also names the
    claim for `store` and `release`). REPLAY: `sealed` holds the first response."""

    verdict: Verdict
    held_until: datetime | None = None
    sealed: str | None = None


def claim(engine: Engine, credential: str, digest: str, fingerprint: str, now: datetime) -> Outcome:
    """Claim the key for this request, or say why not. Concurrent claims of one key (any process)
    meet on the primary key: exactly one INSERT or compare-and-set UPDATE wins."""
    held_until = now + LEASE
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        inserted = conn.execute(
            dialect_insert(conn, keys_t)
            .values(
                credential=credential,
                key_digest=digest,
                fingerprint=fingerprint,
                created_at=now,
                expires_at=now + TTL,
                locked_until=held_until,
            )
            .on_conflict_do_nothing(index_elements=["credential", "key_digest"])
            .returning(keys_t.c.key_digest)  # rowcount is not reliable here on every driver
        ).first()
        if inserted is not None:
            return Outcome(Verdict.RUN, held_until)
        record = _record(conn, credential, digest)
        if record is None:  # released between the INSERT and the SELECT: busy for the moment
            return Outcome(Verdict.IN_USE)
        found = verdict(record, fingerprint, now)
        if found is Verdict.REPLAY:
            return Outcome(found, sealed=record.sealed)
        if found is not Verdict.RUN:
            return Outcome(found)
        # Expired, or a claim that lapsed: take it over only if nobody else changed it meanwhile.
        taken = conn.execute(
            update(keys_t)
            .where(_pk(credential, digest), _same(record))
            .values(
                fingerprint=fingerprint,
                created_at=now,
                expires_at=now + TTL,
                locked_until=held_until,
                sealed=None,
            )
        ).rowcount
        return Outcome(Verdict.RUN, held_until) if taken == 1 else Outcome(Verdict.IN_USE)


def store(engine: Engine, credential: str, digest: str, held_until: datetime, sealed: str) -> None:
    """Keep the response of the request holding the claim `held_until`; the claim ends."""
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(
            update(keys_t)
            .where(_pk(credential, digest), keys_t.c.locked_until == held_until, keys_t.c.sealed.is_(None))
            .values(sealed=sealed, locked_until=None)
        )


def release(engine: Engine, credential: str, digest: str, held_until: datetime) -> None:
    """Give the key up without a response (the request failed before or outside the change)."""
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(
            delete(keys_t).where(
                _pk(credential, digest), keys_t.c.locked_until == held_until, keys_t.c.sealed.is_(None)
            )
        )


def delete_expired(conn: Connection, now: datetime) -> None:
    """Housekeeping: keys past their 24 hours, with the responses they hold."""
    conn.execute(delete(keys_t).where(keys_t.c.expires_at <= now))


def _record(conn: Connection, credential: str, digest: str) -> Record | None:
    row = conn.execute(
        select(keys_t.c.fingerprint, keys_t.c.expires_at, keys_t.c.locked_until, keys_t.c.sealed).where(
            _pk(credential, digest)
        )
    ).one_or_none()
    return None if row is None else Record(row.fingerprint, row.expires_at, row.locked_until, row.sealed)


def _pk(credential: str, digest: str) -> ColumnElement[bool]:
    return and_(keys_t.c.credential == credential, keys_t.c.key_digest == digest)


def _same(record: Record) -> ColumnElement[bool]:
    """The row still as `record` read it (its claim and its expiry name its state)."""
    locked = (
        keys_t.c.locked_until.is_(None) if record.locked_until is None else keys_t.c.locked_until == record.locked_until
    )
    return and_(keys_t.c.expires_at == record.expires_at, locked)
