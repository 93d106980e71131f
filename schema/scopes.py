"""An API token's scopes, checked once per request against every field the document selects.

The fields a document's operation may reach (fragments and inline fragments included) are read
once per document text and operation name, with the token rule each declares (schema.permissions),
and remembered like the parse and validation results. A request with an API token then compares
that short list with the token's scopes; a session or an anonymous caller skips the check.
Any field the token may not use refuses the whole operation before anything runs, so no change
is ever half made: one FORBIDDEN error per such field, with extensions.requiredScopes. A secret
that finds no live token meets the fields' own UNAUTHENTICATED checks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from domain.entities import ApiScope
from domain.services.api_tokens import TokenAuthenticated
from resolvers.access import Access, out_of_scope
from resolvers.context import Context
from schema.limits import Recent
from schema.permissions import ACCESS, TYPE_RULES

# (coordinate such as "User.profile", the scopes that allow it; None: sessions only)
Requirement = tuple[str, tuple[ApiScope, ...] | None]

_CACHE: Recent[tuple[str, str | None], tuple[Requirement, ...]] = Recent()


def requirements(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> tuple[Requirement, ...]:
    """Every field the operation selects that a token needs a scope for, or may not use at all."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1:
        return ()  # graphql-core answers an ambiguous or unknown operation itself
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(chosen[0].operation)
    found: dict[str, tuple[ApiScope, ...] | None] = {}
    seen: set[str] = set()
    pending: list[tuple[Any, SelectionSetNode]] = [(root, chosen[0].selection_set)]
    while pending:
        parent, selections = pending.pop()
        for node in selections.selections:
            if isinstance(node, FieldNode):
                if (child := _field(parent, node, found)) is not None and node.selection_set is not None:
                    pending.append((child, node.selection_set))
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                pending.append((schema.get_type(condition.name.value) if condition else parent, node.selection_set))
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                seen.add(node.name.value)  # a fragment's fields are the same wherever it is spread
                fragment = fragments.get(node.name.value)
                if fragment is not None:
                    pending.append((schema.get_type(fragment.type_condition.name.value), fragment.selection_set))
    return tuple(found.items())


def _field(parent: Any, node: FieldNode, found: dict[str, tuple[ApiScope, ...] | None]) -> Any:
    """Note the field's token rule; the type its selections are on (None: nothing to walk)."""
    name = node.name.value
    definition = getattr(parent, "fields", {}).get(name) if not name.startswith("__") else None
    if definition is None:
        return None
    strawberry_field = (definition.extensions or {}).get("strawberry-definition")
    access: Access | None = getattr(strawberry_field, "metadata", {}).get(ACCESS)
    if access is None:
        access = TYPE_RULES.get(parent.name)
    rule = access.token_rule() if access is not None else ()
    if rule != ():
        found[f"{parent.name}.{name}"] = rule
    return get_named_type(definition.type)


def cached_requirements(
    schema: GraphQLSchema, query: str, document: DocumentNode, operation_name: str | None
) -> tuple[Requirement, ...]:
    return _CACHE.get((query, operation_name), lambda: requirements(schema, document, operation_name))


def refusals(needs: tuple[Requirement, ...], scopes: frozenset[ApiScope]) -> list[GraphQLError]:
    """A FORBIDDEN error for each field the scopes do not allow."""
    errors: list[GraphQLError] = []
    for coordinate, allowed in needs:
        if allowed is None:
            errors.append(out_of_scope(f"{coordinate} is for sessions only: API tokens may not use it.", ()))
        elif scopes.isdisjoint(allowed):
            wanted = " or ".join(s.value for s in allowed)
            errors.append(out_of_scope(f"This API token may not use {coordinate}: it needs {wanted}.", allowed))
    return errors


class ScopeCheck(SchemaExtension):
    """Refuses an operation that selects a field the request's API token may not use. The token is
    looked up here, before anything runs and after the read plan (schema.plan) has said what the
    document reads, so the look-up brings that too; a token that could not be looked up is refused
    as a whole (never run unchecked)."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        document = self.execution_context.graphql_document
        if isinstance(context, Context) and context.bears_api_token and document is not None:
            try:
                caller = await context.auth()
            except Exception:  # a database fault: the resolvers meet it again, masked and logged
                caller = None
            if not context.auth_settled:  # never run a token's operation unchecked
                error = out_of_scope("The API token was not checked before the operation; try again.", ())
                self.execution_context.result = ExecutionResult(data=None, errors=[error])
            elif isinstance(caller, TokenAuthenticated):
                schema = self.execution_context.schema._schema
                query = self.execution_context.query or ""
                needs = cached_requirements(schema, query, document, self.execution_context.operation_name)
                if errors := refusals(needs, caller.scopes):
                    self.execution_context.result = ExecutionResult(data=None, errors=errors)
        yield
