"""Renaming and removing one of the caller's second factors."""

from __future__ import annotations

from uuid import UUID

from strawberry.types import Info

from domain.services import authenticators
from domain.services.mfa import MfaState
from resolvers.access import caller
from resolvers.context import Caller, Context
from resolvers.errors import attempt
from schema.authenticators import (
    AUTHENTICATOR,
    AuthenticatorType,
    RemoveAuthenticatorInput,
    RemoveAuthenticatorPayload,
    RenameAuthenticatorInput,
    RenameAuthenticatorPayload,
)
from schema.ids import uuid_of
from schema.mfa import mfa_status


async def rename_authenticator(
    info: Info[Context, None], input: RenameAuthenticatorInput
) -> RenameAuthenticatorPayload:
    actor = await caller(info)
    authenticator_id = uuid_of(input.authenticator_id, AUTHENTICATOR)
    return await attempt(
        info.context,
        RenameAuthenticatorPayload,
        lambda: authenticators.rename(info.context.deps, actor, authenticator_id, input.name),
        lambda renamed: RenameAuthenticatorPayload(authenticator=AuthenticatorType.from_entity(renamed)),
    )


async def remove_authenticator(
    info: Info[Context, None], input: RemoveAuthenticatorInput
) -> RemoveAuthenticatorPayload:
    actor = await caller(info)
    authenticator_id = uuid_of(input.authenticator_id, AUTHENTICATOR)

    def work() -> MfaState:
        user, remaining = authenticators.remove(info.context.deps, actor, authenticator_id, input.current_password)
        return MfaState(user.mfa_enabled_at, remaining, user.id)

    return await attempt(
        info.context, RemoveAuthenticatorPayload, work, lambda state: RemoveAuthenticatorPayload(mfa=mfa_status(state))
    )


async def node(info: Info[Context, None], found: Caller, raw_id: UUID) -> AuthenticatorType | None:
    """Only the caller's own authenticators; anyone else's is null, like a made-up ID."""
    own = await info.context.loaders.authenticators.load(found.user.id)
    return next((AuthenticatorType.from_entity(a) for a in own if a.id == raw_id), None)
