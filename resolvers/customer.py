"""updateCustomerInfo."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.entities import UserRole
from domain.errors import DomainError
from domain.services import customer
from resolvers import changes
from resolvers.access import actor
from resolvers.context import Context
from resolvers.errors import user_errors
from schema.accounts import UpdateCustomerInfoInput, UpdateCustomerInfoPayload
from schema.types import CustomerInfoType


async def update_customer_info(info: Info[Context, None], input: UpdateCustomerInfoInput) -> UpdateCustomerInfoPayload:
    caller = await actor(info, UserRole.ACCOUNT_ADMIN)
    try:
        saved = await run_in_threadpool(
            customer.update_customer_info, info.context.deps, caller, input.expected_version, _change(input)
        )
    except DomainError as error:
        return UpdateCustomerInfoPayload(errors=user_errors(error))
    return UpdateCustomerInfoPayload(customer_info=CustomerInfoType.from_entity(saved))


def _change(input: UpdateCustomerInfoInput) -> customer.CustomerInfoChange:
    return customer.CustomerInfoChange(
        company_name=changes.sent(input.company_name),
        contact_person=changes.sent(input.contact_person),
        address=changes.address(input.address),
        purchase_order_number=changes.sent(input.purchase_order_number),
    )
