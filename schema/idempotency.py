"""Idempotency keys apply to mutations only (server.idempotency): which operation a request runs."""

from __future__ import annotations

from functools import lru_cache

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

from schema.limits import MAX_TOKENS


@lru_cache(maxsize=256)
def is_mutation(query: str, operation_name: str | None) -> bool:
    """Whether the operation a request selects (by name, or the first) is a mutation. False when
    the document does not parse or has no such operation: executing it answers that error anyway.
    Remembered per document, as Strawberry's own parser cache does."""
    try:
        document = parse(query, no_location=True, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return False
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None or (definition.name is not None and definition.name.value == operation_name)
        ):
            return definition.operation is OperationType.MUTATION
    return False
