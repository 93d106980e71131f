"""Recovery: "this wasn't me" tokens, password-reset codes and the reset-required mark on users.
Whatever may happen only once is one conditional statement."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, delete, insert, select, update

from domain.entities import PasswordResetCode
from persistence.rows import Repository
from persistence.tables import password_resets_t, report_tokens_t, users_t


class SqlRecovery(Repository):
    def add_report_token(self, digest: str, user_id: UUID, now: datetime, expires_at: datetime) -> None:
        self.conn.execute(
            insert(report_tokens_t).values(digest=digest, user_id=user_id, created_at=now, expires_at=expires_at)
        )

    def use_report_token(self, digest: str, now: datetime) -> UUID | None:
        c = report_tokens_t.c
        stmt = (
            update(report_tokens_t)
            .where(c.digest == digest, c.used_at.is_(None), c.expires_at > now)
            .values(used_at=now)
            .returning(c.user_id)
        )
        return self.conn.execute(stmt).scalar_one_or_none()

    def require_reset(self, user_id: UUID) -> None:
        self.conn.execute(update(users_t).where(users_t.c.id == user_id).values(password_reset_required=True))

    def save_code(self, user_id: UUID, code: PasswordResetCode) -> None:
        self.conn.execute(delete(password_resets_t).where(password_resets_t.c.user_id == user_id))
        self.conn.execute(
            insert(password_resets_t).values(
                user_id=user_id, digest=code.digest, expires_at=code.expires_at, attempts=code.attempts
            )
        )

    def code(self, user_id: UUID) -> PasswordResetCode | None:
        c = password_resets_t.c
        row = self.conn.execute(select(c.digest, c.expires_at, c.attempts).where(c.user_id == user_id)).first()
        return PasswordResetCode(row.digest, row.expires_at, row.attempts) if row else None

    def count_code_attempt(self, user_id: UUID, now: datetime, max_attempts: int) -> bool:
        c = password_resets_t.c
        stmt = (
            update(password_resets_t)
            .where(c.user_id == user_id, c.expires_at > now, c.attempts < max_attempts)
            .values(attempts=c.attempts + 1)
        )
        return self.conn.execute(stmt).rowcount == 1

    def finish_reset(self, user_id: UUID, code_digest: str, old_hash: str, new_hash: str) -> bool:
        c = password_resets_t.c
        voided = self.conn.execute(delete(password_resets_t).where(c.user_id == user_id, c.digest == code_digest))
        if voided.rowcount != 1:
            return False
        u = users_t.c
        changed = self.conn.execute(
            update(users_t)
            .where(and_(u.id == user_id, u.password_hash == old_hash))
            .values(password_hash=new_hash, password_reset_required=False)
        )
        return changed.rowcount == 1
