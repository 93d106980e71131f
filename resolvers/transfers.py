"""Transfer requests: submit, cancel, resolve, and the cloud admin's list."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.entities import TransferRequest, TransferRequestStatus
from domain.services import transfers
from resolvers.access import caller
from resolvers.context import Caller, Context
from resolvers.errors import attempt
from schema.ids import uuid_of
from schema.transfers import (
    CancelTransferRequestInput,
    CancelTransferRequestPayload,
    ResolveTransferRequestInput,
    ResolveTransferRequestPayload,
    SubmitTransferRequestInput,
    SubmitTransferRequestPayload,
    TransferRequestType,
)

TRANSFER = "TransferRequest"


async def transfer_requests(
    info: Info[Context, None],
    status: Annotated[
        TransferRequestStatus | None,
        strawberry.argument(description="Only requests in this status; all when left out."),
    ] = None,
) -> list[TransferRequestType]:
    actor = await caller(info)
    found = await run_in_threadpool(transfers.list_transfers, info.context.deps, actor, status)
    return [TransferRequestType.from_entity(t) for t in found]


async def node(info: Info[Context, None], found: Caller, request_id: UUID) -> TransferRequestType | None:
    """A request of the caller's own account (any account's for a CLOUD_ADMIN), else None."""
    actor = found.actor(info.context.client_ip)
    request = await run_in_threadpool(transfers.visible_transfer, info.context.deps, actor, request_id)
    return TransferRequestType.from_entity(request) if request else None


async def submit_transfer_request(
    info: Info[Context, None], input: SubmitTransferRequestInput
) -> SubmitTransferRequestPayload:
    actor = await caller(info)

    def work() -> TransferRequest:
        return transfers.submit_transfer(
            info.context.deps,
            actor,
            requested_number=input.requested_number,
            new_holder_name=input.new_holder_name,
            reason=input.reason or None,
        )

    return await attempt(
        info.context,
        SubmitTransferRequestPayload,
        work,
        lambda r: SubmitTransferRequestPayload(transfer_request=TransferRequestType.from_entity(r)),
    )


async def cancel_transfer_request(
    info: Info[Context, None], input: CancelTransferRequestInput
) -> CancelTransferRequestPayload:
    actor = await caller(info)
    request_id = uuid_of(input.transfer_request_id, TRANSFER)
    return await attempt(
        info.context,
        CancelTransferRequestPayload,
        lambda: transfers.cancel_transfer(info.context.deps, actor, request_id),
        lambda r: CancelTransferRequestPayload(transfer_request=TransferRequestType.from_entity(r)),
    )


async def resolve_transfer_request(
    info: Info[Context, None], input: ResolveTransferRequestInput
) -> ResolveTransferRequestPayload:
    actor = await caller(info)
    request_id = uuid_of(input.transfer_request_id, TRANSFER)
    note = input.note or None
    return await attempt(
        info.context,
        ResolveTransferRequestPayload,
        lambda: transfers.resolve_transfer(info.context.deps, actor, request_id, approve=input.approve, note=note),
        lambda r: ResolveTransferRequestPayload(transfer_request=TransferRequestType.from_entity(r)),
    )
