"""Contact emails of an account: adding and verifying them, their roles, removing them.

Every change runs with the account row locked (uow.accounts.lock), so two concurrent requests
on one account are serialized and the role invariants in domain.rules.contacts hold on SQLite
and PostgreSQL alike. Another account's contact answers NOT_FOUND exactly as a made-up ID does.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from domain import codes, limits, mails
from domain.deps import Deps
from domain.entities import Actor, AuditEvent, ContactCode, ContactEmail, ContactRole, Via
from domain.errors import AlreadyExists, Invalid, InvalidCode, NotFound, NotVerified, TooManyAttempts
from domain.limits import Limit
from domain.ports import UnitOfWork
from domain.rules import contacts as rules
from domain.rules.email import email_key, normalize_email
from domain.services.common import locked_account

# However contacts come and go, one account sends at most this many verification mails an hour.
ACCOUNT_MAIL_LIMIT = Limit("contact:mail", 30, timedelta(hours=1))
# Removing and re-adding a contact gives a fresh code with fresh tries; this caps the guesses an
# account can make at codes sent to addresses it does not control.
ACCOUNT_CODE_LIMIT = Limit("contact:code", 25, timedelta(hours=1))
CODE = codes.CodeKind("contact-code", renew="ask for a new code")


def add_contact(deps: Deps, actor: Actor, email: str) -> ContactEmail:
    """Add an unverified contact without roles and mail it a 6-digit code (valid 15 minutes).

    Raises Required/TooLong/Invalid for the address, AlreadyExists when the account has it
    (case-insensitively), Invalid past 20 contacts, TooManyAttempts past the account's mail limit.
    """
    address = normalize_email(email, ("email",))
    now = deps.clock()
    with deps.uow() as uow:
        contacts = _locked_contacts(uow, actor.account_id)
        if any(email_key(c.email) == email_key(address) for c in contacts):
            raise AlreadyExists("The account has this contact email already.", ("email",))
        if len(contacts) >= rules.MAX_CONTACTS:
            raise Invalid(f"An account can have at most {rules.MAX_CONTACTS} contact emails; remove one first.")
        contact = ContactEmail(uuid.uuid4(), actor.account_id, address, now)
        uow.contacts.add(contact)
        _send_code(deps, uow, contact, ContactCode(sent_at=now), now)
        uow.audit.add(actor.audit("contact.add", "ContactEmail", contact.id, ("email",)))
        uow.commit()
    return contact


def resend_verification(deps: Deps, actor: Actor, contact_id: UUID | None) -> ContactEmail:
    """Mail a new code, voiding the old one and its tries; one mail a minute, 5 resends an hour.

    Raises NotFound, Invalid (already verified) or TooManyAttempts with the wait in the message.
    """
    now = deps.clock()
    with deps.uow() as uow:
        locked_account(uow, actor.account_id)
        contact, code = _contact_with_code(uow, actor.account_id, contact_id)
        if contact.verified:
            raise Invalid("This contact email is verified already.", ("contact_id",))
        decision = rules.resend_decision(code, now)
        if decision.wait is not None:
            raise TooManyAttempts(
                rules.wait_message(decision.wait), ("contact_id",), retry_after=limits.seconds(decision.wait)
            )
        sending = ContactCode(
            sent_at=now, resend_window_start=decision.window_start, resends_in_window=decision.resends_in_window
        )
        _send_code(deps, uow, contact, sending, now)
        uow.audit.add(actor.audit("contact.resend_code", "ContactEmail", contact.id))
        uow.commit()
    return contact


def verify_contact(deps: Deps, actor: Actor, contact_id: UUID | None, code: str) -> ContactEmail:
    """Verify a contact with the code mailed to it; the code works once.

    Each try is counted in its own committed transaction before the code is compared, so five
    wrong tries void the code however many requests race. Raises NotFound, Required, InvalidCode,
    CodeExpired, TooManyAttempts or Invalid (verified already).
    """
    typed = CODE.typed(code)
    account_key = [(ACCOUNT_CODE_LIMIT, str(actor.account_id))]
    limits.spend(deps.uow, deps.clock(), account_key)
    counted = _spend_try(deps, actor.account_id, contact_id)
    now = deps.clock()
    with deps.uow() as uow:
        # The account's lock first, as every change to its contacts takes it: marking the contact
        # verified also changes the account's row (its contacts stamp, migration 0012), so taking
        # the contact's row first could deadlock with a removal on PostgreSQL.
        locked_account(uow, actor.account_id)
        limits.refund(uow, now, account_key)
        contact, stored = _contact_with_code(uow, actor.account_id, contact_id)
        if contact.verified:
            if counted:  # a concurrent request verified it with this code
                raise InvalidCode("This code has been used already.", ("code",))
            raise Invalid("This contact email is verified already.", ("contact_id",))
        pending = codes.Pending(stored.digest, stored.expires_at, stored.attempts)
        digest = CODE.check(deps.keyring, str(contact.id), typed, pending, now, counted=counted)
        if not uow.contacts.mark_verified(contact.id, digest, now):
            raise InvalidCode("This code has been used already.", ("code",))
        uow.audit.add(actor.audit("contact.verify", "ContactEmail", contact.id, ("verified",)))
        uow.commit()
    return ContactEmail(contact.id, contact.account_id, contact.email, contact.created_at, contact.roles, now)


def set_roles(deps: Deps, actor: Actor, contact_id: UUID | None, roles: list[ContactRole]) -> list[ContactEmail]:
    """Replace a verified contact's roles with `roles`; returns all of the account's contacts.

    Raises NotFound, NotVerified, LastContact or RoleUncovered (naming the roles left without a
    verified holder); then nothing changes.
    """
    wanted = frozenset(roles)
    with deps.uow() as uow:
        contacts = _locked_contacts(uow, actor.account_id)
        contact = _find(contacts, contact_id)
        if not contact.verified:
            raise NotVerified("Verify this contact email before giving it roles.", ("contact_id",))
        after = rules.with_roles(contacts, contact.id, wanted)
        rules.check_invariants(after, ("roles",))
        if wanted != contact.roles:
            uow.contacts.set_roles(contact.id, wanted)
            uow.audit.add(actor.audit("contact.set_roles", "ContactEmail", contact.id, ("roles",)))
            uow.commit()
    return after


def remove_contact(deps: Deps, actor: Actor, contact_id: UUID | None) -> list[ContactEmail]:
    """Remove a contact; returns the account's remaining contacts.

    When exactly one verified contact is left, it takes every role in the same transaction (the
    provider's rule: the only address holds all roles), recorded as a role change by the system.
    While two or more verified contacts remain, roles are not handed over implicitly: removing the
    last verified holder of a role raises RoleUncovered (naming the role). Removing the last
    verified contact raises LastContact.
    """
    with deps.uow() as uow:
        contacts = _locked_contacts(uow, actor.account_id)
        contact = _find(contacts, contact_id)
        after, sole = rules.sole_holder_takes_every_role(rules.without(contacts, contact.id))
        rules.check_invariants(after, ("contact_id",))
        uow.contacts.remove(contact.id)
        uow.audit.add(actor.audit("contact.remove", "ContactEmail", contact.id))
        if sole is not None:
            uow.contacts.set_roles(sole.id, sole.roles)
            event = AuditEvent(
                "contact.set_roles",
                "ContactEmail",
                str(sole.id),
                None,
                ("roles",),
                account_id=actor.account_id,
                via=Via.SYSTEM,
            )
            uow.audit.add(replace(event, account_id=sole.account_id))
        uow.commit()
    return after


def _locked_contacts(uow: UnitOfWork, account_id: UUID) -> list[ContactEmail]:
    locked_account(uow, account_id)
    return uow.contacts.for_account(account_id)


def _find(contacts: list[ContactEmail], contact_id: UUID | None) -> ContactEmail:
    found = next((c for c in contacts if c.id == contact_id), None)
    if found is None:
        raise NotFound("No such contact email.", ("contact_id",))
    return found


def _contact_with_code(uow: UnitOfWork, account_id: UUID, contact_id: UUID | None) -> tuple[ContactEmail, ContactCode]:
    found = uow.contacts.with_code(account_id, contact_id) if contact_id is not None else None
    if found is None:
        raise NotFound("No such contact email.", ("contact_id",))
    return found


def _send_code(deps: Deps, uow: UnitOfWork, contact: ContactEmail, code: ContactCode, now: datetime) -> None:
    """Store a fresh code's digest (voiding any earlier code) and queue the mail that carries it."""
    limits.hit(
        uow,
        now,
        ACCOUNT_MAIL_LIMIT,
        str(contact.account_id),
        "This account has sent too many verification codes this hour; try again later.",
    )
    secret, digest = CODE.issue(deps.keyring, str(contact.id))
    uow.contacts.set_code(
        contact.id,
        ContactCode(digest, now + CODE.ttl, 0, code.sent_at, code.resend_window_start, code.resends_in_window),
    )
    uow.outbox.add(mails.render("contact_code", contact.email, code=secret, email=contact.email, minutes=CODE.minutes))


def _spend_try(deps: Deps, account_id: UUID, contact_id: UUID | None) -> bool:
    """Count one try at the contact's live code and commit it; False when no try could be counted."""
    if contact_id is None:
        return False
    with deps.uow() as uow:
        counted = uow.contacts.count_code_attempt(account_id, contact_id, deps.clock(), CODE.max_tries)
        uow.commit()
    return counted


def contacts_for_accounts(deps: Deps, account_ids: list[UUID]) -> dict[UUID, list[ContactEmail]]:
    """Every contact of each account, oldest first, in one statement for all accounts."""
    with deps.uow(write=False) as uow:
        return uow.contacts.for_accounts(account_ids)
