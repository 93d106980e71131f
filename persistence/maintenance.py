"""Housekeeping that any process may run at any time: every statement is idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, or_

from domain.audit import DEFAULT_RETENTION
from persistence import audit, idempotency
from persistence.database import WRITE
from persistence.tables import (
    attempts_t,
    mfa_challenges_t,
    outbox_t,
    password_resets_t,
    report_tokens_t,
    sessions_t,
)


def sweep(engine: Engine, now: datetime, idle_ttl: timedelta, audit_retention: timedelta = DEFAULT_RETENTION) -> None:
    """Drop expired sessions, MFA challenges, reset codes and report links, attempt windows and
    idempotency keys older than a day, delivered mail after a week, and audit events past their
    retention."""
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(
            delete(sessions_t).where(
                or_(sessions_t.c.absolute_expires_at <= now, sessions_t.c.last_seen_at <= now - idle_ttl)
            )
        )
        conn.execute(delete(attempts_t).where(attempts_t.c.window_start < now - timedelta(days=1)))
        conn.execute(delete(outbox_t).where(outbox_t.c.sent_at < now - timedelta(days=7)))
        conn.execute(delete(mfa_challenges_t).where(mfa_challenges_t.c.expires_at <= now))
        conn.execute(delete(password_resets_t).where(password_resets_t.c.expires_at <= now))
        conn.execute(delete(report_tokens_t).where(report_tokens_t.c.expires_at <= now))
        idempotency.delete_expired(conn, now)
        audit.delete_older_than(conn, now - audit_retention)
