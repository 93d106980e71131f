"""Domain failures. Each class is one fact with a stable `code` the API exposes as UserErrorCode.

A `DomainError` is something the caller can fix; it carries the path of the input field at fault
relative to the mutation's input (e.g. ("phone",) or ("address", "country")), empty when no single
field is at fault. `Invalid input` in several fields at once is raised as `ValidationFailed`.
Access problems (`Forbidden`) are not DomainErrors: the API answers them as
GraphQL errors, not payload data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar


class DomainError(Exception):
    """A problem the caller can fix; nothing was changed."""

    code: ClassVar[str] = "INVALID"

    def __init__(self, message: str, field: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.field = tuple(field)


class Invalid(DomainError):
    code = "INVALID"


class Required(DomainError):
    code = "REQUIRED"


class TooLong(DomainError):
    code = "TOO_LONG"


class NotFound(DomainError):
    code = "NOT_FOUND"


class AlreadyExists(DomainError):
    code = "ALREADY_EXISTS"


class VersionConflict(DomainError):
    code = "VERSION_CONFLICT"


class InvalidCredentials(DomainError):
    code = "INVALID_CREDENTIALS"


class InvalidCode(DomainError):
    code = "INVALID_CODE"


class CodeExpired(DomainError):
    code = "CODE_EXPIRED"


class TooManyAttempts(DomainError):
    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, message: str, field: Iterable[str] = (), *, retry_after: int | None = None) -> None:
        super().__init__(message, field)
        self.retry_after = retry_after


class WeakPassword(DomainError):
    code = "WEAK_PASSWORD"


class PasswordReused(DomainError):
    code = "PASSWORD_REUSED"


class MfaAlreadyEnabled(DomainError):
    code = "MFA_ALREADY_ENABLED"


class MfaNotEnabled(DomainError):
    code = "MFA_NOT_ENABLED"


class LastContact(DomainError):
    code = "LAST_CONTACT"


class RoleUncovered(DomainError):
    code = "ROLE_UNCOVERED"


class NotVerified(DomainError):
    code = "NOT_VERIFIED"


class PendingRequestExists(DomainError):
    code = "PENDING_REQUEST_EXISTS"


class ReauthRequired(DomainError):
    code = "REAUTH_REQUIRED"


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

    def check(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
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
