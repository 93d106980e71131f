"""Query.me and Query.node."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers import transfers
from resolvers.access import signed_in
from resolvers.context import Context
from schema.ids import from_global_id
from schema.types import AccountType, ContactEmailType, NodeType, UserType


async def me(info: Info[Context, None]) -> UserType | None:
    found = await info.context.auth()
    return UserType.from_entity(found.user, found.account) if found else None


async def node(
    info: Info[Context, None],
    id: Annotated[strawberry.ID, strawberry.argument(description="A global ID from any object's `id` field.")],
) -> NodeType | None:
    """Any object the caller may see, by global ID. Another account's object is null, like a made-up ID."""
    found = await signed_in(info)
    parsed = from_global_id(id)
    if parsed is None:
        return None
    type_name, raw_id = parsed
    if type_name == "User" and raw_id == found.user.id:
        return UserType.from_entity(found.user, found.account)
    if type_name == "Account" and raw_id == found.account.id:
        return AccountType.from_entity(found.account)
    if type_name == "ContactEmail":
        contacts = await info.context.loaders.contacts.load(found.account.id)
        return next((ContactEmailType.from_entity(c) for c in contacts if c.id == raw_id), None)
    if type_name == "Session":
        user = UserType.from_entity(found.user, found.account)
        sessions = await user.sessions(info)
        return next((s for s in sessions if s.id == id), None)
    if type_name == "TransferRequest":
        return await transfers.node(info, found, raw_id)
    return None
