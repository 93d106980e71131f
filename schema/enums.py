"""The contract's enums, over the domain's own enums so values never drift apart."""

from __future__ import annotations

import strawberry

from domain.entities import AccountKind, ContactRole, TransferRequestStatus, UserRole

AccountKindEnum = strawberry.enum(AccountKind, name="AccountKind")
UserRoleEnum = strawberry.enum(
    UserRole,
    name="UserRole",
)
ContactRoleEnum = strawberry.enum(ContactRole, name="ContactRole")
TransferRequestStatusEnum = strawberry.enum(TransferRequestStatus, name="TransferRequestStatus")
