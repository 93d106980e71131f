"""Known devices per user (keyed digests) with when each was last seen: one upsert per device."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select

from persistence.database import dialect_insert
from persistence.rows import Repository
from persistence.tables import known_devices_t


class SqlKnownDevices(Repository):
    def last_seen(self, user_id: UUID) -> dict[str, datetime]:
        c = known_devices_t.c
        rows = self.conn.execute(select(c.digest, c.last_seen_at).where(c.user_id == user_id))
        return {digest: at for digest, at in rows}

    def see(self, user_id: UUID, digests: list[str], at: datetime) -> None:
        if not digests:
            return
        stmt = dialect_insert(self.conn, known_devices_t).values(
            [{"user_id": user_id, "digest": d, "last_seen_at": at} for d in digests]
        )
        stmt = stmt.on_conflict_do_update(index_elements=["user_id", "digest"], set_={"last_seen_at": at})
        self.conn.execute(stmt)
