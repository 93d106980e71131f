"""Reading the audit log: a user's own security events, an account's log, and the provider's whole log.

Each page is one statement on an index (account or user, then time), whatever the table's size:
it asks for one event more than it shows, to know whether another page follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.audit import AuditFilter, AuditQuery, Cursor, check_filter, check_page
from domain.deps import Deps
from domain.entities import Account, Actor, AuditEvent, BillingProfile, User, UserRole
from domain.errors import Forbidden


@dataclass(frozen=True)
class AuditPage:
    """Events newest first, and whether older ones follow."""

    events: list[AuditEvent]
    has_next: bool

    @property
    def end_cursor(self) -> Cursor | None:
        return Cursor.of(self.events[-1]) if self.events else None


def security_events(deps: Deps, actor: Actor, user_id: UUID, first: int, after: str | None) -> AuditPage:
    """The user's own sign-ins, failed sign-ins and credential and session changes; only their own."""
    if user_id != actor.user_id:
        raise Forbidden("Only the user may read their own security events.")
    limit, cursor = check_page(first, after)
    return _page(deps, AuditQuery(limit + 1, user_id=user_id, after=cursor), limit)


def account_log(
    deps: Deps, actor: Actor, account_id: UUID, first: int, after: str | None, wanted: AuditFilter
) -> AuditPage:
    """Every event of the account: for its ACCOUNT_ADMINs (and cloud admins)."""
    own_admin = actor.role is UserRole.ACCOUNT_ADMIN and actor.account_id == account_id
    if not (own_admin or actor.role is UserRole.CLOUD_ADMIN):
        raise Forbidden("Only the account's admins may read its audit log.")
    limit, cursor = check_page(first, after)
    return _page(deps, _query(limit, cursor, check_filter(wanted), account_id), limit)


def provider_log(deps: Deps, actor: Actor, first: int, after: str | None, wanted: AuditFilter) -> AuditPage:
    """Every event of every account and of the provider (billing profile): CLOUD_ADMIN only."""
    if actor.role is not UserRole.CLOUD_ADMIN:
        raise Forbidden("Only cloud admins may read the whole audit log.")
    limit, cursor = check_page(first, after)
    return _page(deps, _query(limit, cursor, check_filter(wanted), None), limit)


def actors(deps: Deps, user_ids: list[UUID]) -> dict[UUID, tuple[User, Account]]:
    """The acting users of a page that still exist, with their accounts, in one statement."""
    with deps.uow(write=False) as uow:
        return uow.users.with_accounts(user_ids)


def billing_versions(deps: Deps, versions: list[int]) -> dict[int, BillingProfile]:
    """The billing profile versions events point at (current or superseded), at most two statements."""
    with deps.uow(write=False) as uow:
        return uow.billing.at_versions(versions)


def _query(limit: int, cursor: Cursor | None, f: AuditFilter, account_id: UUID | None) -> AuditQuery:
    return AuditQuery(
        limit + 1,
        account_id=account_id,
        actions=f.actions,
        actor_id=f.actor_id,
        since=f.since,
        until=f.until,
        after=cursor,
    )


def _page(deps: Deps, query: AuditQuery, limit: int) -> AuditPage:
    with deps.uow(write=False) as uow:
        events = uow.audit.page(query)
    return AuditPage(events[:limit], len(events) > limit)
