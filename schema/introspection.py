"""Introspection-only queries, answered apart from the rest of the schema.

Such a query (root fields `__schema`, `__type`, `__typename` only) depends on nothing but the
schema, which is fixed per process: it is answered by schema.introspection_walk (several times
cheaper than the executor, and bounded), and the answer is remembered per document (whitespace
aside), operation and variables. The standard introspection queries are answered when the schema
is built, so GraphiQL's first request is already a hit.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    GraphQLWrappingType,
    OperationDefinitionNode,
    OperationType,
    get_introspection_query,
    get_operation_ast,
    parse,
)
from strawberry.extensions import SchemaExtension

from schema.introspection_walk import ROOT_FIELDS, answer, refusal

# Answers of other documents kept, as JSON: GraphiQL's is 150 KB, the largest we could ask 210 KB.
RECENT_SIZE = 16

_IGNORED = re.compile(r"[\s,]+")
_AROUND_PUNCTUATION = re.compile(r" ?([!$&():=@\[\]{|}]|\.\.\.) ?")


def document_key(query: str) -> str:
    """The text with insignificant whitespace and commas dropped, so that the same document
    formatted differently (graphql-core's and graphql-js's introspection queries) is one key.
    A text with strings or comments (where whitespace matters) is its own key."""
    if '"' in query or "#" in query:
        return query
    return _AROUND_PUNCTUATION.sub(r"\1", _IGNORED.sub(" ", query)).strip()


_Key = tuple[str, str | None, str]  # document_key, operation name, variables (JSON)


class IntrospectionAnswers:
    """Answers to one schema's introspection-only queries, by document, operation and variables:
    the standard queries' answers for good (built before start-up's gc.freeze(), so the garbage
    collector never walks them), the most recent others' in a small LRU as JSON text (one object
    each, however large: documents anyone may send must not grow what the collector walks)."""

    def __init__(self) -> None:
        self.schema: GraphQLSchema | None = None
        self.standard: dict[_Key, dict[str, Any]] = {}
        self.recent: OrderedDict[_Key, bytes | None] = OrderedDict()  # None: past the answer budget

    def warm(self, schema: GraphQLSchema, queries: Iterable[str]) -> None:
        """Binds the answers to `schema` and answers `queries` (valid, introspection-only) ahead."""
        self.schema = schema
        for query in queries:
            document = parse(query)
            operation = get_operation_ast(document)
            assert operation is not None
            result = answer(schema, document, operation, None)
            assert result is not None and result.data is not None and not result.errors, result
            self.standard[document_key(query), _name(operation), ""] = result.data

    def get(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> ExecutionResult | None:
        """The answer to the chosen operation when it is introspection-only, else None."""
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation is not OperationType.QUERY or not _may_introspect(operation):
            return None
        key = _key(query, operation, variables) if schema is self.schema else None
        if key is None:
            return answer(schema, document, operation, variables)
        if (standard := self.standard.get(key)) is not None:
            return ExecutionResult(standard, None)
        if key in self.recent:
            self.recent.move_to_end(key)
            text = self.recent[key]
            return refusal() if text is None else ExecutionResult(orjson.loads(text), None)
        result = answer(schema, document, operation, variables)
        if result is not None and not (result.errors and result.data is not None):  # field errors: not kept
            # orjson: the standard library took 6 ms for the largest answer the budget lets through.
            self.recent[key] = None if result.data is None else orjson.dumps(result.data)
            if len(self.recent) > RECENT_SIZE:
                self.recent.popitem(last=False)
        return result


def _may_introspect(operation: OperationDefinitionNode) -> bool:
    """False when a root field is plainly something else: the usual query costs nothing more here."""
    return all(not isinstance(s, FieldNode) or s.name.value in ROOT_FIELDS for s in operation.selection_set.selections)


def _name(operation: OperationDefinitionNode) -> str | None:
    return operation.name.value if operation.name else None


def _key(query: str, operation: OperationDefinitionNode, variables: dict[str, Any] | None) -> _Key | None:
    """None when the answer cannot be keyed (no text, or variables that are not JSON)."""
    if not query:
        return None
    try:
        values = json.dumps(variables or {}, sort_keys=True) if operation.variable_definitions else ""
    except (TypeError, ValueError):
        return None
    return document_key(query), _name(operation), values


def standard_queries() -> Iterator[str]:
    """The introspection queries real clients send, answered ahead: graphql-core's and graphql-js's
    default (GraphiQL's; the two are one document), and with every option graphql-core's
    introspection_from_schema sets, without and with `isOneOf`."""
    yield get_introspection_query()
    every = {"specified_by_url", "directive_is_repeatable", "schema_description", "input_value_deprecation"}
    yield get_introspection_query(**dict.fromkeys(every, True))
    yield get_introspection_query(**dict.fromkeys(every, True), one_of=True)


def repair_is_one_of(schema: GraphQLSchema) -> None:
    """Strawberry answers `__Type.isOneOf` from the type's extensions, which a wrapped type (`ID!`,
    `[String!]`) does not have: each such answer was an unexpected error, logged with its
    traceback, dozens per document. A wrapped type answers null, as graphql-core's own resolver
    answers for every type but an input object."""
    type_ = schema.type_map["__Type"]
    assert isinstance(type_, GraphQLObjectType)
    field = type_.fields["isOneOf"]
    strawberry_resolve = field.resolve

    def is_one_of(described: GraphQLType, info: Any) -> Any:
        return None if isinstance(described, GraphQLWrappingType) else strawberry_resolve(described, info)

    field.resolve = is_one_of


class AnswerIntrospection(SchemaExtension):
    """Answers an introspection-only query from IntrospectionAnswers once everything before it
    (scopes, the rate-limit charge) has let it run; it must come last."""

    def __init__(self, answers: IntrospectionAnswers) -> None:
        self.answers = answers

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.result is None and ec.graphql_document is not None:
            schema = ec.schema._schema
            found = self.answers.get(schema, ec.query or "", ec.graphql_document, ec.operation_name, ec.variables)
            if found is not None:
                ec.result = found
        yield
