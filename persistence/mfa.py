"""The MFA repository: pending TOTP secrets, MFA on/off, recovery code digests and sign-in challenges.

Whatever may succeed only once (a TOTP step, a recovery code, a challenge, an attempt) is a single
conditional UPDATE whose row count says who won: atomic on SQLite (writers are serialized) and on
PostgreSQL (a second writer waits for the row lock, then re-checks the WHERE clause).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func, insert, select, update

from domain.entities import MfaChallenge, MfaSecret
from persistence.database import dialect_insert
from persistence.rows import Repository, Row
from persistence.tables import mfa_challenges_t as challenges_t
from persistence.tables import mfa_recovery_codes_t as recovery_t
from persistence.tables import mfa_secrets_t as secrets_t
from persistence.tables import users_t


def _secret(row: Row) -> MfaSecret:
    return MfaSecret(
        user_id=row["user_id"],
        pending_sealed=row["pending_sealed"],
        pending_expires_at=row["pending_expires_at"],
        pending_attempts=row["pending_attempts"],
        pending_name=row["pending_name"],
    )


def _challenge(row: Row) -> MfaChallenge:
    return MfaChallenge(
        digest=row["digest"],
        user_id=row["user_id"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        attempts=row["attempts"],
        used_at=row["used_at"],
        passkey_challenge=row["passkey_challenge"],
    )


class SqlMfa(Repository):
    def get(self, user_id: UUID) -> MfaSecret | None:
        row = self.conn.execute(select(secrets_t).where(secrets_t.c.user_id == user_id)).mappings().first()
        return _secret(row) if row else None

    def save_pending(self, user_id: UUID, sealed: str, name: str, expires_at: datetime, now: datetime) -> None:
        pending = {
            "pending_sealed": sealed,
            "pending_name": name,
            "pending_expires_at": expires_at,
            "pending_attempts": 0,
            "updated_at": now,
        }
        stmt = dialect_insert(self.conn, secrets_t).values(user_id=user_id, **pending)
        self.conn.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=pending))

    def hit_pending(self, user_id: UUID, now: datetime, max_attempts: int) -> MfaSecret | None:
        c = secrets_t.c
        stmt = (
            update(secrets_t)
            .where(
                c.user_id == user_id,
                c.pending_sealed.is_not(None),
                c.pending_expires_at > now,
                c.pending_attempts < max_attempts,
            )
            .values(pending_attempts=c.pending_attempts + 1)
            .returning(*secrets_t.c)
        )
        row = self.conn.execute(stmt).mappings().first()
        return _secret(row) if row else None

    def void_pending(self, user_id: UUID) -> None:
        stmt = update(secrets_t).where(secrets_t.c.user_id == user_id)
        self.conn.execute(stmt.values(pending_sealed=None, pending_expires_at=None))

    def take_pending(self, user_id: UUID, pending_sealed: str) -> bool:
        c = secrets_t.c
        stmt = (
            update(secrets_t)
            .where(c.user_id == user_id, c.pending_sealed == pending_sealed)
            .values(pending_sealed=None, pending_expires_at=None, pending_attempts=0, pending_name=None)
        )
        return self.conn.execute(stmt).rowcount == 1

    def enable(self, user_id: UUID, now: datetime) -> bool:
        stmt = update(users_t).where(users_t.c.id == user_id, users_t.c.mfa_enabled_at.is_(None))
        return self.conn.execute(stmt.values(mfa_enabled_at=now)).rowcount == 1

    def disable(self, user_id: UUID) -> bool:
        turned_off = self.conn.execute(
            update(users_t)
            .where(users_t.c.id == user_id, users_t.c.mfa_enabled_at.is_not(None))
            .values(mfa_enabled_at=None)
        ).rowcount
        self.conn.execute(delete(secrets_t).where(secrets_t.c.user_id == user_id))
        # Open challenges stay until they expire: completing one needs MFA on, and deleting them
        # here would take their row locks in the opposite order to a concurrent second step.
        self.conn.execute(delete(recovery_t).where(recovery_t.c.user_id == user_id))
        return turned_off == 1

    def replace_recovery_codes(self, user_id: UUID, digests: list[str], now: datetime) -> None:
        self.conn.execute(delete(recovery_t).where(recovery_t.c.user_id == user_id))
        rows = [{"id": uuid.uuid4(), "user_id": user_id, "digest": d, "created_at": now} for d in digests]
        if rows:
            self.conn.execute(insert(recovery_t), rows)

    def use_recovery_code(self, user_id: UUID, digest: str, now: datetime) -> bool:
        c = recovery_t.c
        stmt = (
            update(recovery_t).where(c.user_id == user_id, c.digest == digest, c.used_at.is_(None)).values(used_at=now)
        )
        return self.conn.execute(stmt).rowcount >= 1

    def recovery_codes_remaining(self, user_ids: list[UUID]) -> dict[UUID, int]:
        found = dict.fromkeys(user_ids, 0)
        if not user_ids:
            return found
        c = recovery_t.c
        stmt = select(c.user_id, func.count()).where(c.user_id.in_(user_ids), c.used_at.is_(None)).group_by(c.user_id)
        for user_id, count in self.conn.execute(stmt):
            found[user_id] = int(count)
        return found

    def add_challenge(self, challenge: MfaChallenge) -> None:
        self.conn.execute(
            insert(challenges_t).values(
                digest=challenge.digest,
                user_id=challenge.user_id,
                created_at=challenge.created_at,
                expires_at=challenge.expires_at,
                attempts=challenge.attempts,
                used_at=challenge.used_at,
                passkey_challenge=challenge.passkey_challenge,
            )
        )

    def hit_challenge(self, digest: str, now: datetime, max_attempts: int) -> MfaChallenge | None:
        c = challenges_t.c
        stmt = (
            update(challenges_t)
            .where(c.digest == digest, c.used_at.is_(None), c.expires_at > now, c.attempts < max_attempts)
            .values(attempts=c.attempts + 1)
            .returning(*challenges_t.c)
        )
        row = self.conn.execute(stmt).mappings().first()
        return _challenge(row) if row else None

    def get_challenge(self, digest: str) -> MfaChallenge | None:
        row = self.conn.execute(select(challenges_t).where(challenges_t.c.digest == digest)).mappings().first()
        return _challenge(row) if row else None

    def void_challenges(self, user_id: UUID) -> None:
        self.conn.execute(delete(challenges_t).where(challenges_t.c.user_id == user_id))

    def use_challenge(self, digest: str, now: datetime) -> bool:
        c = challenges_t.c
        stmt = (
            update(challenges_t).where(c.digest == digest, c.used_at.is_(None), c.expires_at > now).values(used_at=now)
        )
        return self.conn.execute(stmt).rowcount == 1
