"""A user's named second factors: the Authenticator type, renaming and removing one."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.entities import ApiScope as S
from domain.entities import Authenticator, AuthenticatorKind
from resolvers.access import scope
from schema.common import NodeType
from schema.enums import AuthenticatorKindEnum  # noqa: F401  (registers the enum)
from schema.errors import UserErrorType, user_errors_field
from schema.ids import to_global_id
from schema.permissions import type_rule

if TYPE_CHECKING:
    from schema.mfa import MfaStatusType

AUTHENTICATOR = "Authenticator"


@strawberry.type(
    name="Authenticator", description=type_rule("Authenticator", "One second factor of a user.", scope(S.PROFILE_READ))
)
class AuthenticatorType(NodeType):
    id: strawberry.ID = strawberry.field(description="The authenticator's global ID.")
    kind: AuthenticatorKind = strawberry.field(description="An authenticator app (TOTP) or a passkey.")
    name: str = strawberry.field(
        description='Chosen by the user, e.g. "Pixel 8" or "YubiKey 5C"; unique among the user\'s authenticators.'
    )
    created_at: datetime = strawberry.field(description="When it was added.")
    last_used_at: datetime | None = strawberry.field(
        description="When it last completed a sign-in or a change; null when never."
    )
    synced: bool | None = strawberry.field(
        description="Passkeys only: whether the authenticator reports that the key is synced (backed up) beyond "
        "this device."
    )

    @staticmethod
    def from_entity(a: Authenticator) -> AuthenticatorType:
        return AuthenticatorType(
            id=strawberry.ID(to_global_id(AUTHENTICATOR, a.id)),
            kind=a.kind,
            name=a.name,
            created_at=a.created_at,
            last_used_at=a.last_used_at,
            synced=a.synced,
        )


@strawberry.input(name="RenameAuthenticatorInput", description="Which authenticator, and its new name.")
class RenameAuthenticatorInput:
    authenticator_id: strawberry.ID = strawberry.field(description="An Authenticator's global ID.")
    name: str = strawberry.field(description="1-64 characters, unique among the caller's authenticators.")


@strawberry.type(name="RenameAuthenticatorPayload", description="The renamed authenticator, or why not.")
class RenameAuthenticatorPayload:
    authenticator: AuthenticatorType | None = strawberry.field(
        default=None, description="The authenticator with its new name; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="RemoveAuthenticatorInput", description="Which authenticator to remove, with the password.")
class RemoveAuthenticatorInput:
    authenticator_id: strawberry.ID = strawberry.field(description="An Authenticator's global ID.")
    current_password: str = strawberry.field(
        description="The caller's current password; a wrong one counts as a failed sign-in."
    )


@strawberry.type(name="RemoveAuthenticatorPayload", description="The MFA status after the removal, or why not.")
class RemoveAuthenticatorPayload:
    mfa: Annotated[MfaStatusType, strawberry.lazy("schema.mfa")] | None = strawberry.field(
        default=None, description="MFA status afterwards: off when the last second factor was removed."
    )
    errors: list[UserErrorType] = user_errors_field()
