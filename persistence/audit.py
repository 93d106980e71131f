"""The audit log: who changed what, field names only."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, insert

from domain.entities import AuditEvent
from domain.ports import Clock
from persistence.rows import Repository
from persistence.tables import audit_t


class SqlAuditLog(Repository):
    def __init__(self, conn: Connection, clock: Clock) -> None:
        super().__init__(conn)
        self.clock = clock

    def add(self, event: AuditEvent) -> None:
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
            )
        )
