"""Who is calling: the session behind the request, and the access rules a field declares.

Failures are GraphQL errors with extensions.code (UNAUTHENTICATED, FORBIDDEN), as the contract
says. A field's rule is declared once, next to the field, with `schema.permissions`; the
resolver then only asks for the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLError, OperationType
from strawberry.types import Info

from domain.entities import Actor, UserRole
from domain.services.sessions import Authenticated
from resolvers.context import Context


@dataclass(frozen=True)
class Access:
    """Who may call a field. `anonymous`: no sign-in needed; else a signed-in user holding one of
    `roles` (any role when empty). API-token scopes will join here."""

    anonymous: bool = False
    roles: tuple[UserRole, ...] = ()

    def describe(self) -> str:
        """The line the field's GraphiQL description ends with."""
        if self.anonymous:
            return "Who: anyone; no sign-in needed."
        if self.roles:
            return f"Who: {' or '.join(role.value for role in self.roles)} (else FORBIDDEN)."
        return "Who: any signed-in user (else UNAUTHENTICATED)."


ANYONE = Access(anonymous=True)
SIGNED_IN = Access()
ACCOUNT_ADMIN = Access(roles=(UserRole.ACCOUNT_ADMIN,))
CLOUD_ADMIN = Access(roles=(UserRole.CLOUD_ADMIN,))


class AccessError(GraphQLError):
    """An access failure: shown to the client as it is (never masked)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def unauthenticated() -> AccessError:
    return AccessError("Sign in first: this needs a valid session or token.", "UNAUTHENTICATED")


def forbidden(message: str = "Your role does not allow this.") -> AccessError:
    return AccessError(message, "FORBIDDEN")


async def enforce(info: Info[Context, None], access: Access) -> None:
    """Raise unless the caller may use a field declared with `access`."""
    if access.anonymous:
        return
    found = await signed_in(info)
    if access.roles and found.user.role not in access.roles:
        raise forbidden()


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


async def caller(info: Info[Context, None]) -> Actor:
    """The signed-in caller as the domain services take it."""
    found = await signed_in(info)
    return found.actor(info.context.client_ip, info.context.user_agent)
