"""Sessions: looked up by token digest together with their user and account, in one statement (and on
PostgreSQL, when the request reads them, the account's contacts and the user's sessions in that same
statement: one round trip)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    Select,
    bindparam,
    delete,
    insert,
    literal_column,
    select,
    type_coerce,
    union_all,
    update,
)

from domain.entities import Account, ContactEmail, Session, User
from persistence.accounts import account_from_row
from persistence.contacts import ENTITY_COLUMNS, SqlContacts, contact_from_row
from persistence.prepared import Prepared
from persistence.rows import Repository, Row, labelled, split, splitter
from persistence.tables import accounts_t, contacts_t, sessions_t, users_t
from persistence.users import user_from_row


def session_from_row(r: Row) -> Session:
    return Session(
        id=r["id"],
        user_id=r["user_id"],
        token_hash=r["token_hash"],
        created_at=r["created_at"],
        last_seen_at=r["last_seen_at"],
        absolute_expires_at=r["absolute_expires_at"],
        user_agent=r["user_agent"],
        ip_address=r["ip_address"],
        mfa_at=r["mfa_at"],
    )


# Built once: the hot path of every signed-in request (SQLAlchemy then only looks up its compiled form).
_AUTHENTICATE = (
    select(*labelled(sessions_t, "s_"), *labelled(users_t, "u_"), *labelled(accounts_t, "a_"))
    .join_from(sessions_t, users_t, sessions_t.c.user_id == users_t.c.id)
    .join(accounts_t, users_t.c.account_id == accounts_t.c.id)
    .where(sessions_t.c.token_hash == bindparam("token_hash"))
)
_FOR_USER = (
    select(sessions_t)
    .where(sessions_t.c.user_id == bindparam("user_id"))
    .order_by(sessions_t.c.created_at.desc(), sessions_t.c.id)
)


# A session's row, converted and split by table, is remembered while it stays the same (its
# last-seen time changes it once a minute): the entities are still made per request. At most 1,024
# rows (a few MB): a caller's repeats within the minute hit, and memory stays bounded.
_AUTHENTICATE_RAW = Prepared(_AUTHENTICATE, build=splitter(sessions_t, users_t, accounts_t), memo_size=1024)
_FOR_USER_RAW = Prepared(_FOR_USER)
# With `authenticate_with` on PostgreSQL, the caller's row, the account's contacts and the user's
# sessions come in one statement, so in one round trip: a UNION ALL of three selects, told apart by
# their first column. Columns 1-N hold the caller's row (session, user, account); a session of the
# user fills the session's own columns among them; a contact's columns follow. Every other column is
# NULL, typed for SQLAlchemy (its result processors) but rendered bare: PostgreSQL takes each
# column's type from the select that has it, and the SQL stays under psycopg's 4 KB limit for
# caching a statement's conversion. The contacts and sessions find the account and the user through
# the token hash themselves, so nothing waits for the caller's row.
_CALLER = (*sessions_t.c, *users_t.c, *accounts_t.c)
_CONTACT = ENTITY_COLUMNS
_COLUMNS = (*_CALLER, *_CONTACT)  # column i + 1 of the union holds _COLUMNS[i] (column 0: which select)
_CONTACT_AT = len(_CALLER) + 1
_BY_HASH: BindParameter[str] = bindparam("token_hash")
_OWNER = sessions_t.alias("owner")


def _branch(kind: str, filled: dict[int, Any]) -> Select[Any]:
    """One select of the union: `kind`, then every column, the `filled` ones (by position) with values."""
    columns: list[Any] = [literal_column(f"'{kind}'").label("c0")]
    for i, column in enumerate(_COLUMNS, start=1):
        value = filled.get(i)
        blank = type_coerce(literal_column("NULL"), column.type)
        columns.append((value if value is not None else blank).label(f"c{i}"))
    return select(*columns)


_CALLER_BRANCH = (
    _branch("a", dict(enumerate(_CALLER, start=1)))
    .join_from(sessions_t, users_t, sessions_t.c.user_id == users_t.c.id)
    .join(accounts_t, users_t.c.account_id == accounts_t.c.id)
    .where(sessions_t.c.token_hash == _BY_HASH)
)
_CONTACTS_BRANCH = _branch("b", dict(enumerate(_CONTACT, start=_CONTACT_AT))).where(
    contacts_t.c.account_id
    == select(users_t.c.account_id)
    .join_from(_OWNER, users_t, _OWNER.c.user_id == users_t.c.id)
    .where(_OWNER.c.token_hash == _BY_HASH)
    .scalar_subquery()
)
_SESSIONS_BRANCH = _branch("c", dict(enumerate(sessions_t.c, start=1))).where(
    sessions_t.c.user_id == select(_OWNER.c.user_id).where(_OWNER.c.token_hash == _BY_HASH).scalar_subquery()
)


def _position(column: Any) -> Any:
    return literal_column(f"c{_COLUMNS.index(column) + 1}")


def _together(contacts: bool, sessions: bool) -> Prepared:
    parts = [_CALLER_BRANCH, *([_CONTACTS_BRANCH] if contacts else []), *([_SESSIONS_BRANCH] if sessions else [])]
    ordered = union_all(*parts).order_by(
        literal_column("c0"),
        _position(contacts_t.c.created_at),
        _position(contacts_t.c.id),
        _position(sessions_t.c.created_at).desc(),
        _position(sessions_t.c.id),
    )
    return Prepared(ordered, build=_part, memo_size=4096)


_SESSION_WIDTH = len(sessions_t.c)
_CONTACT_NAMES = tuple(c.name for c in _CONTACT)


def _part(row: dict[str, Any]) -> tuple[str, Any]:
    """A row of the union as what it holds: the caller's row split by table, a contact, or one of the
    user's sessions. Remembered by the row, so shared: the contact is immutable, the dicts are read
    only, and the session, user and account entities are made from them per request."""
    values = tuple(row.values())
    kind = values[0]
    if kind == "a":
        return kind, tuple(split(values[1:_CONTACT_AT], sessions_t, users_t, accounts_t))
    if kind == "b":
        return kind, contact_from_row(dict(zip(_CONTACT_NAMES, values[_CONTACT_AT:], strict=True)))
    return kind, dict(zip(sessions_t.c.keys(), values[1 : 1 + _SESSION_WIDTH], strict=True))


_TOGETHER = {(c, s): _together(c, s) for c in (False, True) for s in (False, True)}


class SqlSessions(Repository):
    def add(self, session: Session) -> None:
        values = {c.name: getattr(session, c.name) for c in sessions_t.c}
        self.conn.execute(insert(sessions_t).values(**values))

    def authenticate(self, token_hash: str) -> tuple[Session, User, Account] | None:
        rows = _AUTHENTICATE_RAW.built(self.conn, {"token_hash": token_hash})
        if not rows:
            return None
        s, u, a = rows[0]
        if self.stamps is not None:
            self.stamps[a["id"]] = a["contacts_stamp"]
        return session_from_row(s), user_from_row(u), account_from_row(a)

    def authenticate_with(
        self, token_hash: str, *, contacts: bool, sessions: bool
    ) -> tuple[tuple[Session, User, Account] | None, list[ContactEmail], list[Session]]:
        if self.conn.dialect.name != "postgresql":
            # SQLite waits on no network: the statements one after another, as they always ran (the
            # contacts with the stamp the look-up read: persistence.contacts).
            alone = self.authenticate(token_hash)
            if alone is None:
                return None, [], []
            account_id, user_id = alone[2].id, alone[1].id
            of_account = SqlContacts(self.conn, self.stamps).for_account(account_id) if contacts else []
            return alone, of_account, self.for_user(user_id) if sessions else []
        found: tuple[Session, User, Account] | None = None
        of_account = []
        of_user: list[Session] = []
        for kind, part in _TOGETHER[contacts, sessions].built(self.conn, {"token_hash": token_hash}):
            if kind == "a":
                s, u, a = part
                found = session_from_row(s), user_from_row(u), account_from_row(a)
            elif kind == "b":
                of_account.append(part)
            else:
                of_user.append(session_from_row(part))
        if found is None:
            return None, [], []
        return found, of_account, of_user

    def touch(self, session_id: UUID, at: datetime) -> None:
        self.conn.execute(update(sessions_t).where(sessions_t.c.id == session_id).values(last_seen_at=at))

    def for_user(self, user_id: UUID) -> list[Session]:
        return [session_from_row(r) for r in _FOR_USER_RAW.mappings(self.conn, {"user_id": user_id})]

    def delete(self, session_id: UUID, user_id: UUID) -> bool:
        stmt = delete(sessions_t).where(sessions_t.c.id == session_id, sessions_t.c.user_id == user_id)
        return self.conn.execute(stmt).rowcount == 1

    def mark_mfa(self, session_id: UUID, at: datetime) -> None:
        self.conn.execute(update(sessions_t).where(sessions_t.c.id == session_id).values(mfa_at=at))

    def delete_others(self, user_id: UUID, keep: UUID | None) -> int:
        stmt = delete(sessions_t).where(sessions_t.c.user_id == user_id)
        if keep is not None:
            stmt = stmt.where(sessions_t.c.id != keep)
        return self.conn.execute(stmt).rowcount
