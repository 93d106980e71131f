"""Who is calling: the session or API token behind the request, and the access rules a field declares.

Failures are GraphQL errors with extensions.code (UNAUTHENTICATED, FORBIDDEN), as the contract
says. A field's rule is declared once, next to the field, with `schema.permissions`; the
resolver then only asks for the caller. Roles are enforced per field (schema.permissions.Guard);
an API token's scopes once per request, against every field the document selects (schema.scopes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from graphql import GraphQLError, OperationType
from strawberry.types import Info

from domain.entities import Actor, ApiScope, UserRole
from resolvers.context import Caller, Context


@dataclass(frozen=True)
class Access:
    """Who may call a field. `anonymous`: no sign-in needed; else a signed-in user holding one of
    `roles` (any role when empty). An API token also needs one of `scopes` (any token when empty),
    and no token may use a `sessions_only` field. `field_only`: an object field, whose caller is
    checked where its object was reached, so only the token rule is written."""

    anonymous: bool = False
    roles: tuple[UserRole, ...] = ()
    scopes: tuple[ApiScope, ...] = ()
    sessions_only: bool = False
    field_only: bool = False

    def who(self, *roles: UserRole) -> Access:
        """The same rule for callers of these roles."""
        return replace(self, roles=roles)

    def scoped(self, *scopes: ApiScope) -> Access:
        """The same rule, for tokens holding one of these scopes."""
        return replace(self, scopes=scopes)

    def token_rule(self) -> tuple[ApiScope, ...] | None:
        """The scopes a token needs for the field (empty: any token); None: no token may use it."""
        return None if self.sessions_only else self.scopes

    def describe(self) -> str:
        """The lines the field's GraphiQL description ends with."""
        if self.field_only:
            return self._token_line()
        if self.anonymous:
            who = "Who: anyone; no sign-in needed."
            return f"{who} Sessions only." if self.sessions_only else who
        if self.roles:
            who = f"Who: {' or '.join(role.value for role in self.roles)} (else FORBIDDEN)."
        else:
            who = "Who: any signed-in user (else UNAUTHENTICATED)."
        return f"{who} {self._token_line()}"

    def _token_line(self) -> str:
        if self.sessions_only:
            return "Sessions only."
        if not self.scopes:
            return "Scope: any."
        return f"Scope: {' or '.join(scope.value for scope in self.scopes)}."


ANYONE = Access(anonymous=True)
SIGNED_IN = Access()
ACCOUNT_ADMIN = Access(roles=(UserRole.ACCOUNT_ADMIN,))
CLOUD_ADMIN = Access(roles=(UserRole.CLOUD_ADMIN,))
SESSIONS_ONLY = Access(sessions_only=True)


def scope(*scopes: ApiScope) -> Access:
    """An object field's rule: a token needs one of `scopes`."""
    return Access(scopes=scopes, field_only=True)


FIELD_SESSIONS_ONLY = Access(sessions_only=True, field_only=True)


class AccessError(GraphQLError):
    """An access failure: shown to the client as it is (never masked)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def unauthenticated() -> AccessError:
    return AccessError("Sign in first: this needs a valid session or token.", "UNAUTHENTICATED")


def forbidden(message: str = "Your role does not allow this.") -> AccessError:
    return AccessError(message, "FORBIDDEN")


def out_of_scope(message: str, required: tuple[ApiScope, ...]) -> AccessError:
    """FORBIDDEN for an API token, with the scopes that would allow it (none: sessions only)."""
    error = AccessError(message, "FORBIDDEN")
    error.extensions = {**(error.extensions or {}), "requiredScopes": [s.value for s in required]}
    return error


async def enforce(info: Info[Context, None], access: Access) -> None:
    """Raise unless the caller may use a field declared with `access`."""
    if access.anonymous:
        return
    found = await signed_in(info)
    if access.roles and found.user.role not in access.roles:
        raise forbidden()


async def signed_in(info: Info[Context, None]) -> Caller:
    """The caller's session or API token, or an UNAUTHENTICATED error. Cookie-borne changes must pass the CSRF rule."""
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
