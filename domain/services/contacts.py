"""Contact emails of an account: adding and verifying them, their roles, removing them.

Every change runs with the account row locked (uow.accounts.lock), so two concurrent requests
on one account are serialized and the role invariants in domain.rules.roles hold on SQLite
and PostgreSQL alike. Another account's contact answers NOT_FOUND exactly as a made-up ID does.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from uuid import UUID

from domain.entities import Actor, ContactCode, ContactEmail, ContactRole, Mail
from domain.errors import (
    AlreadyExists,
    CodeExpired,
    Invalid,
    InvalidCode,
    NotFound,
    NotVerified,
    Required,
    TooManyAttempts,
)
from domain.ports import UnitOfWork
from domain.rules import roles as rules
from domain.rules.contact import email_key, normalize_email
from domain.security import constant_time_equal, new_numeric_code
from domain.services.auth import Deps, Limit, consume_attempts, refund_attempts
from domain.services.common import locked_account

# However contacts come and go, one account sends at most this many verification mails an hour.
ACCOUNT_MAIL_LIMIT = Limit("contact:mail", 30, timedelta(hours=1))
# Removing and re-adding a contact gives a fresh code with fresh tries; this caps the guesses an
# account can make at codes sent to addresses it does not control.
ACCOUNT_CODE_LIMIT = Limit("contact:code", 25, timedelta(hours=1))
CODE_PURPOSE = "contact-code"
SUBJECT = "Confirm your new address"


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
            raise Invalid("This contact email is verified already.", ("contactId",))
        decision = rules.resend_decision(code, now)
        if decision.wait is not None:
            raise TooManyAttempts(rules.wait_message(decision.wait), ("contactId",))
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
    typed = "".join(code.split())
    if not typed:
        raise Required("Enter the code from the email.", ("code",))
    if len(typed) != 6 or not typed.isascii() or not typed.isdigit():
        raise InvalidCode("The code is the 6 digits from the email.", ("code",))
    account_key = [(ACCOUNT_CODE_LIMIT, str(actor.account_id))]
    consume_attempts(deps, account_key)
    _spend_try(deps, actor.account_id, contact_id)
    now = deps.clock()
    with deps.uow() as uow:
        refund_attempts(uow, now, account_key)
        contact, stored = _contact_with_code(uow, actor.account_id, contact_id)
        if contact.verified:
            raise InvalidCode("This code has been used already.", ("code",))
        digest = deps.keyring.digest(CODE_PURPOSE, f"{contact.id}:{typed}")
        if stored.digest is None or not constant_time_equal(digest, stored.digest):
            raise InvalidCode(_wrong_code_message(stored), ("code",))
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
            raise NotVerified("Verify this contact email before giving it roles.", ("contactId",))
        after = rules.with_roles(contacts, contact.id, wanted)
        rules.check_invariants(after, ("roles",))
        if wanted != contact.roles:
            uow.contacts.set_roles(contact.id, wanted)
            uow.audit.add(actor.audit("contact.set_roles", "ContactEmail", contact.id, ("roles",)))
            uow.commit()
    return after


def remove_contact(deps: Deps, actor: Actor, contact_id: UUID | None) -> list[ContactEmail]:
    """Remove a contact; returns the account's remaining contacts.

    Roles are never handed over implicitly: removing a contact that is the last verified holder
    of a role raises RoleUncovered (naming the role), and removing the last verified contact
    raises LastContact. The caller gives the roles to another verified contact first, so nobody
    starts receiving invoices or incident mail without having been chosen for it.
    """
    with deps.uow() as uow:
        contacts = _locked_contacts(uow, actor.account_id)
        contact = _find(contacts, contact_id)
        after = rules.without(contacts, contact.id)
        rules.check_invariants(after, ("contactId",))
        uow.contacts.remove(contact.id)
        uow.audit.add(actor.audit("contact.remove", "ContactEmail", contact.id))
        uow.commit()
    return after


def _locked_contacts(uow: UnitOfWork, account_id: UUID) -> list[ContactEmail]:
    locked_account(uow, account_id)
    return uow.contacts.for_account(account_id)


def _find(contacts: list[ContactEmail], contact_id: UUID | None) -> ContactEmail:
    found = next((c for c in contacts if c.id == contact_id), None)
    if found is None:
        raise NotFound("No such contact email.", ("contactId",))
    return found


def _contact_with_code(uow: UnitOfWork, account_id: UUID, contact_id: UUID | None) -> tuple[ContactEmail, ContactCode]:
    found = uow.contacts.with_code(account_id, contact_id) if contact_id is not None else None
    if found is None:
        raise NotFound("No such contact email.", ("contactId",))
    return found


def _send_code(deps: Deps, uow: UnitOfWork, contact: ContactEmail, code: ContactCode, now: datetime) -> None:
    """Store a fresh code's digest (voiding any earlier code) and queue the mail that carries it."""
    window = ACCOUNT_MAIL_LIMIT.window_start(now)
    if uow.attempts.hit(ACCOUNT_MAIL_LIMIT.scope, str(contact.account_id), window) > ACCOUNT_MAIL_LIMIT.count:
        raise TooManyAttempts("This account has sent too many verification codes this hour; try again later.")
    secret = new_numeric_code()
    digest = deps.keyring.digest(CODE_PURPOSE, f"{contact.id}:{secret}")
    expires = now + rules.CODE_TTL
    uow.contacts.set_code(
        contact.id,
        ContactCode(digest, expires, 0, code.sent_at, code.resend_window_start, code.resends_in_window),
    )
    minutes = int(rules.CODE_TTL.total_seconds() // 60)
    text = (
        f"Your confirmation code is {secret}.\n\n"
        f"Enter it to confirm {contact.email} as a contact address of your account. "
        f"It is valid for {minutes} minutes and works once.\n\n"
        "If you did not expect this, you can ignore this email."
    )
    uow.outbox.add(Mail(contact.email, SUBJECT, text))


def _spend_try(deps: Deps, account_id: UUID, contact_id: UUID | None) -> None:
    """Count one try at the contact's code and commit it, or raise why no try is left."""
    now = deps.clock()
    with deps.uow() as uow:
        if contact_id is not None and uow.contacts.count_code_attempt(
            account_id, contact_id, now, rules.MAX_CODE_ATTEMPTS
        ):
            uow.commit()
            return
        contact, code = _contact_with_code(uow, account_id, contact_id)
    if contact.verified:
        raise Invalid("This contact email is verified already.", ("contactId",))
    if code.digest is None or code.attempts >= rules.MAX_CODE_ATTEMPTS:
        raise TooManyAttempts("Too many wrong codes; ask for a new code and try again.", ("code",))
    raise CodeExpired("The code has expired; ask for a new code.", ("code",))


def _wrong_code_message(code: ContactCode) -> str:
    left = rules.MAX_CODE_ATTEMPTS - code.attempts
    if left <= 0:
        return "The code is wrong, and that was the last try; ask for a new code."
    return f"The code is wrong; {left} {'try' if left == 1 else 'tries'} left."
