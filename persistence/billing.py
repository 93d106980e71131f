"""The billing profile repository: one current row, every superseded version kept in the history."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update

from domain.entities import BillingProfile, UserRole
from persistence.database import dialect_insert
from persistence.prepared import Prepared
from persistence.rows import Repository, Row, address_from_row, address_to_row
from persistence.tables import billing_history_t as history_t
from persistence.tables import billing_profile_t as profile_t
from persistence.tables import users_t

# The profile is a single row; its key never changes.
PROFILE_ID = 1
_CURRENT = select(profile_t).where(profile_t.c.id == PROFILE_ID)  # built once: read on every billingProfile


def profile_to_row(p: BillingProfile) -> dict[str, Any]:
    """The columns one version of the profile is stored in, in either table."""
    return {
        "legal_name": p.legal_name,
        **address_to_row(p.address),
        "vat_number": p.vat_number,
        "registration_number": p.registration_number,
        "bank_name": p.bank_name,
        "account_holder": p.account_holder,
        "iban": p.iban,
        "bic": p.bic,
        "payment_terms_days": p.payment_terms_days,
        "payment_instructions": p.payment_instructions,
        "invoice_email": p.invoice_email,
        "version": p.version,
        "updated_at": p.updated_at,
        "updated_by": p.updated_by,
    }


def profile_from_row(r: Row) -> BillingProfile:
    return BillingProfile(
        legal_name=r["legal_name"],
        address=address_from_row(r),
        bank_name=r["bank_name"],
        account_holder=r["account_holder"],
        iban=r["iban"],
        bic=r["bic"],
        payment_terms_days=r["payment_terms_days"],
        vat_number=r["vat_number"],
        registration_number=r["registration_number"],
        payment_instructions=r["payment_instructions"],
        invoice_email=r["invoice_email"],
        version=r["version"],
        updated_at=r["updated_at"],
        updated_by=r["updated_by"],
    )


# The profile (immutable) is remembered by its row: read again unchanged, it is not made again.
_CURRENT_RAW = Prepared(_CURRENT, build=profile_from_row, memo_size=8)


class SqlBillingProfiles(Repository):
    def get(self) -> BillingProfile | None:
        rows = _CURRENT_RAW.built(self.conn, {})
        return rows[0] if rows else None

    def add(self, profile: BillingProfile) -> bool:
        # ON CONFLICT DO NOTHING: of two racing first saves the later one inserts nothing (and
        # on PostgreSQL waits for the earlier one to commit or roll back), instead of failing.
        stmt = dialect_insert(self.conn, profile_t).values(id=PROFILE_ID, **profile_to_row(profile))
        stmt = stmt.on_conflict_do_nothing(index_elements=["id"]).returning(profile_t.c.id)
        # RETURNING rather than rowcount: psycopg reports -1 rows for this statement.
        return self.conn.execute(stmt).first() is not None

    def update(self, profile: BillingProfile, expected_version: int) -> bool:
        stmt = (
            update(profile_t)
            .where(profile_t.c.id == PROFILE_ID, profile_t.c.version == expected_version)
            .values(**profile_to_row(profile))
        )
        return self.conn.execute(stmt).rowcount == 1

    def archive(self, previous: BillingProfile, changed_at: datetime, changed_by: UUID) -> None:
        values = {**profile_to_row(previous), "changed_at": changed_at, "changed_by": changed_by}
        self.conn.execute(history_t.insert().values(**values))

    def at_version(self, version: int) -> BillingProfile | None:
        current = self.get()
        if current is not None and current.version == version:
            return current
        row = self.conn.execute(select(history_t).where(history_t.c.version == version)).mappings().first()
        return profile_from_row(row) if row else None

    def at_versions(self, versions: list[int]) -> dict[int, BillingProfile]:
        found: dict[int, BillingProfile] = {}
        current = self.get()
        if current is not None and current.version in versions:
            found[current.version] = current
        older = [v for v in versions if v not in found]
        if older:
            rows = self.conn.execute(select(history_t).where(history_t.c.version.in_(older))).mappings()
            found.update({r["version"]: profile_from_row(r) for r in rows})
        return found

    def cloud_admin_emails(self) -> list[str]:
        stmt = select(users_t.c.email).where(users_t.c.role == UserRole.CLOUD_ADMIN.value).order_by(users_t.c.email)
        return list(self.conn.execute(stmt).scalars())
