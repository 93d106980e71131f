"""Contact email rules as pure functions: role invariants and how often codes may be resent.

The services call these on the state a change would leave behind, inside the transaction that
holds the account lock, and write nothing when one raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain.entities import ALL_CONTACT_ROLES, ContactCode, ContactEmail, ContactRole
from domain.errors import LastContact, RoleUncovered

MAX_CONTACTS = 20
RESEND_INTERVAL = timedelta(seconds=60)
RESEND_WINDOW = timedelta(hours=1)
MAX_RESENDS_PER_WINDOW = 5

# The order roles are named in, in messages and in the API.
ROLE_ORDER: tuple[ContactRole, ...] = (ContactRole.BILLING, ContactRole.TECH, ContactRole.DPO)


def uncovered_roles(contacts: Iterable[ContactEmail]) -> list[ContactRole]:
    """The roles no verified contact holds, in BILLING, TECH, DPO order."""
    held = {role for c in contacts if c.verified for role in c.roles}
    return [role for role in ROLE_ORDER if role not in held]


def check_invariants(contacts: Sequence[ContactEmail], field: tuple[str, ...] = ()) -> None:
    """Raise unless `contacts` (an account's whole list after a change) keeps the role invariants.

    - at least one verified contact (LastContact);
    - each of BILLING, TECH and DPO held by at least one verified contact (RoleUncovered, naming
      every role left without one).
    The third rule, "the only verified contact holds every role", follows from the second, so a
    list with one verified contact passes only when that contact holds all three roles.
    """
    if not any(c.verified for c in contacts):
        raise LastContact("The account must keep at least one verified contact email.", field)
    missing = uncovered_roles(contacts)
    if missing:
        names = " and ".join(role.value for role in missing)
        noun = "role" if len(missing) == 1 else "roles"
        raise RoleUncovered(
            f"The {names} {noun} would have no verified contact; give {'it' if len(missing) == 1 else 'them'} "
            "to another verified contact first.",
            field,
        )


def sole_holder_takes_every_role(contacts: Sequence[ContactEmail]) -> tuple[list[ContactEmail], ContactEmail | None]:
    """The provider's rule "if there is only one email address, it will have all available roles":
    when exactly one verified contact is left, a copy of the list where it holds every role, and
    that contact when its roles had to change (else None)."""
    verified = [c for c in contacts if c.verified]
    if len(verified) != 1 or verified[0].roles == ALL_CONTACT_ROLES:
        return list(contacts), None
    sole = verified[0]
    return with_roles(contacts, sole.id, ALL_CONTACT_ROLES), _copy(sole, ALL_CONTACT_ROLES)


def with_roles(contacts: Sequence[ContactEmail], contact_id: UUID, roles: frozenset[ContactRole]) -> list[ContactEmail]:
    """A copy of the list in which the contact `contact_id` holds exactly `roles`."""
    return [_copy(c, roles) if c.id == contact_id else c for c in contacts]


def without(contacts: Sequence[ContactEmail], contact_id: UUID) -> list[ContactEmail]:
    """A copy of the list without the contact `contact_id`."""
    return [c for c in contacts if c.id != contact_id]


def _copy(contact: ContactEmail, roles: frozenset[ContactRole]) -> ContactEmail:
    return ContactEmail(contact.id, contact.account_id, contact.email, contact.created_at, roles, contact.verified_at)


@dataclass(frozen=True)
class ResendDecision:
    """Whether a new code may be sent now and, if so, the resend window it counts in."""

    wait: timedelta | None
    window_start: datetime
    resends_in_window: int


def resend_decision(code: ContactCode, now: datetime) -> ResendDecision:
    """Apply "one mail per 60 seconds, 5 resends per hour" to a contact's code state.

    The hourly window starts at the first resend and lasts an hour; the first mail (sent when
    the contact was added) counts for the 60-second interval but not towards the 5 resends.
    `wait` is None when a resend is allowed, else how long until the next one is.
    """
    waits: list[timedelta] = []
    if code.sent_at is not None and now < code.sent_at + RESEND_INTERVAL:
        waits.append(code.sent_at + RESEND_INTERVAL - now)
    start, count = code.resend_window_start, code.resends_in_window
    if start is None or now >= start + RESEND_WINDOW:
        start, count = now, 0
    if count >= MAX_RESENDS_PER_WINDOW:
        waits.append(start + RESEND_WINDOW - now)
    return ResendDecision(max(waits) if waits else None, start, count + 1)


def wait_message(wait: timedelta) -> str:
    """A sentence telling how long to wait, in seconds under two minutes, else in minutes."""
    seconds = max(1, int(-(-wait.total_seconds() // 1)))
    if seconds < 120:
        return f"A new code was sent recently; you can ask for another in {seconds} seconds."
    return f"Too many codes were sent to this address; you can ask for another in {-(-seconds // 60)} minutes."
