"""Domain failures. Each class is one fact with a stable `code` the API exposes as UserErrorCode.

A `DomainError` is something the caller can fix; it carries the path of the input field at fault
relative to the mutation's input (e.g. ("phone",) or ("address", "country")), empty when no single
field is at fault. `Invalid input` in several fields at once is raised as `ValidationFailed`.
Access problems (`Forbidden`) are not DomainErrors: the API answers them as
GraphQL errors, not payload data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class DomainError(Exception):
    """A problem the caller can fix; nothing was changed."""

    code: ClassVar[str] = "INVALID"

    def __init__(self, message: str, field: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.field = tuple(field)


class Invalid(DomainError):
    """The value is malformed or breaks a rule (an IBAN checksum, an unknown country code, a request that is no
    longer SUBMITTED); the message says which."""

    code = "INVALID"


class Required(DomainError):
    """A value that must be given is missing, null or blank."""

    code = "REQUIRED"


class TooLong(DomainError):
    """The value is longer than the field allows; the message gives the limit."""

    code = "TOO_LONG"


class NotFound(DomainError):
    """No such object. Another account's or user's object answers the same as a made-up ID."""

    code = "NOT_FOUND"


class AlreadyExists(DomainError):
    """The value is taken: the account has this contact email, or another user signs in with this email."""

    code = "ALREADY_EXISTS"


class VersionConflict(DomainError):
    """expectedVersion is stale: the record changed since it was read. Reload it and apply the change again."""

    code = "VERSION_CONFLICT"


class InvalidCredentials(DomainError):
    """The email or password is wrong. Counts as a failed sign-in towards TOO_MANY_ATTEMPTS."""

    code = "INVALID_CREDENTIALS"


class InvalidCode(DomainError):
    """The code is wrong, not in the expected form, or used already."""

    code = "INVALID_CODE"


class CodeExpired(DomainError):
    """The code, MFA set-up or MFA challenge has expired or was replaced; ask for a new one (or sign in again)."""

    code = "CODE_EXPIRED"


class TooManyAttempts(DomainError):
    """A limit on wrong tries, sign-ins or mails was reached, or the server is too busy to check a password; try
    again later (the message says when, where known)."""

    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, message: str, field: Iterable[str] = (), *, retry_after: int | None = None) -> None:
        super().__init__(message, field)
        self.retry_after = retry_after


class WeakPassword(DomainError):
    """The new password is under 12 characters, one of the most common passwords, or contains the email's local
    part or the user's name."""

    code = "WEAK_PASSWORD"


class PasswordReused(DomainError):
    """The new password is the same as the current one."""

    code = "PASSWORD_REUSED"


class MfaAlreadyEnabled(DomainError):
    """MFA is on already; disable it before enrolling again."""

    code = "MFA_ALREADY_ENABLED"


class MfaNotEnabled(DomainError):
    """MFA is off, so it cannot be disabled and has no recovery codes."""

    code = "MFA_NOT_ENABLED"


class LastContact(DomainError):
    """The change would leave the account without a verified contact email."""

    code = "LAST_CONTACT"


class RoleUncovered(DomainError):
    """The change would leave a contact role without a verified holder; the message names the roles."""

    code = "ROLE_UNCOVERED"


class NotVerified(DomainError):
    """The contact email must be verified before it can hold roles."""

    code = "NOT_VERIFIED"


class PendingRequestExists(DomainError):
    """The account has a SUBMITTED transfer request already; cancel it or wait for its answer."""

    code = "PENDING_REQUEST_EXISTS"


class ReauthRequired(DomainError):
    """The change needs the caller's current password (and, with MFA on, nothing less)."""

    code = "REAUTH_REQUIRED"


class WebauthnFailed(DomainError):
    """The authenticator's answer did not verify (origin, challenge, signature, counter or user verification)."""

    code = "WEBAUTHN_FAILED"


class PasswordResetRequired(DomainError):
    """Unrecognized activity was reported: signing in with the password is refused until it is reset with
    requestPasswordReset."""

    code = "PASSWORD_RESET_REQUIRED"


class ScopeNotAllowed(DomainError):
    """An API token asked for a scope that its owner's role does not allow."""

    code = "SCOPE_NOT_ALLOWED"


class ValidationFailed(DomainError):
    """Several inputs are wrong at once; every one is reported and nothing is saved."""

    def __init__(self, errors: Iterable[DomainError]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else Invalid("The input is not valid.")
        super().__init__(first.message, first.field)


class Collector:
    """Gathers field errors so that every wrong field is reported, not only the first."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def check(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """Call a validator; record its DomainError and return None instead of raising."""
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as many:
            self.errors.extend(many.errors)
        except DomainError as error:
            self.errors.append(error)
        return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


class Forbidden(Exception):
    """The caller is signed in but lacks the role for this."""
