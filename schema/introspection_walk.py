"""The answer to an introspection-only query, without graphql-core's executor.

A query whose root fields are only `__schema`, `__type` and `__typename` depends on nothing but
the schema. It is answered here synchronously, by a small walker over graphql-core's own
introspection types (their resolvers, none of the executor's per-field machinery), exactly as the
executor would answer it (tests/unit/test_introspection.py compares them), within a budget of
answer fields: past it, the query gets one coded error instead.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLDirective,
    GraphQLEnumValue,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLInputField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLSkipDirective,
    GraphQLType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_leaf_type,
    located_error,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values, get_variable_values

from schema.limits import VALIDATION_FAILED

# Fields in one answer. The fullest standard introspection query answers 6,467 here (a test
# keeps it under three quarters of this); the walker answers about half a million a second here,
# so no introspection, accepted or refused, costs it more than about 20 ms.
MAX_ANSWER_FIELDS = 9_000
TOO_LARGE = (
    f"This introspection would answer more than {MAX_ANSWER_FIELDS:,} fields; "
    "ask for less (the standard introspection query fits)."
)
ROOT_FIELDS = frozenset({"__schema", "__type", "__typename"})


class _Info(NamedTuple):
    """What graphql-core's introspection resolvers read from their `info`."""

    schema: GraphQLSchema


class _TooLarge(Exception):
    pass


class _NullInNonNull(Exception):
    pass


class _Entry:
    """A field to answer on objects of one type: its definition (None for __typename), its nodes
    merged by response name, its arguments, and the entries under it, collected once, ahead. Its
    shape is a number shared by every entry that answers the same (aliases of one field with the
    same selection, a fragment spread in several places)."""

    __slots__ = ("arguments", "definition", "key", "name", "nodes", "problem", "serialize", "shape", "under", "unsure")

    def __init__(self, walk: _Walk, parent: GraphQLObjectType, key: str, nodes: list[FieldNode]) -> None:
        self.key = key
        self.name = nodes[0].name.value
        self.nodes = nodes
        self.definition = walk.definition(parent, self.name)
        self.arguments: dict[str, Any] = {}
        self.problem: GraphQLError | None = None  # arguments that do not coerce: an error wherever answered
        self.unsure: GraphQLError | None = None  # a directive under it that does not coerce: the same, on objects
        self.serialize: Any = None
        self.under: list[_Entry] = []
        if self.definition is not None:
            self._prepare(walk, self.definition)
        self.shape: int = walk.shapes.setdefault(self._answers_the_same_as(), len(walk.shapes))

    def _answers_the_same_as(self) -> Hashable:
        if self.definition is None:
            return self.name
        if self.problem is not None or self.unsure is not None:
            return ("own", id(self))  # answered with errors: never shared
        return (id(self.definition), repr(sorted(self.arguments.items())), tuple((e.key, e.shape) for e in self.under))

    def _prepare(self, walk: _Walk, definition: GraphQLField) -> None:
        nullable = get_nullable_type(definition.type)
        self.serialize = nullable.serialize if is_leaf_type(nullable) else None
        if definition.args:
            try:
                self.arguments = get_argument_values(definition, self.nodes[0], walk.variables)
            except GraphQLError as error:
                self.problem = error
        named = get_named_type(definition.type)
        if isinstance(named, GraphQLObjectType):
            try:
                self.under = walk.collect(named, [n.selection_set for n in self.nodes if n.selection_set])
            except GraphQLError as error:
                self.unsure = error


def _same_answer(value: Any) -> Hashable:
    """What decides the answer for an introspection object under given fields: the schema element
    it describes (held by the schema, so its id is its own for the whole walk); None for anything
    else (never remembered)."""
    if isinstance(value, tuple):  # (name, field or argument or enum value), as graphql-core lists them
        return (value[0], id(value[1])) if isinstance(value[1], _ELEMENTS) else None
    return id(value) if isinstance(value, _ELEMENTS) else None


_ELEMENTS = (
    GraphQLType,
    GraphQLDirective,
    GraphQLSchema,
    GraphQLField,
    GraphQLArgument,
    GraphQLInputField,
    GraphQLEnumValue,
)


