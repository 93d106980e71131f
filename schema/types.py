"""Object types of the API. Each is built from a domain entity with `from_entity`; no SQL here."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.entities import (
    Account,
    AccountKind,
    Address,
    ContactEmail,
    ContactRole,
    CustomerInfo,
    Location,
    Profile,
    Session,
    User,
    UserRole,
)
from resolvers import reads
from resolvers.context import Context
from schema.enums import AccountKindEnum, ContactRoleEnum, UserRoleEnum  # noqa: F401  (registers enums)
from schema.ids import to_global_id

if TYPE_CHECKING:  # schema.accounts imports this module; strawberry.lazy resolves the type later
    from schema.accounts import TransferRequestType

_ROLE_ORDER = {ContactRole.BILLING: 0, ContactRole.TECH: 1, ContactRole.DPO: 2}


@strawberry.interface(name="Node", description="An object with a global ID, for client caches and `node(id:)`.")
class NodeType:
    id: strawberry.ID = strawberry.field(
        description="The object's global ID: opaque, stable, and accepted by `node(id:)`."
    )


@strawberry.type(name="Location", description="Where the user is: a country and, optionally, a city.")
class LocationType:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    city: str | None = strawberry.field(description="Free text, up to 100 characters; null when not given.")

    @staticmethod
    def from_entity(location: Location | None) -> LocationType | None:
        return LocationType(country=location.country, city=location.city) if location else None


@strawberry.type(name="Profile", description="A user's personal details.")
class ProfileType:
    first_name: str = strawberry.field(description="The user's first name, 1-100 characters.")
    last_name: str = strawberry.field(description="The user's last name, 1-100 characters.")
    phone: str | None = strawberry.field(description="E.164, e.g. +46701234567.")
    pending_email: str | None = strawberry.field(description="A new sign-in email waiting for confirmEmailChange.")
    location: LocationType | None = strawberry.field(
        description="Where the user is; its country is how a phone number without a + country code is read."
    )
    language: str | None = strawberry.field(description="BCP 47 tag, e.g. sv-SE.")
    timezone: str | None = strawberry.field(description="IANA zone, e.g. Europe/Stockholm.")
    job_title: str | None = strawberry.field(description="Up to 100 characters.")
    version: int = strawberry.field(description="Pass as expectedVersion to updateProfile.")
    updated_at: datetime = strawberry.field(description="When the profile was last changed.")

    @staticmethod
    def from_entity(p: Profile) -> ProfileType:
        assert p.updated_at is not None
        return ProfileType(
            first_name=p.first_name,
            last_name=p.last_name,
            phone=p.phone,
            pending_email=p.pending_email,
            location=LocationType.from_entity(p.location),
            language=p.language,
            timezone=p.timezone,
            job_title=p.job_title,
            version=p.version,
            updated_at=p.updated_at,
        )


@strawberry.type(name="MfaStatus", description="Whether a second factor guards the user's sign-in.")
class MfaStatusType:
    enabled: bool = strawberry.field(
        description="True when signing in needs a TOTP or recovery code after the password."
    )
    enabled_at: datetime | None = strawberry.field(description="When MFA was turned on; null while it is off.")
    recovery_codes_remaining: int = strawberry.field(
        description="Unused recovery codes, out of the 10 issued; 0 while MFA is off."
    )


@strawberry.type(name="Session", description="A signed-in browser or client.")
class SessionType(NodeType):
    id: strawberry.ID = strawberry.field(description="The session's global ID; pass it to revokeSession.")
    current: bool = strawberry.field(description="True for the session that made this request.")
    created_at: datetime = strawberry.field(description="When the user signed in.")
    last_seen_at: datetime = strawberry.field(description="The session's latest request, to within a minute.")
    expires_at: datetime = strawberry.field(
        description="When it ends unless used again before: the earlier of the idle timeout after lastSeenAt "
        "and the absolute lifetime after createdAt (by default 1 hour and 12 hours)."
    )
    user_agent: str | None = strawberry.field(
        description="The User-Agent header sent when signing in, up to 300 characters; null when none was sent."
    )
    ip_address: str | None = strawberry.field(
        description="The client's IP address when signing in; null when it was not known."
    )

    @staticmethod
    def from_entity(s: Session, current_id: UUID | None, idle_ttl_seconds: int) -> SessionType:
        return SessionType(
            id=strawberry.ID(to_global_id("Session", s.id)),
            current=s.id == current_id,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            expires_at=s.expires_at(idle_ttl_seconds),
            user_agent=s.user_agent,
            ip_address=s.ip_address,
        )


@strawberry.type(name="Address", description="A postal address.")
class AddressType:
    line1: str = strawberry.field(description="Street and number, or another first address line.")
    line2: str | None = strawberry.field(description="A second address line; null when there is none.")
    postal_code: str = strawberry.field(
        description="Checked against the country's format; stored upper-case with single spaces."
    )
    city: str = strawberry.field(description="The city or town.")
    region: str | None = strawberry.field(description="State, province or county; null when there is none.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2.")

    @staticmethod
    def from_entity(a: Address | None) -> AddressType | None:
        if a is None:
            return None
        return AddressType(
            line1=a.line1,
            line2=a.line2,
            postal_code=a.postal_code,
            city=a.city,
            region=a.region,
            country=a.country,
        )


@strawberry.type(name="CustomerInfo", description="Who the customer is, as printed on their invoices.")
class CustomerInfoType:
    company_name: str | None = strawberry.field(description="Business accounts only.")
    contact_person: str = strawberry.field(description="The customer's contact person, 1-100 characters.")
    address: AddressType | None = strawberry.field(description="The invoice address; null until one is set.")
    purchase_order_number: str | None = strawberry.field(
        description="The customer's own reference, printed on invoices; null when there is none."
    )
    version: int = strawberry.field(description="Pass as expectedVersion to updateCustomerInfo.")
    updated_at: datetime = strawberry.field(description="When the customer info was last changed.")

    @staticmethod
    def from_entity(c: CustomerInfo) -> CustomerInfoType:
        assert c.updated_at is not None
        return CustomerInfoType(
            company_name=c.company_name,
            contact_person=c.contact_person,
            address=AddressType.from_entity(c.address),
            purchase_order_number=c.purchase_order_number,
            version=c.version,
            updated_at=c.updated_at,
        )


@strawberry.type(name="ContactEmail", description="An address the provider writes to, with the roles it holds.")
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
        return ContactEmailType(
            id=strawberry.ID(to_global_id("ContactEmail", c.id)),
            email=c.email,
            verified=c.verified,
            verified_at=c.verified_at,
            roles=sorted(c.roles, key=_ROLE_ORDER.__getitem__),
            created_at=c.created_at,
        )

    @staticmethod
    def from_entities(contacts: list[ContactEmail]) -> list[ContactEmailType]:
        return [ContactEmailType.from_entity(c) for c in contacts]


@strawberry.type(name="Account", description="A customer account: a business or an individual.")
class AccountType(NodeType):
    id: strawberry.ID = strawberry.field(description="The account's global ID.")
    kind: AccountKind = strawberry.field(description="Business or individual: which of the two numbers it has.")
    organization_number: str | None = strawberry.field(
        description="Business accounts; changed only through a transfer request."
    )
    personal_number: str | None = strawberry.field(
        description="Individual accounts; changed only through a transfer request."
    )
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country whose rules check the number.")
    customer_info: CustomerInfoType = strawberry.field(
        description="Who the customer is, as printed on their invoices; ACCOUNT_ADMIN edits it."
    )
    raw_id: strawberry.Private[UUID]

    @strawberry.field(description="The account's contact emails, oldest first.")
    async def contacts(self, info: Info[Context, None]) -> list[ContactEmailType]:
        return ContactEmailType.from_entities(await reads.contacts(info, self.raw_id))

    @strawberry.field(description="The account's requests to change its number, oldest first.")
    async def transfer_requests(
        self, info: Info[Context, None]
    ) -> list[Annotated[TransferRequestType, strawberry.lazy("schema.accounts")]]:
        from schema import accounts

        return [accounts.TransferRequestType.from_entity(t) for t in await reads.transfer_requests(info, self.raw_id)]

    @staticmethod
    def from_entity(a: Account) -> AccountType:
        return AccountType(
            id=strawberry.ID(to_global_id("Account", a.id)),
            kind=a.kind,
            organization_number=a.organization_number,
            personal_number=a.personal_number,
            country=a.country,
            customer_info=CustomerInfoType.from_entity(a.customer_info),
            raw_id=a.id,
        )


@strawberry.type(name="User", description="A person who signs in.")
class UserType(NodeType):
    id: strawberry.ID = strawberry.field(description="The user's global ID.")
    email: str = strawberry.field(description="The sign-in email.")
    role: UserRole = strawberry.field(description="What the user may do.")
    profile: ProfileType = strawberry.field(description="The user's personal details, edited with updateProfile.")
    account: AccountType = strawberry.field(description="The customer account the user belongs to.")
    created_at: datetime = strawberry.field(description="When the user was created.")
    raw_id: strawberry.Private[UUID]
    mfa_enabled_at: strawberry.Private[datetime | None]

    @strawberry.field(description="Whether MFA is on, and how many recovery codes are left.")
    async def mfa(self, info: Info[Context, None]) -> MfaStatusType:
        remaining = await reads.recovery_codes_remaining(info, self.raw_id) if self.mfa_enabled_at else 0
        return MfaStatusType(
            enabled=self.mfa_enabled_at is not None,
            enabled_at=self.mfa_enabled_at,
            recovery_codes_remaining=remaining,
        )

    @strawberry.field(description="The caller's own active sessions, newest first.")
    async def sessions(self, info: Info[Context, None]) -> list[SessionType]:
        sessions, current_id, idle = await reads.sessions(info, self.raw_id)
        return [SessionType.from_entity(s, current_id, idle) for s in sessions]

    @staticmethod
    def from_entity(u: User, a: Account) -> UserType:
        return UserType(
            id=strawberry.ID(to_global_id("User", u.id)),
            email=u.email,
            role=u.role,
            profile=ProfileType.from_entity(u.profile),
            account=AccountType.from_entity(a),
            created_at=u.created_at,
            raw_id=u.id,
            mfa_enabled_at=u.mfa_enabled_at,
        )
