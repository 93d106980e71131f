"""me.securityEvents, Account.auditLog and Query.auditLog: pages of the audit log."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.audit import AuditFilter
from domain.errors import DomainError, Forbidden
from domain.services import audit
from domain.services.audit import AuditPage
from resolvers.access import caller, forbidden
from resolvers.context import Context
from schema.audit import AuditEventConnection, AuditLogFilter
from schema.ids import uuid_of


async def security_events(
    info: Info[Context, None], user_id: UUID, first: int | None, after: str | None
) -> AuditEventConnection:
    actor = await caller(info)
    size = 20 if first is None else first
    return await _run(lambda: audit.security_events(info.context.deps, actor, user_id, size, after))


async def account_audit_log(
    info: Info[Context, None], account_id: UUID, first: int | None, after: str | None, filter: AuditLogFilter | None
) -> AuditEventConnection:
    actor = await caller(info)
    wanted = _filter(filter)
    size = 20 if first is None else first
    return await _run(lambda: audit.account_log(info.context.deps, actor, account_id, size, after, wanted))


async def audit_log(
    info: Info[Context, None], first: int | None = 20, after: str | None = None, filter: AuditLogFilter | None = None
) -> AuditEventConnection:
    actor = await caller(info)
    wanted = _filter(filter)
    return await _run(
        lambda: audit.provider_log(info.context.deps, actor, 20 if first is None else first, after, wanted)
    )


def _filter(given: AuditLogFilter | None) -> AuditFilter:
    if given is None:
        return AuditFilter()
    actor_id = None
    if given.actor_id is not None:
        actor_id = uuid_of(given.actor_id, "User")
        if actor_id is None:
            raise _bad_input("filter.actorId is not a user's global ID.")
    return AuditFilter(tuple(given.actions or ()), actor_id, given.since, given.until)


async def _run(work: Callable[[], AuditPage]) -> AuditEventConnection:
    """A read's domain errors are the caller's to fix: GraphQL errors with code BAD_REQUEST."""
    try:
        page = await run_in_threadpool(work)
    except Forbidden as error:
        raise forbidden(str(error)) from error
    except DomainError as error:
        raise _bad_input(error.message) from error
    return AuditEventConnection.from_page(page)


def _bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_REQUEST"})
