"""security activity: who/how/where of audit events with indexes for paging, known devices,
"this wasn't me" tokens, password-reset codes, and the reset-required mark on users

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import persistence.tables

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_devices",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("last_seen_at", persistence.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_known_devices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "digest", name=op.f("pk_known_devices")),
    )
    with op.batch_alter_table("known_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_devices_last_seen_at"), ["last_seen_at"], unique=False)

    op.create_table(
        "password_resets",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", persistence.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_password_resets_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_password_resets")),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_resets_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "report_tokens",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", persistence.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", persistence.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", persistence.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_report_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_report_tokens")),
    )
    with op.batch_alter_table("report_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_tokens_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_tokens_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("user_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("actor_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("via", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("user_agent", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_audit_events_account_at", ["account_id", "at", "id"], unique=False)
        batch_op.create_index("ix_audit_events_user_at", ["user_id", "at", "id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("password_reset_required", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_reset_required")

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_user_at")
        batch_op.drop_index("ix_audit_events_account_at")
        batch_op.drop_column("reason")
        batch_op.drop_column("user_agent")
        batch_op.drop_column("via")
        batch_op.drop_column("actor_email")
        batch_op.drop_column("user_id")
        batch_op.drop_column("account_id")

    with op.batch_alter_table("report_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_report_tokens_expires_at"))

    op.drop_table("report_tokens")
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_resets_expires_at"))

    op.drop_table("password_resets")
    with op.batch_alter_table("known_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_devices_last_seen_at"))

    op.drop_table("known_devices")
