"""Repositories over one SQLAlchemy Connection; every method is a constant number of statements."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.entities import Account, AuditEvent, ContactEmail, CustomerInfo, Mail, Session, User, UserRole
from domain.errors import AlreadyExists, Invalid
from domain.ports import Clock, Keyring
from domain.rules.contact import email_key
from persistence import mappers
from persistence.database import dialect_insert
from persistence.tables import (
    AccountRow,
    AttemptCounterRow,
    AuditEventRow,
    ContactEmailRow,
    MailOutboxRow,
    SessionRow,
    UserRow,
)

accounts_t = AccountRow.__table__
users_t = UserRow.__table__
sessions_t = SessionRow.__table__
contacts_t = ContactEmailRow.__table__
outbox_t = MailOutboxRow.__table__
attempts_t = AttemptCounterRow.__table__
audit_t = AuditEventRow.__table__


def _labelled(table: Any, prefix: str) -> list[Any]:
    return [c.label(f"{prefix}{c.name}") for c in table.c]


def _strip(row: Any, prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in row._mapping.items() if k.startswith(prefix)}


class Repository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn


class SqlAccounts(Repository):
    def add(self, account: Account) -> None:
        try:
            self.conn.execute(insert(accounts_t).values(**mappers.account_to_row(account)))
        except IntegrityError as error:  # a concurrent creation took the number first
            raise AlreadyExists("An account with this number exists already.", ("number",)) from error

    def get(self, account_id: UUID) -> Account | None:
        row = self.conn.execute(select(accounts_t).where(accounts_t.c.id == account_id)).mappings().first()
        return mappers.account_from_row(row) if row else None

    def lock(self, account_id: UUID) -> Account | None:
        # FOR UPDATE on PostgreSQL; SQLite's write transactions are already exclusive (IMMEDIATE).
        stmt = select(accounts_t).where(accounts_t.c.id == account_id).with_for_update()
        row = self.conn.execute(stmt).mappings().first()
        return mappers.account_from_row(row) if row else None

    def number_taken(self, kind: str, number: str) -> bool:
        column = accounts_t.c.organization_number if kind == "BUSINESS" else accounts_t.c.personal_number
        stmt = select(func.count()).select_from(accounts_t).where(column == number)
        return bool(self.conn.execute(stmt).scalar_one())

    def get_many(self, account_ids: list[UUID]) -> dict[UUID, Account]:
        if not account_ids:
            return {}
        stmt = select(accounts_t).where(accounts_t.c.id.in_(account_ids))
        return {row["id"]: mappers.account_from_row(row) for row in self.conn.execute(stmt).mappings()}

    def update_customer_info(self, account_id: UUID, info: CustomerInfo, expected_version: int) -> bool:
        stmt = (
            update(accounts_t)
            .where(accounts_t.c.id == account_id, accounts_t.c.customer_info_version == expected_version)
            .values(**mappers.customer_info_to_row(info), customer_info_version=accounts_t.c.customer_info_version + 1)
        )
        return self.conn.execute(stmt).rowcount == 1

    def set_number(self, account_id: UUID, kind: str, number: str) -> None:
        column = "organization_number" if kind == "BUSINESS" else "personal_number"
        try:
            self.conn.execute(update(accounts_t).where(accounts_t.c.id == account_id).values({column: number}))
        except IntegrityError as error:  # a concurrent approval gave the number to another account
            raise Invalid("Another account has this number already; the request cannot be approved.") from error

    def admin_emails(self, account_id: UUID) -> list[str]:
        stmt = (
            select(users_t.c.email)
            .where(users_t.c.account_id == account_id, users_t.c.role == UserRole.ACCOUNT_ADMIN.value)
            .order_by(users_t.c.created_at, users_t.c.id)
        )
        return list(self.conn.execute(stmt).scalars())


class SqlUsers(Repository):
    def add(self, user: User) -> None:
        self.conn.execute(insert(users_t).values(**mappers.user_to_row(user, email_key(user.email))))

    def get(self, user_id: UUID) -> User | None:
        row = self.conn.execute(select(users_t).where(users_t.c.id == user_id)).mappings().first()
        return mappers.user_from_row(row) if row else None

    def by_email(self, email: str) -> User | None:
        stmt = select(users_t).where(users_t.c.email_key == email_key(email))
        row = self.conn.execute(stmt).mappings().first()
        return mappers.user_from_row(row) if row else None

    def get_with_account(self, user_id: UUID) -> tuple[User, Account] | None:
        stmt = (
            select(*_labelled(users_t, "u_"), *_labelled(accounts_t, "a_"))
            .join_from(users_t, accounts_t, users_t.c.account_id == accounts_t.c.id)
            .where(users_t.c.id == user_id)
        )
        row = self.conn.execute(stmt).first()
        if row is None:
            return None
        return mappers.user_from_row(_strip(row, "u_")), mappers.account_from_row(_strip(row, "a_"))


class SqlSessions(Repository):
    def add(self, session: Session) -> None:
        values = {c.name: getattr(session, c.name) for c in sessions_t.c}
        self.conn.execute(insert(sessions_t).values(**values))

    def authenticate(self, token_hash: str) -> tuple[Session, User, Account] | None:
        stmt = (
            select(*_labelled(sessions_t, "s_"), *_labelled(users_t, "u_"), *_labelled(accounts_t, "a_"))
            .join_from(sessions_t, users_t, sessions_t.c.user_id == users_t.c.id)
            .join(accounts_t, users_t.c.account_id == accounts_t.c.id)
            .where(sessions_t.c.token_hash == token_hash)
        )
        row = self.conn.execute(stmt).first()
        if row is None:
            return None
        return (
            mappers.session_from_row(_strip(row, "s_")),
            mappers.user_from_row(_strip(row, "u_")),
            mappers.account_from_row(_strip(row, "a_")),
        )

    def touch(self, session_id: UUID, at: datetime) -> None:
        self.conn.execute(update(sessions_t).where(sessions_t.c.id == session_id).values(last_seen_at=at))

    def for_user(self, user_id: UUID) -> list[Session]:
        stmt = (
            select(sessions_t)
            .where(sessions_t.c.user_id == user_id)
            .order_by(sessions_t.c.created_at.desc(), sessions_t.c.id)
        )
        return [mappers.session_from_row(r) for r in self.conn.execute(stmt).mappings()]

    def delete(self, session_id: UUID, user_id: UUID) -> bool:
        stmt = delete(sessions_t).where(sessions_t.c.id == session_id, sessions_t.c.user_id == user_id)
        return self.conn.execute(stmt).rowcount == 1

    def delete_others(self, user_id: UUID, keep: UUID | None) -> int:
        stmt = delete(sessions_t).where(sessions_t.c.user_id == user_id)
        if keep is not None:
            stmt = stmt.where(sessions_t.c.id != keep)
        return self.conn.execute(stmt).rowcount


class SqlContacts(Repository):
    def add(self, contact: ContactEmail) -> None:
        values = {
            "id": contact.id,
            "account_id": contact.account_id,
            "email": contact.email,
            "email_key": email_key(contact.email),
            "verified_at": contact.verified_at,
            "created_at": contact.created_at,
            **mappers.roles_to_row(contact.roles),
        }
        self.conn.execute(insert(contacts_t).values(**values))

    def for_accounts(self, account_ids: list[UUID]) -> dict[UUID, list[ContactEmail]]:
        found: dict[UUID, list[ContactEmail]] = {a: [] for a in account_ids}
        if not account_ids:
            return found
        stmt = (
            select(contacts_t)
            .where(contacts_t.c.account_id.in_(account_ids))
            .order_by(contacts_t.c.created_at, contacts_t.c.id)
        )
        for row in self.conn.execute(stmt).mappings():
            found[row["account_id"]].append(mappers.contact_from_row(row))
        return found


class SqlOutbox(Repository):
    def __init__(
        self, conn: Connection, keyring: Keyring, clock: Clock, request_id: Callable[[], str | None] | None = None
    ) -> None:
        super().__init__(conn)
        self.keyring = keyring
        self.clock = clock
        self.request_id = request_id
        self.queued = False

    def add(self, mail: Mail) -> None:
        self.queued = True
        now = self.clock()
        sealed = self.keyring.encrypt("outbox", f"{mail.subject}\n{mail.text}".encode())
        self.conn.execute(
            insert(outbox_t).values(
                id=uuid.uuid4(),
                recipient=mail.to,
                sealed=sealed,
                created_at=now,
                next_attempt_at=now,
                request_id=self.request_id() if self.request_id else None,
            )
        )


class SqlAttemptCounters(Repository):
    def hit(self, scope: str, key: str, window_start: datetime) -> int:
        stmt = dialect_insert(self.conn, attempts_t).values(scope=scope, key=key, window_start=window_start, count=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=["scope", "key", "window_start"], set_={"count": attempts_t.c.count + 1}
        ).returning(attempts_t.c.count)
        return int(self.conn.execute(stmt).scalar_one())

    def refund(self, scope: str, key: str, window_start: datetime) -> None:
        self.conn.execute(
            update(attempts_t)
            .where(self._pk(scope, key, window_start), attempts_t.c.count > 0)
            .values(count=attempts_t.c.count - 1)
        )

    @staticmethod
    def _pk(scope: str, key: str, window_start: datetime) -> Any:
        return and_(attempts_t.c.scope == scope, attempts_t.c.key == key, attempts_t.c.window_start == window_start)


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
