"""Running a domain service for a mutation: the one place where domain errors become payload errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.utils.str_converters import to_camel_case

from domain.errors import DomainError, Forbidden, TooManyAttempts, ValidationFailed
from resolvers.access import forbidden
from resolvers.context import Context
from schema.errors import UserErrorCode, UserErrorType

T = TypeVar("T")
P = TypeVar("P", covariant=True)


class PayloadClass(Protocol[P]):
    def __call__(self, *, errors: list[UserErrorType]) -> P: ...


def user_errors(error: DomainError, ctx: Context | None = None) -> list[UserErrorType]:
    """Every field error of `error`, with snake_case domain paths turned into the API's camelCase
    and rooted at the mutation's `input` argument. A wait (TOO_MANY_ATTEMPTS) is also sent as a
    Retry-After header when the request's context is given."""
    errors = error.errors if isinstance(error, ValidationFailed) else [error]
    found = [
        UserErrorType(
            field=["input", *map(to_camel_case, e.field)] if e.field else [],
            code=UserErrorCode[e.code],
            message=e.message,
            retry_after_seconds=e.retry_after if isinstance(e, TooManyAttempts) else None,
        )
        for e in errors
    ]
    waits = [e.retry_after_seconds for e in found if e.retry_after_seconds is not None]
    if ctx is not None and waits:
        ctx.response.headers["retry-after"] = str(max(waits))
    return found


async def attempt(ctx: Context, payload: PayloadClass[P], work: Callable[[], T], done: Callable[[T], P]) -> P:
    """Run `work` (a domain service call) in the thread pool: `done(result)` on success, else the
    payload with the errors the caller can fix. The domain's own role checks answer FORBIDDEN."""
    try:
        result = await run_in_threadpool(work)
    except DomainError as error:
        # An answer, not a fault: its traceback (the thread pool's future holds the error, whose
        # frames hold that future) would be a cycle keeping the request for the garbage collector.
        error.__traceback__ = None
        return payload(errors=user_errors(error, ctx))
    except Forbidden as error:
        raise forbidden(str(error)) from error
    return done(result)
