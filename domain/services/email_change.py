"""Changing the sign-in email: a code mailed to the new address, then confirmation with it.

`profile.update_profile` starts a change (the address becomes the profile's `pending_email`);
`confirm_email_change` finishes it. The code is a mailed one-time code (domain.codes) bound to
the user and the new address; a new request voids the previous code and its tries.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from domain import alerts, codes, mails
from domain.deps import Deps
from domain.entities import Account, Actor, EmailChange, User
from domain.errors import AlreadyExists, InvalidCode
from domain.limits import Limit
from domain.ports import UnitOfWork
from domain.services.common import load_user

CODE = codes.CodeKind("email-change", renew="change your email again to get a new code")
# Each request mails a fresh code (and voids the old one with its tries): bound the codes per user,
# so neither the tries nor the mails to someone else's address are unlimited.
LIMIT = Limit("email-change:start", 5, timedelta(hours=1))


def start(deps: Deps, uow: UnitOfWork, user: User, new_email: str) -> None:
    """Store a new pending code for `new_email` (voiding any earlier one) and mail it there.

    When another user signs in with `new_email`, the caller sees exactly what a free address gives
    (so nobody learns who has an account), but the mail tells that address's owner someone tried
    to use it, and carries no code: the stored digest is of a code nobody ever sees.
    """
    code, digest = CODE.issue(deps.keyring, _binding(user.id, new_email))
    uow.profiles.start_email_change(user.id, EmailChange(new_email, digest, deps.clock() + CODE.ttl))
    owner = uow.users.by_email(new_email)
    if owner is not None and owner.id != user.id:
        uow.outbox.add(mails.render("email_change_taken", new_email, first_name=owner.profile.first_name))
        return
    mail = mails.render(
        "email_change_code",
        new_email,
        code=code,
        first_name=user.profile.first_name,
        new_email=new_email,
        minutes=CODE.minutes,
    )
    uow.outbox.add(mail)


def confirm_email_change(deps: Deps, actor: Actor, code: str) -> tuple[User, Account]:
    """Make the pending email the caller's sign-in email with the code that was mailed to it.

    Each try is counted in its own committed transaction before the code is compared; after
    5 wrong tries the code is void (TOO_MANY_ATTEMPTS). A code is valid for 15 minutes
    (CODE_EXPIRED) and works once. The old address is told of the change.
    """
    typed = CODE.typed(code)
    with deps.uow() as uow:
        counted = uow.profiles.count_email_change_attempt(actor.user_id, CODE.max_tries)
        uow.commit()
    now = deps.clock()
    with deps.uow() as uow:
        change = uow.profiles.email_change(actor.user_id)
        if change is None:
            raise InvalidCode("No change of sign-in email is waiting for a code.", ("code",))
        pending = codes.Pending(change.code_digest, change.expires_at, change.attempts)
        CODE.check(deps.keyring, _binding(actor.user_id, change.new_email), typed, pending, now, counted=counted)
        user = load_user(uow, actor.user_id)
        check_email_free(uow.users.by_email(change.new_email), user.id, ())
        if not uow.profiles.confirm_email_change(user.id, change, now):
            raise InvalidCode("This code has been used already.", ("code",))  # a concurrent confirmation won
        notice = mails.render(
            "email_changed",
            user.email,
            first_name=user.profile.first_name,
            old_email=user.email,
            new_email=change.new_email,
            at=f"{now:%Y-%m-%d %H:%M}",
            report_link=alerts.report_link(deps, uow, user.id),
        )
        uow.outbox.add(notice)
        uow.mfa.void_challenges(user.id)  # a second step started before the change must not finish
        uow.audit.add(actor.audit("email.change", "User", user.id, fields=("email",)))
        found = uow.users.get_with_account(user.id)
        uow.commit()
    assert found is not None
    return found


def check_email_free(owner: User | None, user_id: UUID, field: tuple[str, ...]) -> None:
    """Raise AlreadyExists when `owner` (who signs in with the address) is another user."""
    if owner is not None and owner.id != user_id:
        raise AlreadyExists("Another user signs in with this email address.", field)


def _binding(user_id: UUID, new_email: str) -> str:
    # Bound to the user and the address, so a code confirms nothing but the change it was sent for.
    return f"{user_id}\n{new_email}"
