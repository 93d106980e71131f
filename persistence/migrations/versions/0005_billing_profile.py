"""billing profile: the provider's payee and bank details, and every earlier version of them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import persistence.tables

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _version_columns() -> list[sa.Column[Any]]:
    """The fields of one version of the profile, in both tables."""
    return [
        sa.Column("legal_name", sa.String(length=140), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=False),
        sa.Column("address_line2", sa.String(length=200), nullable=True),
        sa.Column("address_postal_code", sa.String(length=20), nullable=False),
        sa.Column("address_city", sa.String(length=100), nullable=False),
        sa.Column("address_region", sa.String(length=100), nullable=True),
        sa.Column("address_country", sa.String(length=2), nullable=False),
        sa.Column("vat_number", sa.String(length=20), nullable=True),
        sa.Column("registration_number", sa.String(length=40), nullable=True),
        sa.Column("bank_name", sa.String(length=140), nullable=False),
        sa.Column("account_holder", sa.String(length=140), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("payment_instructions", sa.String(length=500), nullable=True),
        sa.Column("invoice_email", sa.String(length=320), nullable=True),
        sa.Column("updated_at", persistence.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "billing_profile",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_version_columns(),
        sa.CheckConstraint("id = 1", name=op.f("ck_billing_profile_singleton")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_profile")),
    )
    op.create_table(
        "billing_profile_history",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("changed_at", persistence.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=False),
        *_version_columns(),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_billing_profile_history")),
    )


def downgrade() -> None:
    op.drop_table("billing_profile_history")
    op.drop_table("billing_profile")
