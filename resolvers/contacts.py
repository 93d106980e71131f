"""Contact email mutations: add, resend the code, verify, set roles, remove."""

from __future__ import annotations

from uuid import UUID

from strawberry.types import Info

from domain.entities import ContactEmail
from domain.services import contacts
from resolvers.access import caller
from resolvers.context import Caller, Context
from resolvers.errors import attempt
from schema.contacts import (
    AddContactEmailInput,
    AddContactEmailPayload,
    ContactEmailType,
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

CONTACT = "ContactEmail"


async def add_contact_email(info: Info[Context, None], input: AddContactEmailInput) -> AddContactEmailPayload:
    actor = await caller(info)
    return await attempt(
        info.context,
        AddContactEmailPayload,
        lambda: contacts.add_contact(info.context.deps, actor, input.email),
        lambda added: AddContactEmailPayload(contact=ContactEmailType.from_entity(added)),
    )


async def resend_contact_verification(
    info: Info[Context, None], input: ResendContactVerificationInput
) -> ResendContactVerificationPayload:
    actor = await caller(info)
    contact_id = uuid_of(input.contact_id, CONTACT)
    return await attempt(
        info.context,
        ResendContactVerificationPayload,
        lambda: contacts.resend_verification(info.context.deps, actor, contact_id),
        lambda contact: ResendContactVerificationPayload(contact=ContactEmailType.from_entity(contact)),
    )


async def verify_contact_email(info: Info[Context, None], input: VerifyContactEmailInput) -> VerifyContactEmailPayload:
    actor = await caller(info)
    contact_id = uuid_of(input.contact_id, CONTACT)
    return await attempt(
        info.context,
        VerifyContactEmailPayload,
        lambda: contacts.verify_contact(info.context.deps, actor, contact_id, input.code),
        lambda contact: VerifyContactEmailPayload(contact=ContactEmailType.from_entity(contact)),
    )


async def set_contact_roles(info: Info[Context, None], input: SetContactRolesInput) -> SetContactRolesPayload:
    actor = await caller(info)
    contact_id = uuid_of(input.contact_id, CONTACT)
    return await attempt(
        info.context,
        SetContactRolesPayload,
        lambda: contacts.set_roles(info.context.deps, actor, contact_id, list(input.roles)),
        lambda after: SetContactRolesPayload(contacts=ContactEmailType.from_entities(after)),
    )


async def remove_contact_email(info: Info[Context, None], input: RemoveContactEmailInput) -> RemoveContactEmailPayload:
    actor = await caller(info)
    contact_id = uuid_of(input.contact_id, CONTACT)
    return await attempt(
        info.context,
        RemoveContactEmailPayload,
        lambda: contacts.remove_contact(info.context.deps, actor, contact_id),
        lambda after: RemoveContactEmailPayload(contacts=ContactEmailType.from_entities(after)),
    )


async def node(info: Info[Context, None], found: Caller, raw_id: UUID) -> ContactEmailType | None:
    """A contact of the caller's own account."""
    found_contacts: list[ContactEmail] = await info.context.loaders.contacts.load(found.account.id)
    return next((ContactEmailType.from_entity(c) for c in found_contacts if c.id == raw_id), None)
