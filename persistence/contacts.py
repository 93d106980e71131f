"""Contact emails with their roles and verification-code state; one row per contact."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select, update

from domain.entities import ContactCode, ContactEmail, ContactRole
from domain.rules.email import email_key
from persistence.prepared import Listed, Prepared
from persistence.rows import Repository, Row
from persistence.tables import contacts_t

_NO_CODE: dict[str, Any] = {"code_digest": None, "code_expires_at": None, "code_attempts": 0}
_ROLE_COLUMNS = {ContactRole.BILLING: "billing", ContactRole.TECH: "tech", ContactRole.DPO: "dpo"}


# What a ContactEmail is made of (not the code's columns).
ENTITY_COLUMNS = tuple(
    contacts_t.c[name] for name in ("id", "account_id", "email", "billing", "tech", "dpo", "verified_at", "created_at")
)
_ENTITY = select(*ENTITY_COLUMNS)
# Built once: read on every request that shows contacts.
_FOR_ACCOUNTS = _ENTITY.where(contacts_t.c.account_id.in_(bindparam("account_ids", expanding=True))).order_by(
    contacts_t.c.created_at, contacts_t.c.id
)
# One account (every signed-in request that shows contacts): no expanding IN to render per call.
_FOR_ACCOUNT = _ENTITY.where(contacts_t.c.account_id == bindparam("account_id")).order_by(
    contacts_t.c.created_at, contacts_t.c.id
)


def contact_from_row(r: Row) -> ContactEmail:
    roles = frozenset(role for role, column in _ROLE_COLUMNS.items() if r[column])
    return ContactEmail(
        id=r["id"],
        account_id=r["account_id"],
        email=r["email"],
        created_at=r["created_at"],
        roles=roles,
        verified_at=r["verified_at"],
    )


# Entities are immutable and made from their row alone: an unchanged row (most reads) is not converted again.
_FOR_ACCOUNT_RAW = Prepared(_FOR_ACCOUNT, build=contact_from_row)
# SQLite: the same, as one JSON value remembered by its text: one string and one look-up for the
# list, where rows cost a tuple and a look-up each.
_FOR_ACCOUNT_LISTED = Listed(_FOR_ACCOUNT, build=contact_from_row, memo_size=2048)

# An account's contacts by (account, contacts stamp): triggers change the stamp in the transaction
# of any change to them (migration 0012), so a read-only unit of work whose look-up read the
# account's row (`stamps`, persistence.rows) reuses them without a statement. First in, first out, at
# most 2,048 lists (a few MB).
_STAMPED: dict[tuple[UUID, int], tuple[ContactEmail, ...]] = {}
_STAMPED_SIZE = 2048
_STAMPED_LOCK = threading.Lock()  # a miss's eviction and insertion (threads and the loop's reads)


def roles_to_row(roles: frozenset[ContactRole]) -> dict[str, bool]:
    return {column: role in roles for role, column in _ROLE_COLUMNS.items()}


def code_from_row(r: Any) -> ContactCode:
    return ContactCode(
        digest=r["code_digest"],
        expires_at=r["code_expires_at"],
        attempts=r["code_attempts"],
        sent_at=r["code_sent_at"],
        resend_window_start=r["resend_window_start"],
        resends_in_window=r["resends_in_window"],
    )


class SqlContacts(Repository):
    """Every method is one statement; invariants across contacts are the service's, under the account lock."""

    def for_account(self, account_id: UUID) -> list[ContactEmail]:
        return self.for_accounts([account_id])[account_id]

    def _read(self, account_id: UUID) -> list[ContactEmail]:
        alone = _FOR_ACCOUNT_LISTED if self.conn.dialect.name == "sqlite" else _FOR_ACCOUNT_RAW
        return alone.built(self.conn, {"account_id": account_id})

    def _at_stamp(self, account_id: UUID, stamp: int) -> list[ContactEmail]:
        """The account's contacts, given its `contacts_stamp` as read earlier in this transaction: what
        was read at that stamp, or, the first time, a read now (at least as new as the stamp, so it
        never stands for contacts older than the stamp says)."""
        key = (account_id, stamp)
        found = _STAMPED.get(key)
        if found is None:
            found = tuple(self._read(account_id))
            with _STAMPED_LOCK:
                if len(_STAMPED) >= _STAMPED_SIZE:
                    del _STAMPED[next(iter(_STAMPED))]
                _STAMPED[key] = found
        return list(found)

    def with_code(self, account_id: UUID, contact_id: UUID) -> tuple[ContactEmail, ContactCode] | None:
        stmt = select(contacts_t).where(contacts_t.c.id == contact_id, contacts_t.c.account_id == account_id)
        row = self.conn.execute(stmt).mappings().first()
        return (contact_from_row(row), code_from_row(row)) if row else None

    def set_code(self, contact_id: UUID, code: ContactCode) -> None:
        self.conn.execute(
            update(contacts_t)
            .where(contacts_t.c.id == contact_id)
            .values(
                code_digest=code.digest,
                code_expires_at=code.expires_at,
                code_attempts=code.attempts,
                code_sent_at=code.sent_at,
                resend_window_start=code.resend_window_start,
                resends_in_window=code.resends_in_window,
            )
        )

    def count_code_attempt(self, account_id: UUID, contact_id: UUID, now: datetime, max_attempts: int) -> bool:
        stmt = (
            update(contacts_t)
            .where(
                contacts_t.c.id == contact_id,
                contacts_t.c.account_id == account_id,
                contacts_t.c.verified_at.is_(None),
                contacts_t.c.code_digest.is_not(None),
                contacts_t.c.code_expires_at > now,
                contacts_t.c.code_attempts < max_attempts,
            )
            .values(code_attempts=contacts_t.c.code_attempts + 1)
        )
        return self.conn.execute(stmt).rowcount == 1

    def mark_verified(self, contact_id: UUID, code_digest: str, at: datetime) -> bool:
        stmt = (
            update(contacts_t)
            .where(
                contacts_t.c.id == contact_id,
                contacts_t.c.code_digest == code_digest,
                contacts_t.c.verified_at.is_(None),
            )
            .values(verified_at=at, **_NO_CODE)
        )
        return self.conn.execute(stmt).rowcount == 1

    def set_roles(self, contact_id: UUID, roles: frozenset[ContactRole]) -> None:
        stmt = update(contacts_t).where(contacts_t.c.id == contact_id).values(**roles_to_row(roles))
        self.conn.execute(stmt)

    def remove(self, contact_id: UUID) -> None:
        self.conn.execute(delete(contacts_t).where(contacts_t.c.id == contact_id))

    def add(self, contact: ContactEmail) -> None:
        values = {
            "id": contact.id,
            "account_id": contact.account_id,
            "email": contact.email,
            "email_key": email_key(contact.email),
            "verified_at": contact.verified_at,
            "created_at": contact.created_at,
            **roles_to_row(contact.roles),
        }
        self.conn.execute(insert(contacts_t).values(**values))

    def for_accounts(self, account_ids: list[UUID]) -> dict[UUID, list[ContactEmail]]:
        found: dict[UUID, list[ContactEmail]] = {a: [] for a in account_ids}
        if not account_ids:
            return found
        if len(account_ids) == 1:
            (account_id,) = account_ids
            stamp = self.stamps.get(account_id) if self.stamps is not None else None
            if stamp is not None:
                found[account_id] = self._at_stamp(account_id, stamp)
            else:
                found[account_id] = self._read(account_id)
            return found
        for row in self.conn.execute(_FOR_ACCOUNTS, {"account_ids": account_ids}).mappings():
            found[row["account_id"]].append(contact_from_row(row))
        return found
