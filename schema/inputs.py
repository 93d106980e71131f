"""Input types. Fields left out arrive as strawberry.UNSET; optional ones sent as null arrive as None."""

from __future__ import annotations

import strawberry


@strawberry.input(name="LoginInput")
class LoginInput:
    email: str
    password: str


@strawberry.input(name="RevokeSessionInput")
class RevokeSessionInput:
    session_id: strawberry.ID = strawberry.field(description="A Session's global ID from me.sessions.")
