"""Access checks. Failures are GraphQL errors with extensions.code, as the contract says."""

from __future__ import annotations

from graphql import GraphQLError, OperationType
from strawberry.types import Info

from domain.entities import Actor, UserRole
from domain.services.auth import Authenticated
from resolvers.context import Context


class AccessError(GraphQLError):
    """An access failure: shown to the client as it is (never masked)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def unauthenticated() -> AccessError:
    return AccessError("Sign in first: this needs a valid session or token.", "UNAUTHENTICATED")


def forbidden(message: str = "Your role does not allow this.") -> AccessError:
    return AccessError(message, "FORBIDDEN")


async def signed_in(info: Info[Context, None]) -> Authenticated:
    """The caller's session, or an UNAUTHENTICATED error. Cookie-borne changes must pass the CSRF rule."""
    ctx = info.context
    is_change = info.operation.operation is OperationType.MUTATION
    if is_change and ctx.credentials.via_cookie and not ctx.credentials.cookie_may_write:
        raise forbidden(ctx.credentials.write_refusal)
    found = await ctx.auth()
    if found is None:
        raise unauthenticated()
    return found


async def actor(info: Info[Context, None], *roles: UserRole) -> Actor:
    """The signed-in caller as an Actor; FORBIDDEN unless they hold one of `roles` (when given)."""
    found = await signed_in(info)
    if roles and found.user.role not in roles:
        raise forbidden()
    return found.actor(info.context.client_ip)
