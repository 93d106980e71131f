"""The provider's billing profile: its type, the update input and payload."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.entities import ApiScope as S
from domain.entities import BillingProfile
from resolvers.access import scope
from schema.common import AddressInput, AddressType
from schema.errors import UserErrorType, user_errors_field
from schema.memo import ByIdentity, unchanging
from schema.permissions import type_rule


@unchanging  # made once per profile version (from_entity) and never changed: plans remember its answer
@strawberry.type(
    name="BillingProfile",
    description=type_rule(
        "BillingProfile",
        "The provider's own details, printed on customers' invoices for offline payment by bank transfer.",
        scope(S.BILLING_READ),
    ),
)
class BillingProfileType:
    legal_name: str = strawberry.field(description="The provider's registered company name.")
    address: AddressType = strawberry.field(description="The provider's postal address, printed on invoices.")
    vat_number: str | None = strawberry.field(description="With its country prefix, e.g. SE556012579001.")
    registration_number: str | None = strawberry.field(description="The company registration number.")
    bank_name: str = strawberry.field(description="The bank that holds the account customers pay into.")
    account_holder: str = strawberry.field(description="The name the bank account is held in.")
    iban: str = strawberry.field(description="Compact and upper-case, e.g. SE4550000000058398257466.")
    bic: str = strawberry.field(description="8 or 11 characters, upper-case.")
    payment_terms_days: int = strawberry.field(description="Days from invoice date to due date.")
    payment_instructions: str | None = strawberry.field(
        description="Free text shown under the payment details, e.g. how to quote the invoice number."
    )
    invoice_email: str | None = strawberry.field(description="Where customers send questions about invoices.")
    version: int = strawberry.field(description="Pass as expectedVersion to updateBillingProfile.")
    updated_at: datetime = strawberry.field(description="When the profile was last changed.")

    @staticmethod
    def from_entity(p: BillingProfile) -> BillingProfileType:
        """Remembered by the (immutable) entity, which the repository hands back unchanged for an
        unchanged row (schema.memo): shared, so nothing may change it."""
        return _from_entity(p)


def _make(p: BillingProfile) -> BillingProfileType:
    address = AddressType.from_entity(p.address)
    assert address is not None and p.updated_at is not None
    return BillingProfileType(
        legal_name=p.legal_name,
        address=address,
        vat_number=p.vat_number,
        registration_number=p.registration_number,
        bank_name=p.bank_name,
        account_holder=p.account_holder,
        iban=p.iban,
        bic=p.bic,
        payment_terms_days=p.payment_terms_days,
        payment_instructions=p.payment_instructions,
        invoice_email=p.invoice_email,
        version=p.version,
        updated_at=p.updated_at,
    )


_from_entity = ByIdentity(_make)


@strawberry.input(
    name="UpdateBillingProfileInput",
    description="The first save, with expectedVersion 0, creates the profile and needs every required field.",
)
class UpdateBillingProfileInput:
    """Fields left out keep their value; optional fields sent as null are cleared."""

    expected_version: int = strawberry.field(
        description="The version the change is based on (BillingProfile.version); 0 for the first save."
    )
    current_password: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Required when bankName, accountHolder, iban, bic or paymentInstructions change.",
    )
    legal_name: str | None = strawberry.field(default=strawberry.UNSET, description="1-140 characters.")
    address: AddressInput | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the stored address as a whole; it cannot be cleared."
    )
    vat_number: str | None = strawberry.field(
        default=strawberry.UNSET, description="A valid VAT number with its country prefix."
    )
    registration_number: str | None = strawberry.field(
        default=strawberry.UNSET, description="Checked by the rules of the address's country where known."
    )
    bank_name: str | None = strawberry.field(default=strawberry.UNSET, description="1-140 characters.")
    account_holder: str | None = strawberry.field(default=strawberry.UNSET, description="1-140 characters.")
    iban: str | None = strawberry.field(
        default=strawberry.UNSET, description="Spaces and lower case are accepted; stored compact and upper-case."
    )
    bic: str | None = strawberry.field(default=strawberry.UNSET, description="8 or 11 characters.")
    payment_terms_days: int | None = strawberry.field(default=strawberry.UNSET, description="0-120.")
    payment_instructions: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 500 characters; line breaks are kept."
    )
    invoice_email: str | None = strawberry.field(
        default=strawberry.UNSET, description="Where customers send questions about invoices; null or blank clears it."
    )


@strawberry.type(name="UpdateBillingProfilePayload", description="The saved billing profile, or why nothing was saved.")
class UpdateBillingProfilePayload:
    billing_profile: BillingProfileType | None = strawberry.field(
        default=None, description="The profile as saved; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()
