"""Query.billingProfile and updateBillingProfile."""

from __future__ import annotations

from strawberry.types import Info

from domain.services import billing
from resolvers import changes
from resolvers.access import caller
from resolvers.context import CURRENT, Context
from resolvers.errors import attempt
from schema.billing import BillingProfileType, UpdateBillingProfileInput, UpdateBillingProfilePayload


async def billing_profile(info: Info[Context, None]) -> BillingProfileType | None:
    found = await info.context.loaders.billing_profile.load(CURRENT)  # read with the session when asked
    return BillingProfileType.from_entity(found) if found else None


async def update_billing_profile(
    info: Info[Context, None], input: UpdateBillingProfileInput
) -> UpdateBillingProfilePayload:
    actor = await caller(info)
    change = changes.partial(
        input,
        billing.BillingProfileChanges,
        expected_version=input.expected_version,
        current_password=changes.optional(input.current_password),
        address=changes.address(input.address),
    )
    return await attempt(
        info.context,
        UpdateBillingProfilePayload,
        lambda: billing.update_billing_profile(info.context.deps, actor, change),
        lambda saved: UpdateBillingProfilePayload(billing_profile=BillingProfileType.from_entity(saved)),
    )
