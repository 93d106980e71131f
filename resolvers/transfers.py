"""Transfer requests: submit, cancel, resolve, and the cloud admin's list."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.entities import TransferRequestStatus, UserRole
from domain.errors import DomainError
from domain.services import transfers
from domain.services.auth import Authenticated
from resolvers.access import actor
from resolvers.context import Context
from resolvers.errors import user_errors
from schema.accounts import (
    CancelTransferRequestInput,
    CancelTransferRequestPayload,
    ResolveTransferRequestInput,
    ResolveTransferRequestPayload,
    SubmitTransferRequestInput,
    SubmitTransferRequestPayload,
    TransferRequestType,
)
from schema.ids import uuid_of

TRANSFER = "TransferRequest"


async def transfer_requests(
    info: Info[Context, None],
    status: Annotated[
        TransferRequestStatus | None,
        strawberry.argument(description="Only requests in this status; all when left out."),
    ] = None,
) -> list[TransferRequestType]:
    caller = await actor(info, UserRole.CLOUD_ADMIN)
    found = await run_in_threadpool(transfers.list_transfers, info.context.deps, caller, status)
    return [TransferRequestType.from_entity(t) for t in found]


async def node(info: Info[Context, None], found: Authenticated, request_id: UUID) -> TransferRequestType | None:
    """A request of the caller's own account (any account's for a CLOUD_ADMIN), else None."""
    caller = found.actor(info.context.client_ip)
    request = await run_in_threadpool(transfers.visible_transfer, info.context.deps, caller, request_id)
    return TransferRequestType.from_entity(request) if request else None


async def submit_transfer_request(
    info: Info[Context, None], input: SubmitTransferRequestInput
) -> SubmitTransferRequestPayload:
    caller = await actor(info, UserRole.ACCOUNT_ADMIN)
    try:
        request = await run_in_threadpool(
            transfers.submit_transfer,
            info.context.deps,
            caller,
            requested_number=input.requested_number,
            new_holder_name=input.new_holder_name,
            reason=input.reason or None,
        )
    except DomainError as error:
        return SubmitTransferRequestPayload(errors=user_errors(error))
    return SubmitTransferRequestPayload(transfer_request=TransferRequestType.from_entity(request))


async def cancel_transfer_request(
    info: Info[Context, None], input: CancelTransferRequestInput
) -> CancelTransferRequestPayload:
    caller = await actor(info, UserRole.ACCOUNT_ADMIN)
    request_id = uuid_of(input.transfer_request_id, TRANSFER)
    try:
        request = await run_in_threadpool(transfers.cancel_transfer, info.context.deps, caller, request_id)
    except DomainError as error:
        return CancelTransferRequestPayload(errors=user_errors(error))
    return CancelTransferRequestPayload(transfer_request=TransferRequestType.from_entity(request))


async def resolve_transfer_request(
    info: Info[Context, None], input: ResolveTransferRequestInput
) -> ResolveTransferRequestPayload:
    caller = await actor(info, UserRole.CLOUD_ADMIN)
    request_id = uuid_of(input.transfer_request_id, TRANSFER)
    note = input.note or None
    try:
        request = await run_in_threadpool(
            transfers.resolve_transfer, info.context.deps, caller, request_id, approve=input.approve, note=note
        )
    except DomainError as error:
        return ResolveTransferRequestPayload(errors=user_errors(error))
    return ResolveTransferRequestPayload(transfer_request=TransferRequestType.from_entity(request))
