"""The Query root."""

from __future__ import annotations

import strawberry

from resolvers import users
from schema.types import NodeType, UserType


@strawberry.type(name="Query")
class Query:
    me: UserType | None = strawberry.field(
        resolver=users.me,
        description="The signed-in user, or null when the request carries no valid session or token.",
    )
    node: NodeType | None = strawberry.field(
        resolver=users.node, description="Any object the caller may see, by its global ID."
    )
