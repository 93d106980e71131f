"""Users: who signs in, with the profile columns; the profile's writes are in persistence.profiles."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import insert, select

from domain.entities import Account, Location, Profile, User, UserRole
from domain.rules.email import email_key
from persistence.accounts import account_from_row
from persistence.rows import Repository, Row, labelled, unprefixed
from persistence.tables import accounts_t, users_t


def user_from_row(r: Row) -> User:
    location = Location(r["location_country"], r["location_city"]) if r["location_country"] else None
    profile = Profile(
        first_name=r["first_name"],
        last_name=r["last_name"],
        phone=r["phone"],
        pending_email=r["pending_email"],
        location=location,
        language=r["language"],
        timezone=r["timezone"],
        job_title=r["job_title"],
        version=r["version"],
        updated_at=r["updated_at"],
    )
    return User(
        id=r["id"],
        account_id=r["account_id"],
        email=r["email"],
        role=UserRole(r["role"]),
        password_hash=r["password_hash"],
        profile=profile,
        created_at=r["created_at"],
        mfa_enabled_at=r["mfa_enabled_at"],
        password_reset_required=bool(r["password_reset_required"]),
    )


def profile_to_row(p: Profile) -> dict[str, Any]:
    return {
        "first_name": p.first_name,
        "last_name": p.last_name,
        "phone": p.phone,
        "pending_email": p.pending_email,
        "location_country": p.location.country if p.location else None,
        "location_city": p.location.city if p.location else None,
        "language": p.language,
        "timezone": p.timezone,
        "job_title": p.job_title,
        "updated_at": p.updated_at,
    }


def user_to_row(u: User, email_key: str) -> dict[str, Any]:
    return {
        "id": u.id,
        "account_id": u.account_id,
        "email": u.email,
        "email_key": email_key,
        "role": u.role.value,
        "password_hash": u.password_hash,
        "created_at": u.created_at,
        "mfa_enabled_at": u.mfa_enabled_at,
        "password_reset_required": u.password_reset_required,
        "version": u.profile.version,
        **profile_to_row(u.profile),
    }


class SqlUsers(Repository):
    def add(self, user: User) -> None:
        self.conn.execute(insert(users_t).values(**user_to_row(user, email_key(user.email))))

    def get(self, user_id: UUID) -> User | None:
        row = self.conn.execute(select(users_t).where(users_t.c.id == user_id)).mappings().first()
        return user_from_row(row) if row else None

    def by_email(self, email: str) -> User | None:
        stmt = select(users_t).where(users_t.c.email_key == email_key(email))
        row = self.conn.execute(stmt).mappings().first()
        return user_from_row(row) if row else None

    def with_accounts(self, user_ids: list[UUID]) -> dict[UUID, tuple[User, Account]]:
        if not user_ids:
            return {}
        stmt = (
            select(*labelled(users_t, "u_"), *labelled(accounts_t, "a_"))
            .join_from(users_t, accounts_t, users_t.c.account_id == accounts_t.c.id)
            .where(users_t.c.id.in_(user_ids))
        )
        pairs = [
            (user_from_row(unprefixed(r, "u_")), account_from_row(unprefixed(r, "a_"))) for r in self.conn.execute(stmt)
        ]
        return {user.id: (user, account) for user, account in pairs}

    def get_with_account(self, user_id: UUID) -> tuple[User, Account] | None:
        stmt = (
            select(*labelled(users_t, "u_"), *labelled(accounts_t, "a_"))
            .join_from(users_t, accounts_t, users_t.c.account_id == accounts_t.c.id)
            .where(users_t.c.id == user_id)
        )
        row = self.conn.execute(stmt).first()
        if row is None:
            return None
        return user_from_row(unprefixed(row, "u_")), account_from_row(unprefixed(row, "a_"))
