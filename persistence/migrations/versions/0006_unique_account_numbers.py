"""unique account numbers: two accounts can never hold the same organization or personal number

The services check before they write; these indexes make the check hold under concurrent
approvals and account creations too.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("uq_accounts_organization_number", ["organization_number"], unique=True)
        batch_op.create_index("uq_accounts_personal_number", ["personal_number"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("uq_accounts_personal_number")
        batch_op.drop_index("uq_accounts_organization_number")
