"""The mail outbox as the delivery worker sees it: claim due mails, then mark each sent or retried."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection, Engine, and_, insert, or_, select, update

from domain.entities import Mail
from domain.ports import Clock, Keyring
from persistence.database import WRITE
from persistence.rows import Repository
from persistence.tables import outbox_t


@dataclass(frozen=True)
class Claimed:
    id: UUID
    recipient: str
    sealed: str
    attempts: int
    request_id: str | None = None


def claim_due(
    engine: Engine, now: datetime, *, limit: int = 20, lease: timedelta = timedelta(minutes=2)
) -> list[Claimed]:
    """Lease up to `limit` due mails to this worker. A lease taken by another process is skipped,
    and an expired lease (a worker that died mid-send) is taken over."""
    free = or_(outbox_t.c.locked_until.is_(None), outbox_t.c.locked_until < now)
    due = and_(outbox_t.c.sent_at.is_(None), outbox_t.c.failed_at.is_(None), outbox_t.c.next_attempt_at <= now, free)
    claimed: list[Claimed] = []
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        rows = conn.execute(
            select(outbox_t.c.id, outbox_t.c.recipient, outbox_t.c.sealed, outbox_t.c.attempts, outbox_t.c.request_id)
            .where(due)
            .order_by(outbox_t.c.next_attempt_at)
            .limit(limit)
        ).all()
        for row in rows:
            taken = conn.execute(
                update(outbox_t)
                .where(outbox_t.c.id == row.id, free)
                .values(locked_until=now + lease, attempts=outbox_t.c.attempts + 1)
            ).rowcount
            if taken == 1 and row.sealed is not None:
                claimed.append(Claimed(row.id, row.recipient, row.sealed, row.attempts + 1, row.request_id))
    return claimed


def mark_sent(engine: Engine, mail_id: UUID, now: datetime) -> None:
    """Delivered: wipe the sealed body so no code outlives its mail."""
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(
            update(outbox_t)
            .where(outbox_t.c.id == mail_id)
            .values(sent_at=now, sealed=None, locked_until=None, last_error=None)
        )


def mark_retry(engine: Engine, mail_id: UUID, error: str, next_attempt_at: datetime | None, now: datetime) -> None:
    """Not delivered: try again at `next_attempt_at`, or give up (None) and wipe the body."""
    values: dict[str, object] = {"locked_until": None, "last_error": error[:500]}
    if next_attempt_at is None:
        values.update(failed_at=now, sealed=None)
    else:
        values["next_attempt_at"] = next_attempt_at
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(update(outbox_t).where(outbox_t.c.id == mail_id).values(**values))


class SqlOutbox(Repository):
    def __init__(
        self, conn: Connection, keyring: Keyring, clock: Clock, request_id: Callable[[], str | None] | None = None
    ) -> None:
        super().__init__(conn)
        self.keyring = keyring
        self.clock = clock
        self.request_id = request_id
        self.queued = False

    def add(self, mail: Mail) -> None:
        self.queued = True
        now = self.clock()
        sealed = self.keyring.encrypt("outbox", f"{mail.subject}\n{mail.text}".encode())
        self.conn.execute(
            insert(outbox_t).values(
                id=uuid.uuid4(),
                recipient=mail.to,
                sealed=sealed,
                created_at=now,
                next_attempt_at=now,
                request_id=self.request_id() if self.request_id else None,
            )
        )
