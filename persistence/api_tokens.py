"""API tokens: found by the digest of their secret together with their owner and account, in one statement."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update

from domain.entities import Account, ApiScope, ApiToken, User
from persistence.accounts import account_from_row
from persistence.prepared import Prepared
from persistence.rows import Repository, Row, labelled, splitter, unprefixed
from persistence.tables import accounts_t, api_tokens_t, users_t
from persistence.users import user_from_row

c = api_tokens_t.c


# Built once: every request with a token runs it (as the session look-up).
_AUTHENTICATE = (
    select(*labelled(api_tokens_t, "t_"), *labelled(users_t, "u_"), *labelled(accounts_t, "a_"))
    .join_from(api_tokens_t, users_t, api_tokens_t.c.user_id == users_t.c.id)
    .join(accounts_t, users_t.c.account_id == accounts_t.c.id)
    .where(api_tokens_t.c.token_hash == bindparam("token_hash"))
)

# As the session look-up's (persistence.sessions): the row's conversion remembered, entities made per request.
_AUTHENTICATE_RAW = Prepared(_AUTHENTICATE, build=splitter(api_tokens_t, users_t, accounts_t), memo_size=1024)


@lru_cache(maxsize=256)
def _scopes(text: str) -> tuple[ApiScope, ...]:
    """A row's space-separated scopes; the few combinations in use are parsed once."""
    return tuple(ApiScope(s) for s in text.split())


def token_from_row(r: Row) -> ApiToken:
    return ApiToken(
        id=r["id"],
        user_id=r["user_id"],
        name=r["name"],
        prefix=r["prefix"],
        token_hash=r["token_hash"],
        scopes=_scopes(r["scopes"]),
        created_at=r["created_at"],
        expires_at=r["expires_at"],
        last_used_at=r["last_used_at"],
        last_used_ip=r["last_used_ip"],
        revoked_at=r["revoked_at"],
        reminded_at=r["reminded_at"],
    )


class SqlApiTokens(Repository):
    def add(self, token: ApiToken) -> None:
        values = {col.name: getattr(token, col.name) for col in api_tokens_t.c if col.name != "scopes"}
        self.conn.execute(insert(api_tokens_t).values(**values, scopes=" ".join(s.value for s in token.scopes)))

    def authenticate(self, token_hash: str) -> tuple[ApiToken, User, Account] | None:
        rows = _AUTHENTICATE_RAW.built(self.conn, {"token_hash": token_hash})
        if not rows:
            return None
        t, u, a = rows[0]
        if self.stamps is not None:  # the contacts of a token's account, read along, may be reused
            self.stamps[a["id"]] = a["contacts_stamp"]
        return token_from_row(t), user_from_row(u), account_from_row(a)

    def touch(self, token_id: UUID, at: datetime, ip: str | None) -> None:
        self.conn.execute(update(api_tokens_t).where(c.id == token_id).values(last_used_at=at, last_used_ip=ip))

    def _with_owner(self, *where: object) -> list[tuple[ApiToken, User]]:
        stmt = (
            select(*labelled(api_tokens_t, "t_"), *labelled(users_t, "u_"))
            .join_from(api_tokens_t, users_t, c.user_id == users_t.c.id)
            .where(*where)  # type: ignore[arg-type]  # column expressions
            .order_by(c.created_at.desc(), c.id)
        )
        return [
            (token_from_row(unprefixed(r, "t_")), user_from_row(unprefixed(r, "u_"))) for r in self.conn.execute(stmt)
        ]

    def by_hash(self, token_hash: str) -> tuple[ApiToken, User] | None:
        found = self._with_owner(c.token_hash == token_hash)
        return found[0] if found else None

    def get(self, token_id: UUID) -> tuple[ApiToken, User] | None:
        found = self._with_owner(c.id == token_id)
        return found[0] if found else None

    def for_users(self, user_ids: list[UUID]) -> dict[UUID, list[ApiToken]]:
        found: dict[UUID, list[ApiToken]] = {u: [] for u in user_ids}
        stmt = select(api_tokens_t).where(c.user_id.in_(user_ids)).order_by(c.created_at.desc(), c.id)
        for r in self.conn.execute(stmt).mappings():
            found[r["user_id"]].append(token_from_row(r))
        return found

    def for_account(self, account_id: UUID) -> list[ApiToken]:
        return [t for t, _ in self._with_owner(users_t.c.account_id == account_id)]

    def revoke(self, token_id: UUID, at: datetime) -> bool:
        stmt = update(api_tokens_t).where(c.id == token_id, c.revoked_at.is_(None)).values(revoked_at=at)
        return self.conn.execute(stmt).rowcount == 1

    def revoke_all(self, user_id: UUID, at: datetime) -> list[ApiToken]:
        live = (c.user_id == user_id, c.revoked_at.is_(None), c.expires_at > at)
        found = [token_from_row(r) for r in self.conn.execute(select(api_tokens_t).where(*live)).mappings()]
        if found:
            self.conn.execute(update(api_tokens_t).where(c.id.in_([t.id for t in found])).values(revoked_at=at))
        return [replace(t, revoked_at=at) for t in found]

    def expiring(self, now: datetime, until: datetime) -> list[tuple[ApiToken, User]]:
        return self._with_owner(
            c.revoked_at.is_(None), c.reminded_at.is_(None), c.expires_at > now, c.expires_at <= until
        )

    def mark_reminded(self, token_id: UUID, at: datetime) -> bool:
        stmt = update(api_tokens_t).where(c.id == token_id, c.reminded_at.is_(None)).values(reminded_at=at)
        return self.conn.execute(stmt).rowcount == 1
