"""The audit log: who changed what, field names only; read a page at a time, newest first."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select

from domain.audit import AuditQuery
from domain.entities import AuditEvent, Via
from domain.ports import Clock
from persistence.rows import Repository, Row
from persistence.tables import audit_t, users_t


def event_from_row(r: Row) -> AuditEvent:
    return AuditEvent(
        action=r["action"],
        target_type=r["target_type"],
        target_id=r["target_id"],
        actor_user_id=r["actor_user_id"],
        fields=tuple(r["fields"] or ()),
        ip_address=r["ip_address"],
        account_id=r["account_id"],
        user_id=r["user_id"],
        via=Via(r["via"]) if r["via"] else None,
        user_agent=r["user_agent"],
        actor_email=r["actor_email"],
        reason=r["reason"],
        id=r["id"],
        occurred_at=r["at"],
        api_token_id=r["api_token_id"],
    )


class SqlAuditLog(Repository):
    def __init__(self, conn: Connection, clock: Clock) -> None:
        super().__init__(conn)
        self.clock = clock

    def add(self, event: AuditEvent) -> None:
        # The actor's email as it is now, read in the same statement: kept after the user is gone.
        email: Any = event.actor_email
        if email is None and event.actor_user_id is not None:
            email = select(users_t.c.email).where(users_t.c.id == event.actor_user_id).scalar_subquery()
        self.conn.execute(
            insert(audit_t).values(
                id=uuid.uuid4(),
                at=self.clock(),
                actor_user_id=event.actor_user_id,
                action=event.action,
                target_type=event.target_type,
                target_id=event.target_id,
                fields=list(event.fields),
                ip_address=event.ip_address,
                account_id=event.account_id,
                user_id=event.user_id,
                actor_email=email,
                via=event.via.value if event.via else None,
                user_agent=event.user_agent,
                reason=event.reason,
                api_token_id=event.api_token_id,
            )
        )

    def page(self, query: AuditQuery) -> list[AuditEvent]:
        """One statement: the events after the cursor, newest first, on the (account|user, at, id) index."""
        c = audit_t.c
        stmt = select(audit_t).order_by(c.at.desc(), c.id.desc()).limit(query.limit)
        if query.account_id is not None:
            stmt = stmt.where(c.account_id == query.account_id)
        if query.user_id is not None:
            stmt = stmt.where(c.user_id == query.user_id)
        if query.actions:
            stmt = stmt.where(or_(*(_action(a) for a in query.actions)))
        if query.actor_id is not None:
            stmt = stmt.where(c.actor_user_id == query.actor_id)
        if query.since is not None:
            stmt = stmt.where(c.at >= query.since)
        if query.until is not None:
            stmt = stmt.where(c.at < query.until)
        if query.after is not None:
            at, last = query.after.occurred_at, query.after.id
            # `at <= :at` first: a range the index seeks to, where a bare OR would make it scan.
            stmt = stmt.where(c.at <= at, or_(c.at < at, c.id < last))
        return [event_from_row(r) for r in self.conn.execute(stmt).mappings()]


def _action(wanted: str) -> Any:
    if not wanted.endswith("."):
        return audit_t.c.action == wanted
    escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return audit_t.c.action.like(escaped + "%", escape="\\")


def delete_older_than(conn: Connection, cutoff: datetime) -> None:
    """Retention: events older than `cutoff` go (housekeeping)."""
    conn.execute(delete(audit_t).where(audit_t.c.at < cutoff))
