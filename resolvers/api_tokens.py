"""API tokens: creating and revoking them, listing them, and what the current credential is."""

from __future__ import annotations

from uuid import UUID

from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.entities import ApiToken, UserRole
from domain.rules.api_tokens import in_order
from domain.services import api_tokens
from domain.services.api_tokens import TokenAuthenticated
from resolvers.access import caller, forbidden, signed_in
from resolvers.context import Caller, Context
from resolvers.errors import attempt
from schema.api_tokens import (
    API_TOKEN,
    ApiTokenType,
    CreateApiTokenInput,
    CreateApiTokenPayload,
    CredentialType,
    RevokeApiTokenInput,
    RevokeApiTokenPayload,
    RevokeLeakedApiTokenInput,
    RevokeLeakedApiTokenPayload,
)
from schema.audit import CredentialKind
from schema.ids import uuid_of


async def create_api_token(info: Info[Context, None], input: CreateApiTokenInput) -> CreateApiTokenPayload:
    actor = await caller(info)

    def work() -> tuple[ApiToken, str]:
        return api_tokens.create_api_token(
            info.context.deps,
            actor,
            name=input.name,
            scopes=list(input.scopes),
            expires_in_days=input.expires_in_days,
            current_password=input.current_password,
        )

    return await attempt(
        info.context,
        CreateApiTokenPayload,
        work,
        lambda made: CreateApiTokenPayload(api_token=ApiTokenType.from_entity(made[0]), secret=made[1]),
    )


async def revoke_api_token(info: Info[Context, None], input: RevokeApiTokenInput) -> RevokeApiTokenPayload:
    actor = await caller(info)
    token_id = uuid_of(input.api_token_id, API_TOKEN)
    return await attempt(
        info.context,
        RevokeApiTokenPayload,
        lambda: api_tokens.revoke_api_token(info.context.deps, actor, token_id),
        lambda revoked: RevokeApiTokenPayload(api_token=ApiTokenType.from_entity(revoked)),
    )


async def revoke_leaked_api_token(
    info: Info[Context, None], input: RevokeLeakedApiTokenInput
) -> RevokeLeakedApiTokenPayload:
    ctx = info.context
    return await attempt(
        ctx,
        RevokeLeakedApiTokenPayload,
        lambda: api_tokens.revoke_leaked(ctx.deps, input.secret, ctx.client_ip, ctx.user_agent),
        lambda _: RevokeLeakedApiTokenPayload(),
    )


async def current_credential(info: Info[Context, None]) -> CredentialType | None:
    found = await info.context.auth()
    if found is None:
        return None
    if isinstance(found, TokenAuthenticated):
        token = found.token
        return CredentialType(
            kind=CredentialKind.API_TOKEN,
            scopes=list(in_order(found.scopes)),
            expires_at=token.expires_at,
            api_token=ApiTokenType.from_entity(token),
        )
    idle = int(info.context.deps.policy.idle_ttl.total_seconds())
    return CredentialType(
        kind=CredentialKind.SESSION,
        scopes=list(in_order(found.scopes)),
        expires_at=found.session.expires_at(idle),
        api_token=None,
    )


async def user_api_tokens(info: Info[Context, None], user_id: UUID) -> list[ApiTokenType]:
    """The user's own tokens; another user's are never listed here (their admin sees them on Account)."""
    found = await signed_in(info)
    if found.user.id != user_id:
        return []
    return [ApiTokenType.from_entity(t) for t in await info.context.loaders.api_tokens.load(user_id)]


async def account_api_tokens(info: Info[Context, None], account_id: UUID) -> list[ApiTokenType]:
    """Every token of the account's users, for the account's ACCOUNT_ADMIN."""
    found = await signed_in(info)
    if found.user.role is not UserRole.ACCOUNT_ADMIN or found.user.account_id != account_id:
        raise forbidden("Only an ACCOUNT_ADMIN of this account may list its API tokens.")
    tokens = await run_in_threadpool(api_tokens.tokens_for_account, info.context.deps, account_id)
    return [ApiTokenType.from_entity(t) for t in tokens]


async def node(info: Info[Context, None], found: Caller, raw_id: UUID) -> ApiTokenType | None:
    """One of the caller's own tokens."""
    own = await info.context.loaders.api_tokens.load(found.user.id)
    return next((ApiTokenType.from_entity(t) for t in own if t.id == raw_id), None)
