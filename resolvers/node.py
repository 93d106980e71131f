"""Query.node: any object the caller may see, by global ID; each feature says what its callers may see."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers import accounts, api_tokens, authenticators, contacts, sessions, transfers, users
from resolvers.access import signed_in
from resolvers.context import Context
from schema.common import NodeType
from schema.ids import from_global_id


async def node(
    info: Info[Context, None],
    id: Annotated[strawberry.ID, strawberry.argument(description="A global ID from any object's `id` field.")],
) -> NodeType | None:
    """Another account's object is null, like a made-up ID."""
    found = await signed_in(info)
    parsed = from_global_id(id)
    if parsed is None:
        return None
    type_name, raw_id = parsed
    if type_name == "User":
        return await users.node(info, found, raw_id)
    if type_name == "Account":
        return await accounts.node(info, found, raw_id)
    if type_name == "ContactEmail":
        return await contacts.node(info, found, raw_id)
    if type_name == "Session":
        return await sessions.node(info, found, id)
    if type_name == "Authenticator":
        return await authenticators.node(info, found, raw_id)
    if type_name == "TransferRequest":
        return await transfers.node(info, found, raw_id)
    if type_name == "ApiToken":
        return await api_tokens.node(info, found, raw_id)
    return None
