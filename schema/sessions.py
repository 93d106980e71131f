"""Sessions: the signed-in browsers and clients of a user, signing out one or this one."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from domain.entities import ApiScope as S
from domain.entities import Session
from resolvers.access import scope
from schema.common import NodeType
from schema.errors import UserErrorType, user_errors_field
from schema.ids import to_global_id
from schema.permissions import type_rule


@strawberry.type(
    name="Session", description=type_rule("Session", "A signed-in browser or client.", scope(S.PROFILE_READ))
)
class SessionType(NodeType):
    id: strawberry.ID = strawberry.field(description="The session's global ID; pass it to revokeSession.")
    current: bool = strawberry.field(description="True for the session that made this request.")
    created_at: datetime = strawberry.field(description="When the user signed in.")
    last_seen_at: datetime = strawberry.field(description="The session's latest request, to within a minute.")
    expires_at: datetime = strawberry.field(
        description="When it ends unless used again before: the earlier of the idle timeout after lastSeenAt "
        "and the absolute lifetime after createdAt (by default 1 hour and 12 hours)."
    )
    user_agent: str | None = strawberry.field(
        description="The User-Agent header sent when signing in, up to 300 characters; null when none was sent."
    )
    ip_address: str | None = strawberry.field(
        description="The client's IP address when signing in; null when it was not known."
    )

    @staticmethod
    def from_entity(s: Session, current_id: UUID | None, idle_ttl_seconds: int) -> SessionType:
        return SessionType(
            id=strawberry.ID(to_global_id("Session", s.id)),
            current=s.id == current_id,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            expires_at=s.expires_at(idle_ttl_seconds),
            user_agent=s.user_agent,
            ip_address=s.ip_address,
        )


@strawberry.input(name="RevokeSessionInput", description="Which of the caller's own sessions to end.")
class RevokeSessionInput:
    session_id: strawberry.ID = strawberry.field(description="A Session's global ID from me.sessions.")


@strawberry.type(
    name="RevokeSessionPayload",
    description="The session has ended, or why not. Revoking the current session also signs this client out.",
)
class RevokeSessionPayload:
    errors: list[UserErrorType] = user_errors_field()


@strawberry.type(
    name="LogoutPayload", description="The session has ended and the session cookie is cleared; errors stays empty."
)
class LogoutPayload:
    errors: list[UserErrorType] = user_errors_field()
