"""UserError: problems the caller can fix, returned as payload data."""

from __future__ import annotations

import enum
import inspect
from typing import Any

import strawberry

from domain.errors import DomainError
from schema.enums import described_enum


def _error_codes() -> dict[str, str]:
    """Each code the domain raises, with its class's docstring, in the order the classes are defined."""
    found: dict[str, str] = {}
    pending = list(DomainError.__subclasses__())
    while pending:
        cls = pending.pop(0)
        pending[0:0] = cls.__subclasses__()
        if cls.code not in found:
            found[cls.code] = " ".join((inspect.getdoc(cls) or "").split())
    return found


# Derived from domain/errors.py, so each code is written once: a new DomainError subclass is a new value.
_CODES = _error_codes()
UserErrorCode = enum.Enum("UserErrorCode", {code: code for code in _CODES})  # type: ignore[misc]  # mypy cannot list members computed at import; it still knows the class
described_enum(
    UserErrorCode,
    name="UserErrorCode",
    description="What kind of problem a UserError reports; stable across releases.",
    values=_CODES,
)


@strawberry.type(
    name="UserError",
    description="A problem with the caller's input; when any is returned, nothing was changed.",
)
class UserErrorType:
    field: list[str] = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "phone"]; empty when no single field is at fault.'
    )
    code: UserErrorCode = strawberry.field(description="What kind of problem, for programs to act on.")
    message: str = strawberry.field(description="A sentence a person can read, in English.")
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description="Seconds until the same request may succeed, when a wait applies (TOO_MANY_ATTEMPTS); "
        "also sent as a Retry-After header.",
    )


def user_errors_field() -> Any:
    """A payload's `errors` field: empty on success."""
    return strawberry.field(
        default_factory=list, description="Problems the caller can fix; when any is returned, nothing was changed."
    )
