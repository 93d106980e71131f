"""The audit log in the API: events, their cursor connection and the filter."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.audit import Cursor
from domain.entities import ApiScope as S
from domain.entities import AuditEvent, UserRole, Via
from domain.services.audit import AuditPage
from resolvers.access import scope, signed_in
from resolvers.context import Context
from schema.billing import BillingProfileType
from schema.common import NodeType
from schema.enums import described_enum
from schema.ids import to_global_id
from schema.permissions import type_rule

if TYPE_CHECKING:  # schema.users reaches this module through schema.accounts
    from schema.users import UserType


class CredentialKind(enum.Enum):
    """The ways a caller proves who it is (domain Via values an API caller can have)."""

    SESSION = Via.SESSION.value
    API_TOKEN = Via.API_TOKEN.value


described_enum(
    CredentialKind,
    name="CredentialKind",
    description="How a request proves who it is.",
    values={
        "SESSION": "Signed in with login: the browser's cookie or a bearer token.",
        "API_TOKEN": "An API token made with createApiToken (bearer only).",
    },
)


@strawberry.type(name="PageInfo", description="Where a page of a connection ends.")
class PageInfoType:
    has_next_page: bool = strawberry.field(description="Whether older items follow; ask with `after: endCursor`.")
    end_cursor: str | None = strawberry.field(description="The cursor of the page's last item; null for an empty page.")


@strawberry.type(
    name="AuditEvent",
    description=type_rule(
        "AuditEvent", "One change or security event, as the audit log keeps it.", scope(S.PROFILE_READ, S.AUDIT_READ)
    ),
)
class AuditEventType(NodeType):
    id: strawberry.ID = strawberry.field(description="The event's global ID.")
    occurred_at: datetime = strawberry.field(description="When it happened (UTC).")
    action: str = strawberry.field(
        description="A dotted name such as session.create, session.create_failed, password.change, contact.add, "
        "billing_profile.update."
    )
    actor_email: str | None = strawberry.field(
        description="The actor's email at the time; kept after the user is gone."
    )
    via: CredentialKind | None = strawberry.field(
        description="SESSION or API_TOKEN; null for the CLI, the system or an anonymous caller."
    )
    ip_address: str | None = strawberry.field(description="The client's IP address, when known.")
    user_agent: str | None = strawberry.field(description="The client's User-Agent header, up to 300 characters.")
    subject_type: str | None = strawberry.field(description="The kind of what was changed, when there is one.")
    subject_id: strawberry.ID | None = strawberry.field(
        description="The global ID of what was changed (for the billing profile: its version number)."
    )
    changed_fields: list[str] = strawberry.field(description="Names of the fields changed, never their values.")
    reason: str | None = strawberry.field(
        description="Why a sign-in was refused (session.create_failed): WRONG_PASSWORD, LOCKED, MFA_FAILED or "
        "PASSWORD_RESET_REQUIRED; null for other events."
    )
    actor_id: strawberry.Private[UUID | None]

    @strawberry.field(description="Who acted; null for a deleted user, an anonymous caller or the system.")  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
    async def actor(self, info: Info[Context, None]) -> Annotated[UserType, strawberry.lazy("schema.users")] | None:
        from schema.users import UserType

        if self.actor_id is None:
            return None
        me = (await signed_in(info)).user
        found = await info.context.loaders.audit_actors.load(self.actor_id)
        if found is None:
            return None
        user, account = found
        # Another user's details only for those who may see them: their account's admins, cloud admins.
        admin = me.role is UserRole.ACCOUNT_ADMIN and me.account_id == user.account_id
        if user.id != me.id and not admin and me.role is not UserRole.CLOUD_ADMIN:
            return None
        return UserType.from_entity(user, account)

    @strawberry.field(  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
        description="For a billing_profile.create or billing_profile.update event: the billing profile as that "
        "version was saved. CLOUD_ADMIN only; null for other events and other callers."
    )
    async def billing_profile(self, info: Info[Context, None]) -> BillingProfileType | None:
        if self.subject_type != "BillingProfile" or not self.action.startswith("billing_profile."):
            return None
        if (await signed_in(info)).user.role is not UserRole.CLOUD_ADMIN or not (self.subject_id or "").isdigit():
            return None
        found = await info.context.loaders.billing_versions.load(int(self.subject_id or 0))
        return BillingProfileType.from_entity(found) if found else None

    @staticmethod
    def from_entity(e: AuditEvent) -> AuditEventType:
        assert e.id is not None and e.occurred_at is not None
        shown = e.via in (Via.SESSION, Via.API_TOKEN)
        return AuditEventType(
            id=strawberry.ID(to_global_id("AuditEvent", e.id)),
            occurred_at=e.occurred_at,
            action=e.action,
            actor_email=e.actor_email,
            via=CredentialKind[e.via.value] if shown and e.via else None,
            ip_address=e.ip_address,
            user_agent=e.user_agent,
            subject_type=e.target_type or None,
            subject_id=strawberry.ID(_subject_id(e)) if e.target_id else None,
            changed_fields=list(e.fields),
            reason=e.reason,
            actor_id=e.actor_user_id,
        )


def _subject_id(e: AuditEvent) -> str:
    try:
        return to_global_id(e.target_type, UUID(e.target_id))
    except ValueError:
        return e.target_id


@strawberry.type(name="AuditEventEdge", description="An event and its cursor.")
class AuditEventEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the events older than this one.")
    node: AuditEventType = strawberry.field(description="The event.")


@strawberry.type(name="AuditEventConnection", description="A page of audit events, newest first.")
class AuditEventConnection:
    edges: list[AuditEventEdge] = strawberry.field(description="The events of this page.")
    page_info: PageInfoType = strawberry.field(description="Whether more pages follow, and where this one ends.")

    @staticmethod
    def from_page(page: AuditPage) -> AuditEventConnection:
        edges = [AuditEventEdge(cursor=Cursor.of(e).encode(), node=AuditEventType.from_entity(e)) for e in page.events]
        end = page.end_cursor
        return AuditEventConnection(
            edges=edges, page_info=PageInfoType(has_next_page=page.has_next, end_cursor=end.encode() if end else None)
        )


@strawberry.input(name="AuditLogFilter", description="Which events to list; every given condition must hold.")
class AuditLogFilter:
    actions: list[str] | None = strawberry.field(
        default=None,
        description='Only these actions: exact names, or prefixes ending in a dot such as "contact.".',
    )
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="Only events this user made.")
    since: datetime | None = strawberry.field(default=None, description="Only events at or after this time.")
    until: datetime | None = strawberry.field(default=None, description="Only events before this time.")
