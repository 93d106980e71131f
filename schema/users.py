"""The User type: who signs in, with their profile, account, MFA status and sessions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.entities import Account, User, UserRole
from domain.entities import ApiScope as S
from resolvers import audit
from resolvers.access import FIELD_SESSIONS_ONLY, scope, signed_in
from resolvers.api_tokens import user_api_tokens
from resolvers.context import Context
from schema.accounts import AccountType
from schema.api_tokens import ApiTokenType
from schema.audit import AuditEventConnection
from schema.common import NodeType
from schema.enums import UserRoleEnum  # noqa: F401  (registers the enum)
from schema.ids import to_global_id
from schema.mfa import MfaStatusType
from schema.permissions import field
from schema.profile import ProfileType
from schema.sessions import SessionType


@strawberry.type(name="User", description="A person who signs in.")
class UserType(NodeType):
    id: strawberry.ID = strawberry.field(description="The user's global ID.")
    email: str = strawberry.field(description="The sign-in email.")
    role: UserRole = strawberry.field(description="What the user may do.")
    profile: ProfileType = field(
        access=scope(S.PROFILE_READ, S.PROFILE_WRITE),
        description="The user's personal details, edited with updateProfile.",
    )
    account: AccountType = strawberry.field(description="The customer account the user belongs to.")
    created_at: datetime = strawberry.field(description="When the user was created.")
    raw_id: strawberry.Private[UUID]
    mfa_enabled_at: strawberry.Private[datetime | None]

    @field(access=scope(S.PROFILE_READ), description="Whether MFA is on, and how many recovery codes are left.")  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
    async def mfa(self, info: Info[Context, None]) -> MfaStatusType:
        loader = info.context.loaders.recovery_codes_remaining
        remaining = await loader.load(self.raw_id) if self.mfa_enabled_at else 0
        return MfaStatusType(
            enabled=self.mfa_enabled_at is not None,
            enabled_at=self.mfa_enabled_at,
            recovery_codes_remaining=remaining,
            user_id=self.raw_id,
        )

    @field(access=scope(S.PROFILE_READ), description="The caller's own active sessions, newest first.")  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
    async def sessions(self, info: Info[Context, None]) -> list[SessionType]:
        found = await signed_in(info)
        if found.user.id != self.raw_id:  # another user's sessions are never exposed
            return []
        sessions = await info.context.loaders.sessions.load(self.raw_id)
        idle = int(info.context.deps.policy.idle_ttl.total_seconds())
        return [SessionType.from_entity(s, found.session_id, idle) for s in sessions]

    @field(  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
        access=scope(S.PROFILE_READ),
        description="The user's own security events (sign-ins and failed sign-ins, password, email, MFA, token and "
        "session changes), newest first. Who: the user themself (else FORBIDDEN).",
    )
    async def security_events(
        self, info: Info[Context, None], first: int | None = 20, after: str | None = None
    ) -> AuditEventConnection:
        return await audit.security_events(info, self.raw_id, first, after)

    @field(  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
        access=FIELD_SESSIONS_ONLY,
        description="The caller's own API tokens, newest first; revoked and expired ones stay listed for 30 days. "
        "Empty for another user.",
    )
    async def api_tokens(self, info: Info[Context, None]) -> list[ApiTokenType]:
        return await user_api_tokens(info, self.raw_id)

    @staticmethod
    def from_entity(u: User, a: Account) -> UserType:
        return UserType(
            id=strawberry.ID(to_global_id("User", u.id)),
            email=u.email,
            role=u.role,
            profile=ProfileType.from_entity(u.profile),
            account=AccountType.from_entity(a),
            created_at=u.created_at,
            raw_id=u.id,
            mfa_enabled_at=u.mfa_enabled_at,
        )
