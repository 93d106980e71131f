"""Explicit row <-> entity mapping, so the domain never sees SQLAlchemy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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

Row = Mapping[str, Any]

_ROLE_COLUMNS = {ContactRole.BILLING: "billing", ContactRole.TECH: "tech", ContactRole.DPO: "dpo"}


def account_from_row(r: Row) -> Account:
    address = address_from_row(r) if r["address_line1"] is not None else None
    info = CustomerInfo(
        contact_person=r["contact_person"],
        company_name=r["company_name"],
        address=address,
        purchase_order_number=r["purchase_order_number"],
        version=r["customer_info_version"],
        updated_at=r["customer_info_updated_at"],
    )
    return Account(
        id=r["id"],
        kind=AccountKind(r["kind"]),
        country=r["country"],
        customer_info=info,
        organization_number=r["organization_number"],
        personal_number=r["personal_number"],
        created_at=r["created_at"],
    )


def account_to_row(a: Account) -> dict[str, Any]:
    info = a.customer_info
    return {
        "id": a.id,
        "kind": a.kind.value,
        "country": a.country,
        "organization_number": a.organization_number,
        "personal_number": a.personal_number,
        "created_at": a.created_at,
        **customer_info_to_row(info),
        "customer_info_version": info.version,
    }


def customer_info_to_row(info: CustomerInfo) -> dict[str, Any]:
    return {
        "company_name": info.company_name,
        "contact_person": info.contact_person,
        **address_to_row(info.address),
        "purchase_order_number": info.purchase_order_number,
        "customer_info_updated_at": info.updated_at,
    }


def user_from_row(r: Row) -> User:
    location = Location(r["location_country"], r["location_city"]) if r["location_country"] else None
    profile = Profile(
        first_name=r["first_name"],
        last_name=r["last_name"],
        phone=r["phone"],
        pending_email=r["pending_email"],
        location=location,
        language=r["language"],
        timezone=r["timezone"],
        job_title=r["job_title"],
        version=r["version"],
        updated_at=r["updated_at"],
    )
    return User(
        id=r["id"],
        account_id=r["account_id"],
        email=r["email"],
        role=UserRole(r["role"]),
        password_hash=r["password_hash"],
        profile=profile,
        created_at=r["created_at"],
        mfa_enabled_at=r["mfa_enabled_at"],
    )


def profile_to_row(p: Profile) -> dict[str, Any]:
    return {
        "first_name": p.first_name,
        "last_name": p.last_name,
        "phone": p.phone,
        "pending_email": p.pending_email,
        "location_country": p.location.country if p.location else None,
        "location_city": p.location.city if p.location else None,
        "language": p.language,
        "timezone": p.timezone,
        "job_title": p.job_title,
        "updated_at": p.updated_at,
    }


def user_to_row(u: User, email_key: str) -> dict[str, Any]:
    return {
        "id": u.id,
        "account_id": u.account_id,
        "email": u.email,
        "email_key": email_key,
        "role": u.role.value,
        "password_hash": u.password_hash,
        "created_at": u.created_at,
        "mfa_enabled_at": u.mfa_enabled_at,
        "version": u.profile.version,
        **profile_to_row(u.profile),
    }


def session_from_row(r: Row) -> Session:
    return Session(
        id=r["id"],
        user_id=r["user_id"],
        token_hash=r["token_hash"],
        created_at=r["created_at"],
        last_seen_at=r["last_seen_at"],
        absolute_expires_at=r["absolute_expires_at"],
        user_agent=r["user_agent"],
        ip_address=r["ip_address"],
    )


def contact_from_row(r: Row) -> ContactEmail:
    roles = frozenset(role for role, column in _ROLE_COLUMNS.items() if r[column])
    return ContactEmail(
        id=r["id"],
        account_id=r["account_id"],
        email=r["email"],
        created_at=r["created_at"],
        roles=roles,
        verified_at=r["verified_at"],
    )


def roles_to_row(roles: frozenset[ContactRole]) -> dict[str, bool]:
    return {column: role in roles for role, column in _ROLE_COLUMNS.items()}


def address_from_row(r: Row) -> Address:
    """An address stored in the address_* columns (accounts, billing profile and its history)."""
    return Address(
        line1=r["address_line1"],
        line2=r["address_line2"],
        postal_code=r["address_postal_code"],
        city=r["address_city"],
        region=r["address_region"],
        country=r["address_country"],
    )


def address_to_row(a: Address | None) -> dict[str, str | None]:
    """The address_* columns of `a`, all None when there is no address."""
    return {
        "address_line1": a.line1 if a else None,
        "address_line2": a.line2 if a else None,
        "address_postal_code": a.postal_code if a else None,
        "address_city": a.city if a else None,
        "address_region": a.region if a else None,
        "address_country": a.country if a else None,
    }
