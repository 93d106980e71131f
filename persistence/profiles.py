"""The profile, sign-in email change and password columns of `users`: conditional updates only.

Every write here is a single UPDATE whose WHERE clause carries the condition it depends on (the
expected version, the pending code, the old hash), so concurrent requests cannot both win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from domain.entities import EmailChange, Profile
from domain.errors import AlreadyExists
from domain.rules.email import email_key
from persistence.tables import users_t
from persistence.users import profile_to_row


class SqlProfiles:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def update(self, user_id: UUID, expected_version: int, profile: Profile) -> bool:
        stmt = (
            update(users_t)
            .where(users_t.c.id == user_id, users_t.c.version == expected_version)
            .values(**profile_to_row(profile), version=users_t.c.version + 1)
        )
        return self.conn.execute(stmt).rowcount == 1

    def start_email_change(self, user_id: UUID, change: EmailChange) -> None:
        self.conn.execute(
            update(users_t)
            .where(users_t.c.id == user_id)
            .values(
                pending_email=change.new_email,
                email_change_digest=change.code_digest,
                email_change_expires_at=change.expires_at,
                email_change_attempts=change.attempts,
            )
        )

    def email_change(self, user_id: UUID) -> EmailChange | None:
        columns = (
            users_t.c.pending_email,
            users_t.c.email_change_digest,
            users_t.c.email_change_expires_at,
            users_t.c.email_change_attempts,
        )
        row = self.conn.execute(select(*columns).where(users_t.c.id == user_id)).first()
        if row is None or row.pending_email is None or row.email_change_digest is None:
            return None
        return EmailChange(row.pending_email, row.email_change_digest, row.email_change_expires_at, row[3])

    def count_email_change_attempt(self, user_id: UUID, max_attempts: int) -> bool:
        stmt = (
            update(users_t)
            .where(
                users_t.c.id == user_id,
                users_t.c.email_change_digest.is_not(None),
                users_t.c.email_change_attempts < max_attempts,
            )
            .values(email_change_attempts=users_t.c.email_change_attempts + 1)
        )
        return self.conn.execute(stmt).rowcount == 1

    def confirm_email_change(self, user_id: UUID, change: EmailChange, at: datetime) -> bool:
        stmt = (
            update(users_t)
            .where(
                users_t.c.id == user_id,
                users_t.c.pending_email == change.new_email,
                users_t.c.email_change_digest == change.code_digest,
            )
            .values(
                email=change.new_email,
                email_key=email_key(change.new_email),
                **_NO_EMAIL_CHANGE,
                version=users_t.c.version + 1,
                updated_at=at,
            )
        )
        try:
            return self.conn.execute(stmt).rowcount == 1
        except IntegrityError:
            # Another user's confirmation of the same address committed first (email_key is unique).
            raise AlreadyExists("Another user has started signing in with this email address meanwhile.") from None

    def set_password(self, user_id: UUID, old_hash: str, new_hash: str) -> bool:
        stmt = (
            update(users_t)
            .where(users_t.c.id == user_id, users_t.c.password_hash == old_hash)
            .values(password_hash=new_hash)
        )
        return self.conn.execute(stmt).rowcount == 1


_NO_EMAIL_CHANGE: dict[str, Any] = {
    "pending_email": None,
    "email_change_digest": None,
    "email_change_expires_at": None,
    "email_change_attempts": 0,
}
