"""Contact email mutations: add, resend the code, verify, set roles, remove."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.entities import UserRole
from domain.errors import DomainError
from domain.services import contacts
from resolvers.access import actor
from resolvers.context import Context
from resolvers.errors import user_errors
from schema.accounts import (
    AddContactEmailInput,
    AddContactEmailPayload,
    RemoveContactEmailInput,
    RemoveContactEmailPayload,
    ResendContactVerificationInput,
    ResendContactVerificationPayload,
    SetContactRolesInput,
    SetContactRolesPayload,
    VerifyContactEmailInput,
    VerifyContactEmailPayload,
)
from schema.ids import uuid_of
from schema.types import ContactEmailType

CONTACT = "ContactEmail"


async def add_contact_email(info: Info[Context, None], input: AddContactEmailInput) -> AddContactEmailPayload:
    caller = await actor(info, UserRole.ACCOUNT_ADMIN)
    try:
        added = await run_in_threadpool(contacts.add_contact, info.context.deps, caller, input.email)
    except DomainError as error:
        return AddContactEmailPayload(errors=user_errors(error))
    return AddContactEmailPayload(contact=ContactEmailType.from_entity(added))


async def resend_contact_verification(
    info: Info[Context, None], input: ResendContactVerificationInput
) -> ResendContactVerificationPayload:
    caller = await actor(info, UserRole.ACCOUNT_ADMIN)
    contact_id = uuid_of(input.contact_id, CONTACT)
    try:
        contact = await run_in_threadpool(contacts.resend_verification, info.context.deps, caller, contact_id)
    except DomainError as error:
        return ResendContactVerificationPayload(errors=user_errors(error))
    return ResendContactVerificationPayload(contact=ContactEmailType.from_entity(contact))


async def verify_contact_email(info: Info[Context, None], input: VerifyContactEmailInput) -> VerifyContactEmailPayload:
    caller = await actor(info, UserRole.ACCOUNT_ADMIN)
    contact_id = uuid_of(input.contact_id, CONTACT)
    try:
        contact = await run_in_threadpool(contacts.verify_contact, info.context.deps, caller, contact_id, input.code)
    except DomainError as error:
        return VerifyContactEmailPayload(errors=user_errors(error))
    return VerifyContactEmailPayload(contact=ContactEmailType.from_entity(contact))


async def set_contact_roles(info: Info[Context, None], input: SetContactRolesInput) -> SetContactRolesPayload:
    caller = await actor(info, UserRole.ACCOUNT_ADMIN)
    contact_id = uuid_of(input.contact_id, CONTACT)
    try:
        after = await run_in_threadpool(contacts.set_roles, info.context.deps, caller, contact_id, list(input.roles))
    except DomainError as error:
        return SetContactRolesPayload(errors=user_errors(error))
    return SetContactRolesPayload(contacts=ContactEmailType.from_entities(after))


async def remove_contact_email(info: Info[Context, None], input: RemoveContactEmailInput) -> RemoveContactEmailPayload:
    caller = await actor(info, UserRole.ACCOUNT_ADMIN)
    contact_id = uuid_of(input.contact_id, CONTACT)
    try:
        after = await run_in_threadpool(contacts.remove_contact, info.context.deps, caller, contact_id)
    except DomainError as error:
        return RemoveContactEmailPayload(errors=user_errors(error))
    return RemoveContactEmailPayload(contacts=ContactEmailType.from_entities(after))
