"""The Query root. Each field binds one resolver and declares who may call it."""

from __future__ import annotations

import strawberry

from domain.entities import ApiScope
from resolvers import api_tokens, audit, billing, node, transfers, users
from resolvers.access import ANYONE, CLOUD_ADMIN, SIGNED_IN
from schema.api_tokens import CredentialType
from schema.audit import AuditEventConnection
from schema.billing import BillingProfileType
from schema.common import NodeType
from schema.permissions import query
from schema.transfers import TransferRequestType
from schema.users import UserType


@strawberry.type(
    name="Query",
    description="Reads. Each field's description ends with who may call it: a caller without a valid session "
    "or token gets UNAUTHENTICATED, one without the role FORBIDDEN; and with the scopes an API token needs "
    "for it (FORBIDDEN with extensions.requiredScopes otherwise).",
)
class Query:
    me: UserType | None = query(
        users.me,
        access=ANYONE,
        description="The signed-in user, or null when the request carries no valid session or token.",
    )
    current_credential: CredentialType | None = query(
        api_tokens.current_credential,
        access=ANYONE,
        description="What the credential of this request is and may do; null without one.",
    )
    node: NodeType | None = query(
        node.node,
        access=SIGNED_IN,
        description="Any object the caller may see, by its global ID; an API token needs the scopes of the fields "
        "it selects.",
    )
    billing_profile: BillingProfileType | None = query(
        billing.billing_profile,
        access=SIGNED_IN.scoped(ApiScope.BILLING_READ),
        description="The provider's payee details as they appear on every customer's invoice.",
    )
    transfer_requests: list[TransferRequestType] = query(
        transfers.transfer_requests,
        access=CLOUD_ADMIN.scoped(ApiScope.TRANSFERS_RESOLVE),
        description="Transfer requests of every account, oldest first, optionally of one status.",
    )
    audit_log: AuditEventConnection = query(
        audit.audit_log,
        access=CLOUD_ADMIN.scoped(ApiScope.AUDIT_READ),
        description="Events of every account and of the provider, newest first.",
    )
