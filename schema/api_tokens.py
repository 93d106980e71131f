"""API tokens: the ApiToken and Credential types, the scopes, and creating and revoking tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.entities import ApiScope, ApiToken
from resolvers.context import Context
from schema.audit import CredentialKind
from schema.common import NodeType
from schema.enums import described_enum
from schema.errors import UserErrorType, user_errors_field
from schema.ids import to_global_id

if TYPE_CHECKING:  # schema.users imports this module; strawberry.lazy resolves the type later
    from schema.users import UserType

API_TOKEN = "ApiToken"  # noqa: S105 (a type name, not a secret)

described_enum(
    ApiScope,
    name="ApiScope",
    description="What an API token may do. Each field's description names the scopes that allow it "
    '("Scope: X."); "Sessions only." fields refuse every token. A token never does more than its owner\'s '
    "current role allows.",
    values={
        "PROFILE_READ": "Read the owner's profile, MFA status (never secrets), sessions and security events.",
        "PROFILE_WRITE": "Change the owner's profile, except the sign-in email.",
        "ACCOUNT_READ": "Read the owner's account: customer info, contacts, transfer requests.",
        "ACCOUNT_WRITE": "Change customer info and contact emails (owner must be ACCOUNT_ADMIN).",
        "TRANSFERS_WRITE": "Submit and cancel transfer requests (owner must be ACCOUNT_ADMIN).",
        "TRANSFERS_RESOLVE": "List every transfer request and resolve them (owner must be CLOUD_ADMIN).",
        "BILLING_READ": "Read the provider's billing profile.",
        "AUDIT_READ": "Read the audit logs the owner may read (ACCOUNT_ADMIN: the account's; CLOUD_ADMIN: all).",
    },
)


@strawberry.type(name="ApiToken", description="A credential for programs, made with createApiToken; bearer only.")
class ApiTokenType(NodeType):
    id: strawberry.ID = strawberry.field(description="The token's global ID; pass it to revokeApiToken.")
    name: str = strawberry.field(description="Chosen by its owner; unique among their live tokens.")
    prefix: str = strawberry.field(
        description="The start of the secret (e.g. tnt_pat_4f3aK2): enough to recognise it in a list or a log, "
        "never enough to use it."
    )
    scopes: list[ApiScope] = strawberry.field(description="The scopes it was created with.")
    created_at: datetime = strawberry.field(description="When it was created.")
    expires_at: datetime = strawberry.field(description="When it stops working.")
    last_used_at: datetime | None = strawberry.field(description="Its latest use, to within a minute; null if never.")
    last_used_ip: str | None = strawberry.field(description="The client address of that use.")
    revoked_at: datetime | None = strawberry.field(
        description="Set once revoked: by its owner, an account admin, a leak report, a password reset or a report "
        "of unrecognized activity."
    )
    owner_id: strawberry.Private[UUID]

    @strawberry.field(description="The user whose token it is.")  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
    async def owner(self, info: Info[Context, None]) -> Annotated[UserType, strawberry.lazy("schema.users")]:
        from schema.users import UserType

        found = await info.context.loaders.audit_actors.load(self.owner_id)  # users with their accounts, by ID
        assert found is not None, "a token's owner outlives it (the token is deleted with the user)"
        return UserType.from_entity(*found)

    @staticmethod
    def from_entity(t: ApiToken) -> ApiTokenType:
        return ApiTokenType(
            id=strawberry.ID(to_global_id(API_TOKEN, t.id)),
            name=t.name,
            prefix=t.prefix,
            scopes=list(t.scopes),
            created_at=t.created_at,
            expires_at=t.expires_at,
            last_used_at=t.last_used_at,
            last_used_ip=t.last_used_ip,
            revoked_at=t.revoked_at,
            owner_id=t.user_id,
        )


@strawberry.type(name="Credential", description="What proves who the caller of this request is, and what it may do.")
class CredentialType:
    kind: CredentialKind = strawberry.field(description="A session or an API token.")
    scopes: list[ApiScope] = strawberry.field(
        description="Every scope the role allows, for a session; the token's own scopes, for an API token (only "
        "those its owner's role still allows)."
    )
    expires_at: datetime = strawberry.field(
        description="When it stops working: a session's idle or absolute expiry, whichever comes first; a token's "
        "expiry."
    )
    api_token: ApiTokenType | None = strawberry.field(description="The API token itself, when kind is API_TOKEN.")


@strawberry.input(name="CreateApiTokenInput", description="The new token's name, scopes and lifetime.")
class CreateApiTokenInput:
    name: str = strawberry.field(description="1 to 100 characters, unique among the caller's live tokens.")
    scopes: list[ApiScope] = strawberry.field(
        description="At least one; each must be allowed by the caller's role (else SCOPE_NOT_ALLOWED)."
    )
    expires_in_days: int = strawberry.field(default=90, description="1 to 366.")
    current_password: str = strawberry.field(description="The caller's password, checked like a sign-in.")


@strawberry.type(name="CreateApiTokenPayload", description="The new token and its secret, or why none was made.")
class CreateApiTokenPayload:
    api_token: ApiTokenType | None = strawberry.field(default=None, description="The new token; null on errors.")
    secret: str | None = strawberry.field(
        default=None, description="The token, shown this once: send it as `Authorization: Bearer <secret>`."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="RevokeApiTokenInput", description="Which token to revoke.")
class RevokeApiTokenInput:
    api_token_id: strawberry.ID = strawberry.field(description="An ApiToken's global ID.")


@strawberry.type(name="RevokeApiTokenPayload", description="The revoked token, or why not.")
class RevokeApiTokenPayload:
    api_token: ApiTokenType | None = strawberry.field(
        default=None, description="The token, now revoked; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="RevokeLeakedApiTokenInput", description="A token found where it should not be.")
class RevokeLeakedApiTokenInput:
    secret: str = strawberry.field(description="The whole token, as found.")


@strawberry.type(
    name="RevokeLeakedApiTokenPayload",
    description="Empty errors whether or not the token existed; its owner, if any, is told by mail.",
)
class RevokeLeakedApiTokenPayload:
    errors: list[UserErrorType] = user_errors_field()
