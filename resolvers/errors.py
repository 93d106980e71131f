"""The one place where domain errors become the payload's `errors`."""

from __future__ import annotations

from domain.errors import DomainError, ValidationFailed
from schema.errors import UserErrorCode, UserErrorType


def user_errors(error: DomainError) -> list[UserErrorType]:
    """Every field error of `error`, with field paths rooted at the mutation's `input` argument."""
    errors = error.errors if isinstance(error, ValidationFailed) else [error]
    return [
        UserErrorType(field=["input", *e.field] if e.field else [], code=UserErrorCode[e.code], message=e.message)
        for e in errors
    ]
