"""contacts and transfers: contact-email verification codes, transfer requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import persistence.tables

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("code_expires_at", persistence.tables.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("code_attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("code_sent_at", persistence.tables.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("resend_window_start", persistence.tables.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("resends_in_window", sa.Integer(), server_default="0", nullable=False))

    op.create_table(
        "transfer_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("current_number", sa.String(length=40), nullable=True),
        sa.Column("requested_number", sa.String(length=40), nullable=False),
        sa.Column("new_holder_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", persistence.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", persistence.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_transfer_requests_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_requests")),
    )
    with op.batch_alter_table("transfer_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_requests_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfer_requests_submitted_at"), ["submitted_at"], unique=False)
        batch_op.create_index(
            "uq_transfer_requests_account_submitted",
            ["account_id"],
            unique=True,
            sqlite_where=sa.text("status = 'SUBMITTED'"),
            postgresql_where=sa.text("status = 'SUBMITTED'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("transfer_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_transfer_requests_account_submitted")
        batch_op.drop_index(batch_op.f("ix_transfer_requests_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_transfer_requests_account_id"))

    op.drop_table("transfer_requests")
    with op.batch_alter_table("contact_emails", schema=None) as batch_op:
        batch_op.drop_column("resends_in_window")
        batch_op.drop_column("resend_window_start")
        batch_op.drop_column("code_sent_at")
        batch_op.drop_column("code_attempts")
        batch_op.drop_column("code_expires_at")
        batch_op.drop_column("code_digest")
