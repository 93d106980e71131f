"""Transfer requests: asking the provider to change an account's organization or personal number."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.entities import ApiScope as S
from domain.entities import TransferRequest, TransferRequestStatus
from resolvers.access import scope, signed_in
from resolvers.context import Context
from schema.accounts import AccountType
from schema.common import NodeType
from schema.enums import TransferRequestStatusEnum  # noqa: F401  (registers the enum)
from schema.errors import UserErrorType, user_errors_field
from schema.ids import to_global_id
from schema.permissions import type_rule


@strawberry.type(
    name="TransferRequest",
    description=type_rule(
        "TransferRequest",
        "A request to the provider to change an account's organization or personal number.",
        scope(S.ACCOUNT_READ, S.TRANSFERS_WRITE, S.TRANSFERS_RESOLVE),
    ),
)
class TransferRequestType(NodeType):
    id: strawberry.ID = strawberry.field(description="The request's global ID.")
    status: TransferRequestStatus = strawberry.field(description="Where the request stands.")
    current_number: str | None = strawberry.field(description="The account's number when the request was made.")
    requested_number: str = strawberry.field(description="The number the account should carry, in display form.")
    new_holder_name: str = strawberry.field(description="Who will hold the account after the transfer.")
    reason: str | None = strawberry.field(description="Why the number should change, as the requester wrote it.")
    submitted_at: datetime = strawberry.field(description="When the account admin submitted it.")
    resolved_at: datetime | None = strawberry.field(description="When it was approved, rejected or cancelled.")
    resolution_note: str | None = strawberry.field(description="The provider's note when resolving it.")
    account_id: strawberry.Private[UUID]

    @strawberry.field(description="The account whose number the request would change.")  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
    async def account(self, info: Info[Context, None]) -> AccountType:
        found = await signed_in(info)
        if found.account.id == self.account_id:  # the caller's own account costs no statement
            return AccountType.from_entity(found.account)
        return AccountType.from_entity(await info.context.loaders.accounts.load(self.account_id))

    @staticmethod
    def from_entity(t: TransferRequest) -> TransferRequestType:
        return TransferRequestType(
            id=strawberry.ID(to_global_id("TransferRequest", t.id)),
            status=t.status,
            current_number=t.current_number,
            requested_number=t.requested_number,
            new_holder_name=t.new_holder_name,
            reason=t.reason,
            submitted_at=t.submitted_at,
            resolved_at=t.resolved_at,
            resolution_note=t.resolution_note,
            account_id=t.account_id,
        )


@strawberry.input(
    name="SubmitTransferRequestInput", description="The number the caller's account should carry, and who will hold it."
)
class SubmitTransferRequestInput:
    requested_number: str = strawberry.field(
        description="The new organization number (business) or personal number (individual)."
    )
    new_holder_name: str = strawberry.field(
        description="Who will hold the account after the transfer; 1-200 characters."
    )
    reason: str | None = strawberry.field(default=strawberry.UNSET, description="Up to 2000 characters.")


@strawberry.type(name="SubmitTransferRequestPayload", description="The new request, or why none was submitted.")
class SubmitTransferRequestPayload:
    transfer_request: TransferRequestType | None = strawberry.field(
        default=None, description="The new request, SUBMITTED; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="CancelTransferRequestInput", description="The caller's account's request to withdraw.")
class CancelTransferRequestInput:
    transfer_request_id: strawberry.ID = strawberry.field(description="A SUBMITTED TransferRequest's global ID.")


@strawberry.type(name="CancelTransferRequestPayload", description="The withdrawn request, or why it was not withdrawn.")
class CancelTransferRequestPayload:
    transfer_request: TransferRequestType | None = strawberry.field(
        default=None, description="The request, now CANCELLED; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(
    name="ResolveTransferRequestInput", description="The provider's answer to a SUBMITTED transfer request."
)
class ResolveTransferRequestInput:
    transfer_request_id: strawberry.ID = strawberry.field(description="A SUBMITTED TransferRequest's global ID.")
    approve: bool = strawberry.field(description="True applies the requested number; false rejects the request.")
    note: str | None = strawberry.field(
        default=strawberry.UNSET, description="Stored with the request and mailed to the account's admins."
    )


@strawberry.type(name="ResolveTransferRequestPayload", description="The resolved request, or why it was not resolved.")
class ResolveTransferRequestPayload:
    transfer_request: TransferRequestType | None = strawberry.field(
        default=None, description="The request, now APPROVED or REJECTED; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()
