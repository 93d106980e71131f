"""Creating accounts and users: the operator's path (CLI and demo data), not the public API."""

from __future__ import annotations

import uuid
from dataclasses import replace
from uuid import UUID

from domain.deps import Deps
from domain.entities import (
    ALL_CONTACT_ROLES,
    Account,
    AccountKind,
    AuditEvent,
    ContactEmail,
    CustomerInfo,
    Profile,
    User,
    UserRole,
    Via,
)
from domain.errors import AlreadyExists, Collector, NotFound
from domain.rules import geo, numbers
from domain.rules.email import normalize_email
from domain.rules.passwords import check_new_password
from domain.services import customer, profile


def create_account(
    deps: Deps,
    *,
    kind: AccountKind,
    number: str,
    contact_person: str,
    contact_email: str,
    company_name: str | None = None,
    country: str = "SE",
    via: Via = Via.SYSTEM,
) -> Account:
    """A new account with its number checked and its first contact verified, holding every role."""
    errors = Collector()
    country = errors.check(geo.country_code, country, ("country",)) or "SE"
    checked = errors.check(numbers.account_number, number, kind, country, ("number",))
    person = errors.check(customer.contact_person, contact_person, ("contact_person",))
    company = errors.check(customer.company_name, company_name, kind, ("company_name",))
    email = errors.check(normalize_email, contact_email, ("contact_email",))
    errors.raise_if_any()
    assert checked is not None and person is not None and email is not None  # each check passed
    now = deps.clock()
    account = Account(
        id=uuid.uuid4(),
        kind=kind,
        country=country,
        customer_info=CustomerInfo(contact_person=person, company_name=company, updated_at=now),
        organization_number=checked if kind is AccountKind.BUSINESS else None,
        personal_number=checked if kind is AccountKind.INDIVIDUAL else None,
        created_at=now,
    )
    _add_account(
        deps, account, ContactEmail(uuid.uuid4(), account.id, email, now, ALL_CONTACT_ROLES, verified_at=now), via
    )
    return account


def _add_account(deps: Deps, account: Account, contact: ContactEmail, via: Via) -> None:
    """Store the account with its first contact, unless another account has its number."""
    with deps.uow() as uow:
        if uow.accounts.number_taken(account.kind.value, account.number or ""):
            raise AlreadyExists("An account with this number exists already.", ("number",))
        uow.accounts.add(account)
        uow.contacts.add(contact)
        event = AuditEvent("account.create", "Account", str(account.id), None, ("kind", "number"), via=via)
        uow.audit.add(replace(event, account_id=account.id))
        uow.commit()


def create_user(
    deps: Deps,
    *,
    account_id: UUID,
    email: str,
    role: UserRole,
    password: str,
    first_name: str,
    last_name: str,
    via: Via = Via.SYSTEM,
) -> User:
    """A new user of an account; the password must pass the same policy as a password change."""
    errors = Collector()
    normalized = errors.check(normalize_email, email, ("email",))
    first = errors.check(profile.name, first_name, ("first_name",), "The first name")
    last = errors.check(profile.name, last_name, ("last_name",), "The last name")
    errors.raise_if_any()
    assert normalized is not None and first is not None and last is not None  # each check passed
    check_new_password(
        password, email=normalized, first_name=first, last_name=last, current_matches=False, field=("password",)
    )
    now = deps.clock()
    user = User(
        id=uuid.uuid4(),
        account_id=account_id,
        email=normalized,
        role=role,
        password_hash=deps.hasher.hash(password),
        profile=Profile(first_name=first, last_name=last, updated_at=now),
        created_at=now,
    )
    with deps.uow() as uow:
        if uow.accounts.get(account_id) is None:
            raise NotFound("No such account.", ("account",))
        if uow.users.by_email(normalized) is not None:
            raise AlreadyExists("A user signs in with this email already.", ("email",))
        uow.users.add(user)
        uow.audit.add(
            AuditEvent("user.create", "User", str(user.id), None, ("email", "role"), account_id=account_id, via=via)
        )
        uow.commit()
    return user


def accounts_by_id(deps: Deps, account_ids: list[UUID]) -> dict[UUID, Account]:
    """The accounts with these IDs (e.g. behind a page of transfer requests), in one statement."""
    with deps.uow(write=False) as uow:
        return uow.accounts.get_many(account_ids)
