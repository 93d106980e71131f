"""authenticators: several named second factors (TOTP apps and passkeys), passkey ceremonies,
sessions that record a passed second factor

Each user's confirmed TOTP secret moves from mfa_secrets into mfa_authenticators as it is: it stays
sealed under the same per-user key and keeps its last accepted step, so enrolled apps keep working
and no code used before the upgrade works again. mfa_secrets keeps only pending secrets.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import persistence.tables

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST_NAME = "Authenticator app"


def upgrade() -> None:
    authenticators = op.create_table(
        "mfa_authenticators",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", persistence.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", persistence.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sealed", sa.String(length=200), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.Column("credential_id", sa.String(length=1400), nullable=True),
        sa.Column("public_key", sa.Text(), nullable=True),
        sa.Column("sign_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("backup_eligible", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("backed_up", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("aaguid", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mfa_authenticators_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_authenticators")),
    )
    with op.batch_alter_table("mfa_authenticators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mfa_authenticators_user_id"), ["user_id"], unique=False)
        batch_op.create_index("uq_mfa_authenticators_user_name", ["user_id", "name"], unique=True)
        batch_op.create_index("uq_mfa_authenticators_credential_id", ["credential_id"], unique=True)

    op.create_table(
        "passkey_ceremonies",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("challenge", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("created_at", persistence.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", persistence.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", persistence.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_passkey_ceremonies_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_passkey_ceremonies")),
    )
    with op.batch_alter_table("passkey_ceremonies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passkey_ceremonies_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_passkey_ceremonies_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mfa_at", persistence.tables.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("mfa_challenges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("passkey_challenge", sa.String(length=128), nullable=True))

    _move_confirmed_secrets(authenticators)

    with op.batch_alter_table("mfa_secrets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_name", sa.String(length=64), nullable=True))
        batch_op.drop_column("sealed")
        batch_op.drop_column("last_step")


def _move_confirmed_secrets(authenticators: sa.Table) -> None:
    conn = op.get_bind()
    secrets = sa.table(
        "mfa_secrets",
        sa.column("user_id", sa.Uuid()),
        sa.column("sealed", sa.String()),
        sa.column("last_step", sa.Integer()),
        sa.column("updated_at", persistence.tables.UTCDateTime(timezone=True)),
    )
    users = sa.table("users", sa.column("id", sa.Uuid()), sa.column("mfa_enabled_at", persistence.tables.UTCDateTime()))
    found = conn.execute(
        sa.select(secrets.c.user_id, secrets.c.sealed, secrets.c.last_step, users.c.mfa_enabled_at)
        .join(users, users.c.id == secrets.c.user_id)
        .where(secrets.c.sealed.is_not(None))
    ).all()
    rows = [
        {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "kind": "TOTP",
            "name": FIRST_NAME,
            "created_at": enabled_at or datetime.now(UTC),
            "sealed": sealed,
            "last_step": last_step,
            "sign_count": 0,
            "backup_eligible": False,
            "backed_up": False,
        }
        for user_id, sealed, last_step, enabled_at in found
    ]
    if rows:
        conn.execute(sa.insert(authenticators), rows)


def downgrade() -> None:
    with op.batch_alter_table("mfa_secrets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sealed", sa.String(length=200), nullable=True))
        batch_op.drop_column("pending_name")
    # Only the oldest TOTP app fits the old single secret; passkeys and later apps are lost.
    conn = op.get_bind()
    a = sa.table(
        "mfa_authenticators",
        sa.column("user_id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("sealed", sa.String()),
        sa.column("last_step", sa.Integer()),
        sa.column("created_at", persistence.tables.UTCDateTime(timezone=True)),
    )
    s = sa.table(
        "mfa_secrets",
        sa.column("user_id", sa.Uuid()),
        sa.column("sealed", sa.String()),
        sa.column("last_step", sa.Integer()),
        sa.column("pending_attempts", sa.Integer()),
        sa.column("updated_at", persistence.tables.UTCDateTime(timezone=True)),
    )
    oldest: dict[object, tuple[str, int | None, datetime]] = {}
    for user_id, sealed, last_step, created_at in conn.execute(
        sa.select(a.c.user_id, a.c.sealed, a.c.last_step, a.c.created_at)
        .where(a.c.kind == "TOTP")
        .order_by(a.c.created_at.desc())
    ):
        oldest[user_id] = (sealed, last_step, created_at)
    for user_id, (sealed, last_step, created_at) in oldest.items():
        done = conn.execute(sa.update(s).where(s.c.user_id == user_id).values(sealed=sealed, last_step=last_step))
        if done.rowcount == 0:
            conn.execute(
                sa.insert(s).values(
                    user_id=user_id, sealed=sealed, last_step=last_step, pending_attempts=0, updated_at=created_at
                )
            )
    with op.batch_alter_table("mfa_challenges", schema=None) as batch_op:
        batch_op.drop_column("passkey_challenge")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("mfa_at")
    with op.batch_alter_table("passkey_ceremonies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passkey_ceremonies_user_id"))
        batch_op.drop_index(batch_op.f("ix_passkey_ceremonies_expires_at"))
    op.drop_table("passkey_ceremonies")
    with op.batch_alter_table("mfa_authenticators", schema=None) as batch_op:
        batch_op.drop_index("uq_mfa_authenticators_credential_id")
        batch_op.drop_index("uq_mfa_authenticators_user_name")
        batch_op.drop_index(batch_op.f("ix_mfa_authenticators_user_id"))
    op.drop_table("mfa_authenticators")
