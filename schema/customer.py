"""An account's customer info: its type and the partial, versioned update."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.entities import CustomerInfo
from schema.common import AddressInput, AddressType
from schema.errors import UserErrorType, user_errors_field


@strawberry.type(name="CustomerInfo", description="Who the customer is, as printed on their invoices.")
class CustomerInfoType:
    company_name: str | None = strawberry.field(description="Business accounts only.")
    contact_person: str = strawberry.field(description="The customer's contact person, 1-100 characters.")
    address: AddressType | None = strawberry.field(description="The invoice address; null until one is set.")
    purchase_order_number: str | None = strawberry.field(
        description="The customer's own reference, printed on invoices; null when there is none."
    )
    version: int = strawberry.field(description="Pass as expectedVersion to updateCustomerInfo.")
    updated_at: datetime = strawberry.field(description="When the customer info was last changed.")

    @staticmethod
    def from_entity(c: CustomerInfo) -> CustomerInfoType:
        assert c.updated_at is not None
        return CustomerInfoType(
            company_name=c.company_name,
            contact_person=c.contact_person,
            address=AddressType.from_entity(c.address),
            purchase_order_number=c.purchase_order_number,
            version=c.version,
            updated_at=c.updated_at,
        )


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