class _Walk:
    """One operation's answer: fields collected as graphql-core's executor collects them (skip,
    include, fragments, type conditions, merging by response name), errors as it reports them
    (a field's error makes it null, up to the nearest nullable field). The answer for an object
    under an entry's shape is worked out once and reused (so a type listed under every field that
    returns it costs once), but counted against the budget each time it is given."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: VariableValues) -> None:
        self.schema = schema
        self.info = _Info(schema)
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = variables
        self.remaining = MAX_ANSWER_FIELDS
        self.errors: list[GraphQLError] = []
        self.path: list[str | int] = []
        self.shapes: dict[Hashable, int] = {}
        self.answers: dict[tuple[int, Hashable], tuple[dict[str, Any], int]] = {}

    def root(self, operation: OperationDefinitionNode) -> list[_Entry] | None:
        """The root entries, or None when a root field is not an introspection field."""
        query = self.schema.query_type
        assert query is not None
        grouped = self._group(query, [operation.selection_set])
        if any(nodes[0].name.value not in ROOT_FIELDS for nodes in grouped.values()):
            return None
        return [_Entry(self, query, key, nodes) for key, nodes in grouped.items()]

    def answer(self, entries: list[_Entry]) -> dict[str, Any] | None:
        query = self.schema.query_type
        assert query is not None
        try:
            return self._object(query, None, entries)
        except GraphQLError as error:  # a non-null root field failed: no data at all
            self.errors.append(error)
            return None

    def _object(self, type_: GraphQLObjectType, source: Any, entries: list[_Entry]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        path = self.path
        for entry in entries:
            self.remaining -= 1
            if self.remaining < 0:
                raise _TooLarge
            definition = entry.definition
            if definition is None:
                out[entry.key] = type_.name
                continue
            depth = len(path)
            path.append(entry.key)
            try:
                if entry.problem is not None:
                    raise entry.problem
                value = definition.resolve(source, self.info, **entry.arguments)  # type: ignore[misc]
                if value is not None and entry.serialize is not None:
                    out[entry.key] = entry.serialize(value)
                else:
                    out[entry.key] = self._complete(entry, definition.type, value)
            except _TooLarge:
                raise
            except Exception as raw:  # as graphql-core's executor: the field is null, the error reported
                self._failed(type_, entry, raw)
                out[entry.key] = None
            finally:
                del path[depth:]
        return out

    def _failed(self, parent: GraphQLObjectType, entry: _Entry, raw: Exception) -> None:
        if isinstance(raw, _NullInNonNull):
            raw = TypeError(f"Cannot return null for non-nullable field {parent.name}.{entry.name}.")
        error = located_error(raw, entry.nodes, list(self.path))
        assert entry.definition is not None
        if isinstance(entry.definition.type, GraphQLNonNull):
            raise error from None  # the parent field answers null instead
        self.errors.append(error)

    def _complete(self, entry: _Entry, type_: GraphQLOutputType, value: Any) -> Any:
        if isinstance(type_, GraphQLNonNull):
            completed = self._complete(entry, type_.of_type, value)
            if completed is None:
                raise _NullInNonNull
            return completed
        if value is None:
            return None
        if isinstance(type_, GraphQLList):
            items = []
            self.path.append(0)
            for index, item in enumerate(value):
                self.path[-1] = index
                items.append(self._complete(entry, type_.of_type, item))
            self.path.pop()
            return items
        if is_leaf_type(type_):
            return type_.serialize(value)
        assert isinstance(type_, GraphQLObjectType)  # introspection types are object types
        if entry.unsure is not None:
            raise entry.unsure
        same = _same_answer(value)
        known = None if same is None else self.answers.get((entry.shape, same))
        if known is not None:
            answer, fields = known
            self.remaining -= fields
            if self.remaining < 0:
                raise _TooLarge
            return answer
        remaining, errors = self.remaining, len(self.errors)
        answer = self._object(type_, value, entry.under)
        if same is not None and len(self.errors) == errors:  # an answer with errors has its own paths
            self.answers[entry.shape, same] = (answer, remaining - self.remaining)
        return answer

    def collect(self, type_: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> list[_Entry]:
        """The entries to answer on an object of `type_`, grouped by response name."""
        return [_Entry(self, type_, key, nodes) for key, nodes in self._group(type_, selection_sets).items()]

    def _group(self, type_: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> dict[str, list[FieldNode]]:
        grouped: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self._visit(type_, selection_set, grouped, visited)
        return grouped

    def _visit(
        self,
        type_: GraphQLObjectType,
        selection_set: SelectionSetNode,
        grouped: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                grouped.setdefault(selection.alias.value if selection.alias else selection.name.value, []).append(
                    selection
                )
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition.name.value if selection.type_condition else None, type_):
                    self._visit(type_, selection.selection_set, grouped, visited)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None or not self._applies(fragment.type_condition.name.value, type_):
                    continue
                if fragment.name.value not in visited:
                    visited.add(fragment.name.value)
                    self._visit(type_, fragment.selection_set, grouped, visited)

    def _included(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode | Any) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip["if"]:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and not include["if"])

    def _applies(self, condition: str | None, type_: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        conditional = self.schema.get_type(condition)
        if conditional is type_:
            return True
        return is_abstract_type(conditional) and self.schema.is_sub_type(conditional, type_)

    def definition(self, type_: GraphQLObjectType, name: str) -> GraphQLField | None:
        if name == "__typename":
            return None
        if type_ is self.schema.query_type and name in ("__schema", "__type"):
            return SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
        field: GraphQLField = type_.fields[name]  # the document is valid: the field exists
        return field


def answer(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: dict[str, Any] | None
) -> ExecutionResult | None:
    """The answer to an introspection-only query operation, or None when the operation is anything
    else (or its variables do not fit: the executor reports that)."""
    if operation.operation is not OperationType.QUERY:
        return None
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {}, max_errors=1)
    if isinstance(coerced, list):
        return None
    walk = _Walk(schema, document, coerced)
    try:
        entries = walk.root(operation)
    except GraphQLError:  # a root directive's argument that does not coerce: the executor reports it
        return None
    if entries is None:
        return None
    try:
        data = walk.answer(entries)
    except _TooLarge:
        return refusal()
    return ExecutionResult(data, walk.errors or None)


def refusal() -> ExecutionResult:
    return ExecutionResult(None, [GraphQLError(TOO_LARGE, extensions={"code": VALIDATION_FAILED})])
