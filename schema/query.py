"""The Query root."""

from __future__ import annotations

import strawberry

from resolvers import transfers, users
from resolvers.billing import billing_profile
from schema.accounts import TransferRequestType
from schema.billing import BillingProfileType
from schema.types import NodeType, UserType


@strawberry.type(
    name="Query",
    description="Reads. All but `me` need a signed-in caller (else UNAUTHENTICATED); "
    "transferRequests needs CLOUD_ADMIN (else FORBIDDEN).",
)
class Query:
    me: UserType | None = strawberry.field(
        resolver=users.me,
        description="The signed-in user, or null when the request carries no valid session or token.",
    )
    node: NodeType | None = strawberry.field(
        resolver=users.node, description="Any object the caller may see, by its global ID."
    )
    billing_profile: BillingProfileType | None = strawberry.field(
        resolver=billing_profile,
        description="The provider's payee details as they appear on every customer's invoice. "
        "Any signed-in user may read them.",
    )
    transfer_requests: list[TransferRequestType] = strawberry.field(
        resolver=transfers.transfer_requests,
        description="CLOUD_ADMIN only: transfer requests of every account, oldest first, optionally of one status.",
    )
