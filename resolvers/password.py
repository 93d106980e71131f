"""changePassword."""

from __future__ import annotations

from strawberry.types import Info

from domain.services import password
from resolvers.access import caller
from resolvers.context import Context
from resolvers.errors import attempt
from schema.password import ChangePasswordInput, ChangePasswordPayload


async def change_password(info: Info[Context, None], input: ChangePasswordInput) -> ChangePasswordPayload:
    actor = await caller(info)

    def work() -> int:
        return password.change_password(
            info.context.deps, actor, current_password=input.current_password, new_password=input.new_password
        )

    return await attempt(
        info.context, ChangePasswordPayload, work, lambda revoked: ChangePasswordPayload(revoked_sessions=revoked)
    )
