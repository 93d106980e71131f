"""The Schema object and its extensions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from schema.accounts import AccountType
from schema.compiled import CompilePlan
from schema.contacts import ContactEmailType
from schema.introspection import AnswerIntrospection, IntrospectionAnswers, repair_is_one_of, standard_queries
from schema.limits import CACHE_SIZE, MAX_TOKENS, PARSE_FAILED, VALIDATION_FAILED, LimitedValidation
from schema.mutation import Mutation
from schema.plan import ReadPlan
from schema.query import Query
from schema.scopes import ScopeCheck
from schema.sessions import SessionType
from schema.users import UserType

log = logging.getLogger("tenantry.graphql")


def should_mask(error: GraphQLError) -> bool:
    """Hide only unexpected exceptions (bugs); access and validation errors stay as they are."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    log.error("unexpected error at %s", ".".join(map(str, error.path or [])), exc_info=original)
    return True


class TenantrySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # Unexpected errors are logged (with the request id) by should_mask; the rest are the
        # client's mistakes and not worth a stack trace in the server log.
        # Errors before execution get Apollo's codes: no document yet means parsing failed; a
        # document but no result yet means validation failed. (Cached validation errors are the
        # same objects each time; setting their code again is harmless.)
        if execution_context is None or execution_context.result is not None:
            return
        code = VALIDATION_FAILED if execution_context.graphql_document is not None else PARSE_FAILED
        for error in errors:
            if not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": code}


def build_schema(
    *, introspection: bool = True, extensions: Sequence[type[SchemaExtension] | Callable[[], SchemaExtension]] = ()
) -> strawberry.Schema:
    """The served schema; `extensions` are added after the built-in ones (the server's logging)."""
    # Per schema: answers are never shared with a schema built with other settings.
    answers = IntrospectionAnswers() if introspection else None
    schema = TenantrySchema(
        query=Query,
        mutation=Mutation,
        types=[UserType, AccountType, SessionType, ContactEmailType],
        config=StrawberryConfig(disable_field_suggestions=not introspection),
        extensions=[
            lambda: MaxTokensLimiter(MAX_TOKENS),
            lambda: LimitedValidation(introspection=introspection),
            lambda: ParserCache(maxsize=CACHE_SIZE),
            lambda: ValidationCache(maxsize=CACHE_SIZE),
            lambda: MaskErrors(should_mask_error=should_mask),
            ReadPlan,  # before any extension that asks for the session
            ScopeCheck,
            *extensions,
            # An introspection-only query is answered once everything above let it run.
            *([lambda: AnswerIntrospection(answers)] if answers is not None else []),
            CompilePlan,  # last: it looks at the result the others have let through
        ],
    )
    repair_is_one_of(schema._schema)
    if answers is not None:
        answers.warm(schema._schema, standard_queries())
    return schema


def sdl() -> str:
    """The served SDL, as committed in schema.graphql."""
    return build_schema().as_str() + "\n"
