"""The Query root. Each field binds one resolver and declares who may call it."""

from __future__ import annotations

import strawberry

from resolvers import audit, billing, node, transfers, users
from resolvers.access import ANYONE, CLOUD_ADMIN, SIGNED_IN
from schema.audit import AuditEventConnection
from schema.billing import BillingProfileType
from schema.common import NodeType
from schema.permissions import query
from schema.transfers import TransferRequestType
from schema.users import UserType


@strawberry.type(
    name="Query",
    description="Reads. Each field's description ends with who may call it: a caller without a valid session "
    "gets UNAUTHENTICATED, one without the role FORBIDDEN.",
)
class Query:
    me: UserType | None = query(
        users.me,
        access=ANYONE,
        description="The signed-in user, or null when the request carries no valid session or token.",
    )
    node: NodeType | None = query(
        node.node, access=SIGNED_IN, description="Any object the caller may see, by its global ID."
    )
    billing_profile: BillingProfileType | None = query(
        billing.billing_profile,
        access=SIGNED_IN,
        description="The provider's payee details as they appear on every customer's invoice.",
    )
    transfer_requests: list[TransferRequestType] = query(
        transfers.transfer_requests,
        access=CLOUD_ADMIN,
        description="Transfer requests of every account, oldest first, optionally of one status.",
    )
    audit_log: AuditEventConnection = query(
        audit.audit_log,
        access=CLOUD_ADMIN,
        description="Events of every account and of the provider, newest first.",
    )
