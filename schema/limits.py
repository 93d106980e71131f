"""Validation rules that bound what one document may ask for.

Built once at import: ValidationCache keys on the rule classes, so rules created per request
(as the stock limiter extensions do) would make every request a cache miss.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar

from graphql import (
    ASTValidationRule,
    FieldNode,
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    NoUndefinedVariablesRule,
    NoUnusedVariablesRule,
    OverlappingFieldsCanBeMergedRule,
    StringValueNode,
    ValidationRule,
    VariablesInAllowedPositionRule,
    specified_rules,
)
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension

from schema.document_shape import shape_of_operations

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 1000  # GraphiQL's introspection query has 184, the README's `me` 67
MAX_SELECTIONS = 500  # GraphiQL's introspection query has 230, the README's `me` 43
# Documents remembered (parsed, validated, measured, planned), per cache, by text. Each holds its
# syntax tree: 1,024 documents at the token limit held 5 million objects, and one full pass of the
# garbage collector over them stalled the process for 2.6 s; 128 hold an eighth of that. The
# panel sends 43 documents, GraphiQL one.
CACHE_SIZE = 128

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """What was made for the CACHE_SIZE keys (document texts) used last; the least recently used
    goes first. For what is worked out once per document: its shape, reads and scopes."""

    __slots__ = ("_made",)

    def __init__(self) -> None:
        self._made: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, make: Callable[[], V]) -> V:
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = make()
            if len(self._made) > CACHE_SIZE:
                self._made.popitem(last=False)
        else:
            self._made.move_to_end(key)
        return found


# Mutations that check a secret someone may be guessing (or mail one): one of them per request.
SIGN_IN_FIELDS = frozenset(
    {
        "login",
        "completeMfaLogin",
        "completeMfaLoginWithPasskey",
        "completePasskeyLogin",
        "requestPasswordReset",
        "resetPassword",
    }
)
# Units of graphql-core's own complexity budget for the overlapping-fields rule (about 1-3 µs
# each here). Its default, 500,000, lets a 5 KB document of repeated fields cost 1.5 s; the
# README's documents and GraphiQL's introspection query spend none of it.
OVERLAP_BUDGET = 2_500
TOO_COMPLEX = (
    "The document repeats the same fields too often to be checked; "
    "select each field once (aliases and fragments included)."
)


class OneSignInPerDocument(ValidationRule):
    """A request may carry at most one sign-in mutation, so credentials are guessed one per request."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.seen = 0

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.context.get_parent_type()
        # The parent type decides, so sign-ins hidden in fragments on Mutation count too.
        if parent is not None and parent.name == "Mutation" and node.name.value in SIGN_IN_FIELDS:
            self.seen += 1
            if self.seen == 2:
                self.report_error(GraphQLError("A request may carry at most one sign-in mutation.", node))


class EncodableStrings(ValidationRule):
    """String literals may hold neither NUL (PostgreSQL text cannot) nor unpaired surrogates (not
    encodable as UTF-8). Variables get the same check when the request body is decoded."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if not is_encodable(node.value):
            self.report_error(GraphQLError(UNENCODABLE, node))


UNENCODABLE = "Strings may not contain NUL characters or unpaired surrogates."


def is_encodable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class BoundedOverlappingFields(OverlappingFieldsCanBeMergedRule):
    """The spec's "overlapping fields can be merged" rule, with a budget small enough that no
    document within the token limit costs more than a few milliseconds to check.

    The stock rule compares repeated fields pairwise (quadratic); graphql-core bounds the work
    only by a budget meant for trusted documents. Past ours, the document gets one clear error and
    the whole validation stops, instead of graphql-core's bare "Validation aborted."
    """

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = OVERLAP_BUDGET

    def enter_selection_set(self, *args: Any) -> None:
        try:
            super().enter_selection_set(*args)
        except ValidationAbortedError:
            if self.rule_context.remaining_complexity_budget >= 0:
                raise  # too many errors, not our budget: graphql-core's own abort
            # Validation stops here with this one error (validate() keeps the abort as the error): the
            # document is refused, and the other rules would only spend as long again walking it.
            raise ValidationAbortedError(TOO_COMPLEX, extensions={"code": VALIDATION_FAILED}) from None


class OneSchemaIntrospection(ValidationRule):
    """`__schema` at most under one response name: each alias would repeat the whole
    introspection (GraphiQL asks once)."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.names: set[str] = set()

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value == "__schema":
            self.names.add(node.alias.value if node.alias else "__schema")
            if len(self.names) == 2:
                self.report_error(GraphQLError("A request may introspect `__schema` only once.", node))


VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"


def shape_errors(document: Any) -> list[GraphQLError]:
    """Depth, aliases and field selections, fragment spreads expanded. Strawberry's depth and
    alias limiters expand every spread again (exponential in fragments that spread a fragment
    twice, and recursive); this measures each fragment once."""
    errors, aliases, selections = [], 0, 0
    for name, node, shape in shape_of_operations(document):
        if shape.depth > MAX_DEPTH:
            errors.append(GraphQLError(f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}", node))
        aliases, selections = aliases + shape.aliases, selections + shape.fields
    if aliases > MAX_ALIASES:
        errors.append(GraphQLError(f"{aliases} aliases found. Allowed: {MAX_ALIASES}"))
    if selections > MAX_SELECTIONS:
        errors.append(
            GraphQLError(f"{selections} field selections found (fragments expanded). Allowed: {MAX_SELECTIONS}")
        )
    return errors


RULES: tuple[type[ASTValidationRule], ...] = (
    OneSignInPerDocument,
    EncodableStrings,
    OneSchemaIntrospection,
)

# Every rule a document is validated with: the spec's, with the overlap rule bounded, then ours.
# Built once so that ValidationCache (keyed on the rules) hits.
_SPECIFIED = tuple(
    BoundedOverlappingFields if rule is OverlappingFieldsCanBeMergedRule else rule for rule in specified_rules
)
ALL_RULES: tuple[type[ASTValidationRule], ...] = (*_SPECIFIED, *RULES)
ALL_RULES_NO_INTROSPECTION: tuple[type[ASTValidationRule], ...] = (*ALL_RULES, NoSchemaIntrospectionCustomRule)
# The rules about variables each walk the whole document once more (about a third of the work on
# a large one) and can find nothing in a text without a `$`.
VARIABLE_RULES = frozenset({NoUndefinedVariablesRule, NoUnusedVariablesRule, VariablesInAllowedPositionRule})


class LimitedValidation(SchemaExtension):
    """Validates with ALL_RULES (or without introspection) in place of graphql-core's defaults,
    after a linear check of the document's shape: a document past the shape limits gets that one
    error and is not validated at all (validation rules run side by side in one pass, so a rule
    reporting it could not spare the others their work). Must come before ValidationCache."""

    def __init__(self, *, introspection: bool) -> None:
        self.rules = ALL_RULES if introspection else ALL_RULES_NO_INTROSPECTION
        self.rules_without_variables = tuple(rule for rule in self.rules if rule not in VARIABLE_RULES)

    def on_operation(self) -> Iterator[None]:
        query = self.execution_context.query
        self.execution_context.validation_rules = (
            self.rules if not query or "$" in query else self.rules_without_variables
        )
        yield

    def on_validate(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        if document is not None and (errors := _shape_errors_of(self.execution_context.query or "", document)):
            raise errors[0]  # Strawberry answers it as the operation's only error
        yield


_SHAPES: Recent[str, tuple[GraphQLError, ...]] = Recent()


def _shape_errors_of(query: str, document: Any) -> tuple[GraphQLError, ...]:
    """shape_errors, remembered per query text: a document repeated (the usual case) is measured once."""
    return _SHAPES.get(query, lambda: tuple(shape_errors(document)))
