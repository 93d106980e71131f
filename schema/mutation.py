"""The Mutation root. Each field binds one resolver function."""

from __future__ import annotations

import strawberry

from resolvers import auth
from schema.payloads import LoginPayload, LogoutPayload, RevokeSessionPayload


@strawberry.type(name="Mutation")
class Mutation:
    login: LoginPayload = strawberry.mutation(
        resolver=auth.login,
        description="Step one of signing in. "
        "With MFA enabled the payload asks for a second step instead of signing in.",
    )
    logout: LogoutPayload = strawberry.mutation(resolver=auth.logout, description="Ends the current session.")
    revoke_session: RevokeSessionPayload = strawberry.mutation(
        resolver=auth.revoke_session,
        description="Ends one of the caller's own sessions (signs out another device).",
    )
