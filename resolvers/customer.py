"""updateCustomerInfo."""

from __future__ import annotations

from strawberry.types import Info

from domain.services import customer
from resolvers import changes
from resolvers.access import caller
from resolvers.context import Context
from resolvers.errors import attempt
from schema.customer import CustomerInfoType, UpdateCustomerInfoInput, UpdateCustomerInfoPayload


async def update_customer_info(info: Info[Context, None], input: UpdateCustomerInfoInput) -> UpdateCustomerInfoPayload:
    actor = await caller(info)
    change = changes.partial(input, customer.CustomerInfoChange, address=changes.address(input.address))
    return await attempt(
        info.context,
        UpdateCustomerInfoPayload,
        lambda: customer.update_customer_info(info.context.deps, actor, input.expected_version, change),
        lambda saved: UpdateCustomerInfoPayload(customer_info=CustomerInfoType.from_entity(saved)),
    )
