"""Running a domain service for a mutation: the one place where domain errors become payload errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.utils.str_converters import to_camel_case

from domain.errors import DomainError, Forbidden, ValidationFailed
from resolvers.access import forbidden
from schema.errors import UserErrorCode, UserErrorType

T = TypeVar("T")
P = TypeVar("P", covariant=True)


class PayloadClass(Protocol[P]):
    def __call__(self, *, errors: list[UserErrorType]) -> P: ...


def user_errors(error: DomainError) -> list[UserErrorType]:
    """Every field error of `error`, with snake_case domain paths turned into the API's camelCase
    and rooted at the mutation's `input` argument."""
    errors = error.errors if isinstance(error, ValidationFailed) else [error]
    return [
        UserErrorType(
            field=["input", *map(to_camel_case, e.field)] if e.field else [],
            code=UserErrorCode[e.code],
            message=e.message,
        )
        for e in errors
    ]


async def attempt(payload: PayloadClass[P], work: Callable[[], T], done: Callable[[T], P]) -> P:
    """Run `work` (a domain service call) in the thread pool: `done(result)` on success, else the
    payload with the errors the caller can fix. The domain's own role checks answer FORBIDDEN."""
    try:
        result = await run_in_threadpool(work)
    except DomainError as error:
        return payload(errors=user_errors(error))
    except Forbidden as error:
        raise forbidden(str(error)) from error
    return done(result)
