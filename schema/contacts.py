"""An account's contact emails: the type, and adding, verifying, role changes and removal."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.entities import ApiScope as S
from domain.entities import ContactEmail, ContactRole
from resolvers.access import scope
from schema.common import NodeType
from schema.enums import ContactRoleEnum  # noqa: F401  (registers the enum)
from schema.errors import UserErrorType, user_errors_field
from schema.ids import to_global_id
from schema.memo import ByIdentity, unchanging
from schema.permissions import type_rule

_ROLE_ORDER = {ContactRole.BILLING: 0, ContactRole.TECH: 1, ContactRole.DPO: 2}


@unchanging  # made only by from_entity, and shared
@strawberry.type(
    name="ContactEmail",
    description=type_rule(
        "ContactEmail",
        "An address the provider writes to, with the roles it holds.",
        scope(S.ACCOUNT_READ, S.ACCOUNT_WRITE),
    ),
)
class ContactEmailType(NodeType):
    id: strawberry.ID = strawberry.field(description="The contact's global ID; the contact mutations take it.")
    email: str = strawberry.field(description="The address, with its domain lower-cased.")
    verified: bool = strawberry.field(
        description="True once verified with the code mailed to it (the account's first contact starts verified); "
        "only verified contacts can hold roles."
    )
    verified_at: datetime | None = strawberry.field(description="When it was verified; null until then.")
    roles: list[ContactRole] = strawberry.field(
        description="The roles it holds, in BILLING, TECH, DPO order; empty for none."
    )
    created_at: datetime = strawberry.field(description="When it was added.")

    @staticmethod
    def from_entity(c: ContactEmail) -> ContactEmailType:
        """Remembered by the (immutable) entity: a contact shown again unchanged is not made again
        (schema.memo). The result is shared, so nothing may change it."""
        return _from_entity(c)

    @staticmethod
    def from_entities(contacts: list[ContactEmail]) -> list[ContactEmailType]:
        return [_from_entity(c) for c in contacts]


def _make(c: ContactEmail) -> ContactEmailType:
    return ContactEmailType(
        id=strawberry.ID(to_global_id("ContactEmail", c.id)),
        email=c.email,
        verified=c.verified,
        verified_at=c.verified_at,
        roles=sorted(c.roles, key=_ROLE_ORDER.__getitem__),
        created_at=c.created_at,
    )


_from_entity = ByIdentity(_make)


@strawberry.input(name="AddContactEmailInput", description="A new contact email for the caller's account.")
class AddContactEmailInput:
    email: str = strawberry.field(description="Checked for syntax only (no DNS look-up); the domain is lower-cased.")


@strawberry.type(name="AddContactEmailPayload", description="The new contact, or why it was not added.")
class AddContactEmailPayload:
    contact: ContactEmailType | None = strawberry.field(
        default=None, description="The new contact: unverified and without roles. Null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="ResendContactVerificationInput", description="The unverified contact to mail a new code to.")
class ResendContactVerificationInput:
    contact_id: strawberry.ID = strawberry.field(description="A ContactEmail's global ID.")


@strawberry.type(
    name="ResendContactVerificationPayload", description="The contact a new code was mailed to, or why none was sent."
)
class ResendContactVerificationPayload:
    contact: ContactEmailType | None = strawberry.field(
        default=None, description="The contact the new code went to; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="VerifyContactEmailInput", description="A contact and the code that was mailed to it.")
class VerifyContactEmailInput:
    contact_id: strawberry.ID = strawberry.field(description="A ContactEmail's global ID.")
    code: str = strawberry.field(description="The 6-digit code mailed to the contact address.")


@strawberry.type(name="VerifyContactEmailPayload", description="The verified contact, or why it stays unverified.")
class VerifyContactEmailPayload:
    contact: ContactEmailType | None = strawberry.field(
        default=None, description="The contact, now verified; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(
    name="SetContactRolesInput", description="A verified contact and the whole set of roles it should hold."
)
class SetContactRolesInput:
    contact_id: strawberry.ID = strawberry.field(description="A verified ContactEmail's global ID.")
    roles: list[ContactRole] = strawberry.field(description="The contact's whole set of roles; [] for none.")


@strawberry.type(
    name="SetContactRolesPayload", description="The account's contacts with the new roles, or why nothing changed."
)
class SetContactRolesPayload:
    contacts: list[ContactEmailType] | None = strawberry.field(
        default=None, description="All of the account's contacts after the change."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="RemoveContactEmailInput", description="The contact email to remove.")
class RemoveContactEmailInput:
    contact_id: strawberry.ID = strawberry.field(description="A ContactEmail's global ID.")


@strawberry.type(
    name="RemoveContactEmailPayload", description="The account's remaining contacts, or why nothing was removed."
)
class RemoveContactEmailPayload:
    contacts: list[ContactEmailType] | None = strawberry.field(
        default=None, description="All of the account's contacts after the change."
    )
    errors: list[UserErrorType] = user_errors_field()
