"""Query.billingProfile and updateBillingProfile."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.entities import UserRole
from domain.errors import DomainError
from domain.services import billing
from resolvers import changes
from resolvers.access import actor, signed_in
from resolvers.context import Context
from resolvers.errors import user_errors
from schema.billing import BillingProfileType, UpdateBillingProfileInput, UpdateBillingProfilePayload


async def billing_profile(info: Info[Context, None]) -> BillingProfileType | None:
    await signed_in(info)
    found = await run_in_threadpool(billing.get_billing_profile, info.context.deps)
    return BillingProfileType.from_entity(found) if found else None


async def update_billing_profile(
    info: Info[Context, None], input: UpdateBillingProfileInput
) -> UpdateBillingProfilePayload:
    caller = await actor(info, UserRole.CLOUD_ADMIN)
    try:
        saved = await run_in_threadpool(billing.update_billing_profile, info.context.deps, caller, _changes(input))
    except DomainError as error:
        return UpdateBillingProfilePayload(errors=user_errors(error))
    return UpdateBillingProfilePayload(billing_profile=BillingProfileType.from_entity(saved))


def _changes(input: UpdateBillingProfileInput) -> billing.BillingProfileChanges:
    password = changes.optional(input.current_password)
    return billing.BillingProfileChanges(
        expected_version=input.expected_version,
        current_password=password,
        legal_name=changes.sent(input.legal_name),
        address=changes.address(input.address),
        vat_number=changes.sent(input.vat_number),
        registration_number=changes.sent(input.registration_number),
        bank_name=changes.sent(input.bank_name),
        account_holder=changes.sent(input.account_holder),
        iban=changes.sent(input.iban),
        bic=changes.sent(input.bic),
        payment_terms_days=changes.sent(input.payment_terms_days),
        payment_instructions=changes.sent(input.payment_instructions),
        invoice_email=changes.sent(input.invoice_email),
    )
