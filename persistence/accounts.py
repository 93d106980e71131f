"""Accounts and their customer info: one row per account."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.entities import Account, AccountKind, CustomerInfo, UserRole
from domain.errors import AlreadyExists, Invalid
from persistence.rows import Repository, Row, address_from_row, address_to_row
from persistence.tables import accounts_t, users_t


def account_from_row(r: Row) -> Account:
    address = address_from_row(r) if r["address_line1"] is not None else None
    info = CustomerInfo(
        contact_person=r["contact_person"],
        company_name=r["company_name"],
        address=address,
        purchase_order_number=r["purchase_order_number"],
        version=r["customer_info_version"],
        updated_at=r["customer_info_updated_at"],
    )
    return Account(
        id=r["id"],
        kind=AccountKind(r["kind"]),
        country=r["country"],
        customer_info=info,
        organization_number=r["organization_number"],
        personal_number=r["personal_number"],
        created_at=r["created_at"],
    )


def account_to_row(a: Account) -> dict[str, Any]:
    info = a.customer_info
    return {
        "id": a.id,
        "kind": a.kind.value,
        "country": a.country,
        "organization_number": a.organization_number,
        "personal_number": a.personal_number,
        "created_at": a.created_at,
        **customer_info_to_row(info),
        "customer_info_version": info.version,
    }


def customer_info_to_row(info: CustomerInfo) -> dict[str, Any]:
    return {
        "company_name": info.company_name,
        "contact_person": info.contact_person,
        **address_to_row(info.address),
        "purchase_order_number": info.purchase_order_number,
        "customer_info_updated_at": info.updated_at,
    }


class SqlAccounts(Repository):
    def add(self, account: Account) -> None:
        try:
            self.conn.execute(insert(accounts_t).values(**account_to_row(account)))
        except IntegrityError as error:  # a concurrent creation took the number first
            raise AlreadyExists("An account with this number exists already.", ("number",)) from error

    def get(self, account_id: UUID) -> Account | None:
        row = self.conn.execute(select(accounts_t).where(accounts_t.c.id == account_id)).mappings().first()
        return account_from_row(row) if row else None

    def lock(self, account_id: UUID) -> Account | None:
        # FOR UPDATE on PostgreSQL; SQLite's write transactions are already exclusive (IMMEDIATE).
        stmt = select(accounts_t).where(accounts_t.c.id == account_id).with_for_update()
        row = self.conn.execute(stmt).mappings().first()
        return account_from_row(row) if row else None

    def number_taken(self, kind: str, number: str) -> bool:
        column = accounts_t.c.organization_number if kind == "BUSINESS" else accounts_t.c.personal_number
        stmt = select(func.count()).select_from(accounts_t).where(column == number)
        return bool(self.conn.execute(stmt).scalar_one())

    def get_many(self, account_ids: list[UUID]) -> dict[UUID, Account]:
        if not account_ids:
            return {}
        stmt = select(accounts_t).where(accounts_t.c.id.in_(account_ids))
        return {row["id"]: account_from_row(row) for row in self.conn.execute(stmt).mappings()}

    def update_customer_info(self, account_id: UUID, info: CustomerInfo, expected_version: int) -> bool:
        stmt = (
            update(accounts_t)
            .where(accounts_t.c.id == account_id, accounts_t.c.customer_info_version == expected_version)
            .values(**customer_info_to_row(info), customer_info_version=accounts_t.c.customer_info_version + 1)
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
