"""Changing the sign-in email: a code mailed to the new address, then confirmation with it.

`profile.update_profile` starts a change (the address becomes the profile's `pending_email`);
`confirm_email_change` finishes it. A code is 6 digits, valid 15 minutes, void after 5 wrong
tries, stored only as a keyed digest, and a new request voids the previous code.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from domain.entities import Account, Actor, EmailChange, Mail, User
from domain.errors import AlreadyExists, CodeExpired, InvalidCode, Required, TooManyAttempts
from domain.ports import UnitOfWork
from domain.security import constant_time_equal, new_numeric_code
from domain.services.auth import Deps, Limit
from domain.services.common import load_user

CODE_TTL = timedelta(minutes=15)
CODE_ATTEMPTS = 5
# Each request mails a fresh code (and voids the old one with its tries): bound the codes per user,
# so neither the tries nor the mails to someone else's address are unlimited.
LIMIT = Limit("email-change:start", 5, timedelta(hours=1))


def start(deps: Deps, uow: UnitOfWork, user: User, new_email: str) -> None:
    """Store a new pending code for `new_email` (voiding any earlier one) and mail it there."""
    code = new_numeric_code(6)
    digest = _code_digest(deps, user.id, new_email, code)
    uow.profiles.start_email_change(user.id, EmailChange(new_email, digest, deps.clock() + CODE_TTL))
    minutes = int(CODE_TTL.total_seconds() // 60)
    uow.outbox.add(
        Mail(
            new_email,
            "Confirm your new sign-in email",
            f"Your code: {code}\n\n"
            f"Hello {user.profile.first_name},\n\n"
            f"enter this code to make {new_email} the email you sign in with. It is valid for {minutes} minutes.\n"
            "If you did not ask for this, ignore this mail: nothing changes without the code.\n",
        )
    )


def confirm_email_change(deps: Deps, actor: Actor, code: str) -> tuple[User, Account]:
    """Make the pending email the caller's sign-in email with the code that was mailed to it.

    Each try is counted in its own committed transaction before the code is compared; after
    5 wrong tries the code is void (TOO_MANY_ATTEMPTS). A code is valid for 15 minutes
    (CODE_EXPIRED) and works once. The old address is told of the change.
    """
    code = code.strip()
    if not code:
        raise Required("Enter the code from the mail sent to your new address.", ("code",))
    with deps.uow() as uow:
        counted = uow.profiles.count_email_change_attempt(actor.user_id, CODE_ATTEMPTS)
        uow.commit()
    now = deps.clock()
    with deps.uow() as uow:
        change = _pending_change(uow.profiles.email_change(actor.user_id), counted, now)
        if not constant_time_equal(_code_digest(deps, actor.user_id, change.new_email, code), change.code_digest):
            raise InvalidCode(_wrong_code_message(change.attempts), ("code",))  # this try is counted
        user = load_user(uow, actor.user_id)
        check_email_free(uow.users.by_email(change.new_email), user.id, ())
        if not uow.profiles.confirm_email_change(user.id, change, now):
            raise InvalidCode("This code has been used already.", ("code",))  # a concurrent confirmation won
        uow.outbox.add(_changed_notice(user, change.new_email, now))
        uow.audit.add(actor.audit("user.email_change", "User", user.id, fields=("email",)))
        found = uow.users.get_with_account(user.id)
        uow.commit()
    assert found is not None
    return found


def check_email_free(owner: User | None, user_id: UUID, field: tuple[str, ...]) -> None:
    """Raise AlreadyExists when `owner` (who signs in with the address) is another user."""
    if owner is not None and owner.id != user_id:
        raise AlreadyExists("Another user signs in with this email address.", field)


def _code_digest(deps: Deps, user_id: UUID, new_email: str, code: str) -> str:
    # Bound to the user and the address, so a code confirms nothing but the change it was sent for.
    return deps.keyring.digest("email-change", f"{user_id}\n{new_email}\n{code}")


def _pending_change(change: EmailChange | None, counted: bool, now: datetime) -> EmailChange:
    """The pending change the code is for, or the reason the code cannot be checked."""
    if change is None:
        raise InvalidCode("No change of sign-in email is waiting for a code.", ("code",))
    if not counted:
        raise TooManyAttempts(
            "The code was entered wrongly too many times and no longer works; "
            "change your email again to get a new code.",
            ("code",),
        )
    if now >= change.expires_at:
        raise CodeExpired("This code has expired; change your email again to get a new code.", ("code",))
    return change


def _wrong_code_message(tries_used: int) -> str:
    left = CODE_ATTEMPTS - tries_used
    if left <= 0:
        return "The code is wrong, and it no longer works; change your email again to get a new code."
    return f"The code is wrong; {left} more {'try' if left == 1 else 'tries'} before it stops working."


def _changed_notice(user: User, new_email: str, now: datetime) -> Mail:
    return Mail(
        user.email,
        "Your sign-in email was changed",
        f"Hello {user.profile.first_name},\n\n"
        f"the email you sign in with was changed from {user.email} to {new_email} at {now:%Y-%m-%d %H:%M} UTC.\n"
        "If you did not do this, contact your administrator at once.\n",
    )
