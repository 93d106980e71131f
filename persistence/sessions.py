"""Sessions: looked up by token digest together with their user and account, in one statement (and,
when the request reads them, the account's contacts and the user's sessions in the same round trip)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select, update

from domain.entities import Account, ContactEmail, Session, User
from persistence.accounts import account_from_row
from persistence.contacts import OF_SESSION_ACCOUNT_RAW
from persistence.prepared import Prepared, together
from persistence.rows import Repository, Row, labelled, splitter
from persistence.tables import accounts_t, sessions_t, users_t
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
# The sessions of the user whose session has this token hash: `_FOR_USER` without waiting for the look-up.
_OWNER = sessions_t.alias("owner")
_OF_SESSION_USER_RAW = Prepared(
    select(sessions_t)
    .where(
        sessions_t.c.user_id
        == select(_OWNER.c.user_id).where(_OWNER.c.token_hash == bindparam("token_hash")).scalar_subquery()
    )
    .order_by(sessions_t.c.created_at.desc(), sessions_t.c.id)
)


class SqlSessions(Repository):
    def add(self, session: Session) -> None:
        values = {c.name: getattr(session, c.name) for c in sessions_t.c}
        self.conn.execute(insert(sessions_t).values(**values))

    def authenticate(self, token_hash: str) -> tuple[Session, User, Account] | None:
        rows = _AUTHENTICATE_RAW.built(self.conn, {"token_hash": token_hash})
        if not rows:
            return None
        s, u, a = rows[0]
        return session_from_row(s), user_from_row(u), account_from_row(a)

    def authenticate_with(
        self, token_hash: str, *, contacts: bool, sessions: bool
    ) -> tuple[tuple[Session, User, Account] | None, list[ContactEmail], list[Session]]:
        params = {"token_hash": token_hash}
        reads = [(_AUTHENTICATE_RAW, params)]
        if contacts:
            reads.append((OF_SESSION_ACCOUNT_RAW, params))
        if sessions:
            reads.append((_OF_SESSION_USER_RAW, params))
        found, *along = together(self.conn, reads)
        if not found:
            return None, [], []
        s, u, a = found[0]
        of_account = along.pop(0) if contacts else []
        of_user = [session_from_row(r) for r in along.pop(0)] if sessions else []
        return (session_from_row(s), user_from_row(u), account_from_row(a)), of_account, of_user

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
