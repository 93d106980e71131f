"""contacts stamp: a value on each account that every change to its contact emails changes

Triggers keep it, so a change made through SQL by anyone (the API, an operator; TRUNCATE too on
PostgreSQL) changes it in the same transaction; only triggers switched off would let one by. A
reader that has the account's row (every signed-in request has) may reuse the contacts it read at
the same stamp instead of reading them again (persistence.contacts). The value is random, not a
counter, so an older copy of the database can never bring back a stamp that meant other contacts.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The UPDATE OF lists watch what a ContactEmail is made of (persistence.contacts.ENTITY_COLUMNS): the
# code's columns change on every attempt at a code and change nothing a reader shows. Every value is
# random, existing accounts' included, so an (account, stamp) pair names one list of contacts in any
# copy of the database; an account still at 0 has never had a contact.
_SQLITE = (
    "UPDATE accounts SET contacts_stamp = random()",
    """CREATE TRIGGER contact_emails_stamp_insert AFTER INSERT ON contact_emails BEGIN
    UPDATE accounts SET contacts_stamp = random() WHERE id = NEW.account_id; END""",
    """CREATE TRIGGER contact_emails_stamp_update
    AFTER UPDATE OF id, account_id, email, billing, tech, dpo, verified_at, created_at ON contact_emails BEGIN
    UPDATE accounts SET contacts_stamp = random() WHERE id IN (OLD.account_id, NEW.account_id); END""",
    """CREATE TRIGGER contact_emails_stamp_delete AFTER DELETE ON contact_emails BEGIN
    UPDATE accounts SET contacts_stamp = random() WHERE id = OLD.account_id; END""",
)
# The function keeps the search_path it was created under, so it finds this schema's accounts
# whatever the session that fires it has set.
_POSTGRESQL = (
    "UPDATE accounts SET contacts_stamp = floor((random() - 0.5) * 9.2e18)::bigint",
    """CREATE FUNCTION contact_emails_stamp() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE accounts SET contacts_stamp = floor((random() - 0.5) * 9.2e18)::bigint;
    ELSE
        UPDATE accounts SET contacts_stamp = floor((random() - 0.5) * 9.2e18)::bigint
        WHERE id IN (CASE WHEN TG_OP = 'INSERT' THEN NEW.account_id ELSE OLD.account_id END,
                     CASE WHEN TG_OP = 'DELETE' THEN OLD.account_id ELSE NEW.account_id END);
    END IF;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER contact_emails_stamp AFTER INSERT OR DELETE OR UPDATE OF
    id, account_id, email, billing, tech, dpo, verified_at, created_at ON contact_emails
    FOR EACH ROW EXECUTE FUNCTION contact_emails_stamp()""",
    """CREATE TRIGGER contact_emails_stamp_truncate AFTER TRUNCATE ON contact_emails
    FOR EACH STATEMENT EXECUTE FUNCTION contact_emails_stamp()""",
)


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contacts_stamp", sa.BigInteger(), server_default="0", nullable=False))
    for statement in _POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER contact_emails_stamp_truncate ON contact_emails")
        op.execute("DROP TRIGGER contact_emails_stamp ON contact_emails")
        op.execute("DROP FUNCTION contact_emails_stamp()")
    else:
        for kind in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER contact_emails_stamp_{kind}")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("contacts_stamp")
