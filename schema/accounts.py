"""Customer info, contact emails and transfer requests: inputs, payloads and the TransferRequest type."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.entities import ContactRole, TransferRequest, TransferRequestStatus
from resolvers import reads
from resolvers.context import Context
from schema.enums import ContactRoleEnum, TransferRequestStatusEnum  # noqa: F401  (registers enums)
from schema.errors import UserErrorType, user_errors_field
from schema.ids import to_global_id
from schema.inputs import AddressInput
from schema.types import AccountType, ContactEmailType, CustomerInfoType, NodeType

# ---------------------------------------------------------------- types


@strawberry.type(
    name="TransferRequest",
    description="A request to the provider to change an account's organization or personal number.",
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

    @strawberry.field(description="The account whose number the request would change.")
    async def account(self, info: Info[Context, None]) -> AccountType:
        return AccountType.from_entity(await reads.account(info, self.account_id))

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


# ---------------------------------------------------------------- customer info


@strawberry.input(
    name="UpdateCustomerInfoInput",
    description="Fields left out are not changed; a field set to null is cleared where it is optional.",
)
class UpdateCustomerInfoInput:
    expected_version: int = strawberry.field(description="CustomerInfo.version as last read.")
    company_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Required for business accounts; individual accounts have none."
    )
    contact_person: str | None = strawberry.field(default=strawberry.UNSET, description="1 to 100 characters.")
    address: AddressInput | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the stored address as a whole; null clears it."
    )
    purchase_order_number: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 64 printable characters, printed on invoices; null clears it."
    )


@strawberry.type(name="UpdateCustomerInfoPayload", description="The saved customer info, or why nothing was saved.")
class UpdateCustomerInfoPayload:
    customer_info: CustomerInfoType | None = strawberry.field(
        default=None,
        description="The customer info as saved; its version goes up only when something changed. "
        "Null when errors are returned.",
    )
    errors: list[UserErrorType] = user_errors_field()


# ---------------------------------------------------------------- contact emails


@strawberry.input(name="AddContactEmailInput", description="A new contact email for the caller's account.")
class AddContactEmailInput:
    email: str = strawberry.field(description="Checked for syntax only (no DNS look-up); the domain is lower-cased.")


@strawberry.type(name="AddContactEmailPayload", description="The new contact, or why it was not added.")
class AddContactEmailPayload:
    contact: ContactEmailType | None = strawberry.field(
        default=None, description="The new contact: unverified and without roles. Null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="ResendContactVerificationInput", description="The unverified contact to mail a new code to.")
class ResendContactVerificationInput:
    contact_id: strawberry.ID = strawberry.field(description="A ContactEmail's global ID.")


@strawberry.type(
    name="ResendContactVerificationPayload", description="The contact a new code was mailed to, or why none was sent."
)
class ResendContactVerificationPayload:
    contact: ContactEmailType | None = strawberry.field(
        default=None, description="The contact the new code went to; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="VerifyContactEmailInput", description="A contact and the code that was mailed to it.")
class VerifyContactEmailInput:
    contact_id: strawberry.ID = strawberry.field(description="A ContactEmail's global ID.")
    code: str = strawberry.field(description="The 6-digit code mailed to the contact address.")


@strawberry.type(name="VerifyContactEmailPayload", description="The verified contact, or why it stays unverified.")
class VerifyContactEmailPayload:
    contact: ContactEmailType | None = strawberry.field(
        default=None, description="The contact, now verified; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(
    name="SetContactRolesInput", description="A verified contact and the whole set of roles it should hold."
)
class SetContactRolesInput:
    contact_id: strawberry.ID = strawberry.field(description="A verified ContactEmail's global ID.")
    roles: list[ContactRole] = strawberry.field(description="The contact's whole set of roles; [] for none.")


@strawberry.type(
    name="SetContactRolesPayload", description="The account's contacts with the new roles, or why nothing changed."
)
class SetContactRolesPayload:
    contacts: list[ContactEmailType] | None = strawberry.field(
        default=None, description="All of the account's contacts after the change."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="RemoveContactEmailInput", description="The contact email to remove.")
class RemoveContactEmailInput:
    contact_id: strawberry.ID = strawberry.field(description="A ContactEmail's global ID.")


@strawberry.type(
    name="RemoveContactEmailPayload", description="The account's remaining contacts, or why nothing was removed."
)
class RemoveContactEmailPayload:
    contacts: list[ContactEmailType] | None = strawberry.field(
        default=None, description="All of the account's contacts after the change."
    )
    errors: list[UserErrorType] = user_errors_field()


# ---------------------------------------------------------------- transfer requests


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
