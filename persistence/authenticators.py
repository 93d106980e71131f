"""The authenticators repository: each user's named second factors and started passkey ceremonies.

A TOTP step, a passkey counter and a ceremony are each claimed by one conditional UPDATE whose row
count says who won, as in persistence/mfa.py.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from domain.entities import Authenticator, AuthenticatorKind, PasskeyCeremony
from domain.errors import AlreadyExists
from persistence.rows import Repository, Row
from persistence.tables import authenticators_t as auth_t
from persistence.tables import passkey_ceremonies_t as ceremonies_t

NAME_TAKEN = "You have an authenticator with this name already."


def authenticator_from_row(r: Row) -> Authenticator:
    return Authenticator(
        id=r["id"],
        user_id=r["user_id"],
        kind=AuthenticatorKind(r["kind"]),
        name=r["name"],
        created_at=r["created_at"],
        last_used_at=r["last_used_at"],
        sealed=r["sealed"],
        last_step=r["last_step"],
        credential_id=r["credential_id"],
        public_key=r["public_key"],
        sign_count=int(r["sign_count"]),
        backup_eligible=bool(r["backup_eligible"]),
        backed_up=bool(r["backed_up"]),
        aaguid=r["aaguid"],
    )


def _ceremony(r: Row) -> PasskeyCeremony:
    return PasskeyCeremony(
        digest=r["digest"],
        purpose=r["purpose"],
        challenge=r["challenge"],
        created_at=r["created_at"],
        expires_at=r["expires_at"],
        user_id=r["user_id"],
        name=r["name"],
        used_at=r["used_at"],
    )


class SqlAuthenticators(Repository):
    def for_users(self, user_ids: list[UUID]) -> dict[UUID, list[Authenticator]]:
        found: dict[UUID, list[Authenticator]] = {u: [] for u in user_ids}
        if not user_ids:
            return found
        stmt = select(auth_t).where(auth_t.c.user_id.in_(user_ids)).order_by(auth_t.c.created_at, auth_t.c.id)
        for row in self.conn.execute(stmt).mappings():
            found[row["user_id"]].append(authenticator_from_row(row))
        return found

    def by_credential_id(self, credential_id: str) -> Authenticator | None:
        stmt = select(auth_t).where(auth_t.c.credential_id == credential_id)
        row = self.conn.execute(stmt).mappings().first()
        return authenticator_from_row(row) if row else None

    def add(self, authenticator: Authenticator) -> None:
        values = {c.name: getattr(authenticator, c.name) for c in auth_t.c}
        values["kind"] = authenticator.kind.value
        try:
            self.conn.execute(insert(auth_t).values(**values))
        except IntegrityError as error:  # the name (or, rarely, the credential) was taken meanwhile
            raise AlreadyExists(NAME_TAKEN, ("name",)) from error

    def rename(self, user_id: UUID, authenticator_id: UUID, name: str) -> bool:
        stmt = update(auth_t).where(auth_t.c.id == authenticator_id, auth_t.c.user_id == user_id).values(name=name)
        try:
            return self.conn.execute(stmt).rowcount == 1
        except IntegrityError as error:
            raise AlreadyExists(NAME_TAKEN, ("name",)) from error

    def remove(self, user_id: UUID, authenticator_id: UUID) -> bool:
        stmt = delete(auth_t).where(auth_t.c.id == authenticator_id, auth_t.c.user_id == user_id)
        return self.conn.execute(stmt).rowcount == 1

    def remove_all(self, user_id: UUID) -> None:
        self.conn.execute(delete(auth_t).where(auth_t.c.user_id == user_id))

    def claim_step(self, authenticator_id: UUID, step: int, now: datetime) -> bool:
        c = auth_t.c
        stmt = (
            update(auth_t)
            .where(
                c.id == authenticator_id,
                c.sealed.is_not(None),
                or_(c.last_step.is_(None), c.last_step < step),
            )
            .values(last_step=step, last_used_at=now)
        )
        return self.conn.execute(stmt).rowcount == 1

    def claim_count(self, authenticator_id: UUID, seen: int, count: int, backed_up: bool, now: datetime) -> bool:
        c = auth_t.c
        stmt = (
            update(auth_t)
            .where(c.id == authenticator_id, c.sign_count == seen)
            .values(sign_count=count, backed_up=backed_up, last_used_at=now)
        )
        return self.conn.execute(stmt).rowcount == 1

    def add_ceremony(self, ceremony: PasskeyCeremony) -> None:
        self.conn.execute(insert(ceremonies_t).values({c.name: getattr(ceremony, c.name) for c in ceremonies_t.c}))

    def use_ceremony(self, digest: str, purpose: str, now: datetime) -> PasskeyCeremony | None:
        c = ceremonies_t.c
        stmt = (
            update(ceremonies_t)
            .where(c.digest == digest, c.purpose == purpose, c.used_at.is_(None), c.expires_at > now)
            .values(used_at=now)
            .returning(*ceremonies_t.c)
        )
        row = self.conn.execute(stmt).mappings().first()
        return _ceremony(row) if row else None
