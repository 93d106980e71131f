"""What an operation costs against the caller's rate-limit budget (README: "Rate limits").

- Every field costs 1, plus what is selected under it.
- A list counts its largest size: a list of objects costs 1 plus its size times the selection
  on one item; a list of scalars or enums costs its size. Nested lists multiply.
- Sizes are fixed per field (`SIZES`, from the rules that bound each list), or, for a page
  (`edges` under a field with `first`), the `first` argument: a literal, or a variable whose
  value is read per request (clamped to the page maximum).
- A mutation payload's `errors` holds at most one error per field of the mutation's input.
- Of fragments on different object types under an interface (`node { ... on User ... on
  Account }`), only the most expensive counts: one of them applies.
- `__typename` is free (clients add it everywhere and it is answered without a resolver);
  `__schema` and `__type` cost 1 each, whatever is selected under them: they are answered from
  memory and bounded by the document limits. `@skip`/`@include` are ignored (counted as included).

The cost is computed once per document text (cached like the parsed and validated document) as a
sum of terms, each a number times the sizes given by variables; a request only puts its
variables' values into those terms.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_object_type,
    value_from_ast_untyped,
)

from domain.audit import MAX_PAGE
from domain.rules.contacts import MAX_CONTACTS
from domain.services.api_tokens import MAX_LIVE
from domain.services.authenticators import MAX_AUTHENTICATORS
from domain.totp import RECOVERY_CODE_COUNT


@dataclass(frozen=True, order=True)
class Size:
    """A list size given by a variable: its value clamped to 0..maximum; `fallback` (the
    argument's default) when the variable is left out or null."""

    variable: str
    fallback: int
    maximum: int

    def value(self, variables: Mapping[str, Any], defaults: Mapping[str, Any]) -> int:
        raw = variables[self.variable] if self.variable in variables else defaults.get(self.variable)
        if raw is None:
            return self.fallback
        if isinstance(raw, bool) or not isinstance(raw, int):
            return self.maximum  # not an Int: the request fails anyway, at the largest cost it could have
        return min(max(raw, 0), self.maximum)


# Stand-ins, replaced by the enclosing field: a page's size, and the errors a mutation can return.
PAGE = Size("<page>", MAX_PAGE, MAX_PAGE)
ERRORS = Size("<errors>", 10, 10)
# The largest size of each list field. Where nothing bounds a list, the size is what one is
# expected to hold at most (marked "nominal"); a partner needing more asks for a page.
SIZES: dict[str, int | Size] = {
    "Account.contacts": MAX_CONTACTS,
    "Account.transferRequests": 20,  # nominal: one open request at a time, closed ones stay
    "Query.transferRequests": 100,  # nominal: every account's
    "User.sessions": 50,  # nominal: sessions end after an idle hour
    "MfaStatus.authenticators": MAX_AUTHENTICATORS,
    "AuditEvent.changedFields": 20,  # nominal: the most fields one change touches
    "AuditEventConnection.edges": PAGE,
    "UserError.field": 4,  # ["input", "address", "postalCode"] is the deepest path
    "User.apiTokens": MAX_LIVE * 2,  # nominal: live ones, and ended ones for 30 days
    "Account.apiTokens": 100,  # nominal: every user's
    "ApiToken.scopes": 8,
    "Credential.scopes": 8,
}
# Lists of the same name mean the same on every payload.
SIZES_BY_NAME: dict[str, int | Size] = {
    "errors": ERRORS,
    "contacts": MAX_CONTACTS,
    "recoveryCodes": RECOVERY_CODE_COUNT,
}
DEFAULT_SIZE = 100  # a list missing above (a test requires every served list to be listed)
INTROSPECTION = frozenset({"__schema", "__type"})

Monomial = tuple[Size, ...]
Poly = dict[Monomial, int]


def list_size(type_name: str, field_name: str, item: GraphQLNamedType) -> int | Size:
    """The size a list field counts; a list of enums holds at most each value once."""
    found = SIZES.get(f"{type_name}.{field_name}", SIZES_BY_NAME.get(field_name))
    if found is not None:
        return found
    return len(item.values) if isinstance(item, GraphQLEnumType) else DEFAULT_SIZE


@dataclass(frozen=True)
class OperationCost:
    """An operation's cost as terms (coefficient times variable sizes); `of` evaluates it."""

    terms: tuple[tuple[Monomial, int], ...]
    defaults: Mapping[str, Any]  # the operation's variable defaults

    def of(self, variables: Mapping[str, Any] | None) -> int:
        variables = variables or {}
        total = 0
        for sizes, coefficient in self.terms:
            for size in sizes:
                coefficient *= size.value(variables, self.defaults)
            total += coefficient
        return total

    @property
    def constant(self) -> bool:
        return all(not sizes for sizes, _ in self.terms)


def _add(into: Poly, other: Poly, times: int = 1) -> Poly:
    for sizes, coefficient in other.items():
        into[sizes] = into.get(sizes, 0) + coefficient * times
    return into


def _times(poly: Poly, size: int | Size) -> Poly:
    if isinstance(size, int):
        return {sizes: c * size for sizes, c in poly.items() if size}
    out: Poly = {}
    for sizes, coefficient in poly.items():
        key = tuple(sorted((*sizes, size)))
        out[key] = out.get(key, 0) + coefficient
    return out


def _replace(poly: Poly, stand_in: Size, by: int | Size) -> Poly:
    """`poly` with the stand-in size replaced (a field with `first` fixes its page's size)."""
    out: Poly = {}
    for sizes, coefficient in poly.items():
        part: Poly = {tuple(s for s in sizes if s != stand_in): coefficient}
        for _ in range(sizes.count(stand_in)):
            part = _times(part, by)
        _add(out, part)
    return out


def _worst(poly: Poly) -> int:
    total = 0
    for sizes, coefficient in poly.items():
        for size in sizes:
            coefficient *= size.maximum
        total += coefficient
    return total


class _Costing:
    """Costs of one document: fragments first (each once, spreads before spreaders), then each
    operation. Only field nesting recurses (bounded by the depth limit); inline fragments and
    spreads are walked with a stack."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.definitions = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.fragments: dict[str, Poly] = {}
        for name in self._dependency_order():
            definition = self.definitions[name]
            scope = schema.get_type(definition.type_condition.name.value)
            self.fragments[name] = self._selections(definition.selection_set, scope) if scope else {}

    def _dependency_order(self) -> Iterator[str]:
        done: set[str] = set()
        for root in self.definitions:
            stack, entered = [root], set()
            while stack:
                name = stack[-1]
                if name in done:
                    stack.pop()
                elif name not in entered:
                    entered.add(name)
                    spreads = _spreads(self.definitions[name].selection_set)
                    stack.extend(s for s in spreads if s in self.definitions and s not in done and s not in entered)
                else:
                    stack.pop()
                    done.add(name)
                    yield name

    def operation(self, node: OperationDefinitionNode) -> OperationCost:
        root = self.schema.get_root_type(node.operation)
        poly = self._selections(node.selection_set, root) if root else {}
        poly = _replace(_replace(poly, PAGE, PAGE.maximum), ERRORS, ERRORS.maximum)  # not under a field
        defaults = {
            v.variable.name.value: value_from_ast_untyped(v.default_value)
            for v in node.variable_definitions or ()
            if v.default_value is not None
        }
        return OperationCost(tuple(sorted((s, c) for s, c in poly.items() if c)), defaults)

    def _selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> Poly:
        """Fields that always apply, plus the most expensive group of those that apply to one
        object type only (fragments on types of an interface or union)."""
        always: Poly = {}
        by_type: dict[str, Poly] = {}
        stack: list[tuple[SelectionSetNode, GraphQLNamedType, str | None]] = [(selection_set, parent, None)]
        while stack:
            current, scope, only = stack.pop()
            for selection in current.selections:
                if isinstance(selection, FieldNode):
                    part = self._field(selection, scope)
                    _add(always if only is None else by_type.setdefault(only, {}), part)
                    continue
                if isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    inner = self.schema.get_type(condition.name.value) if condition else scope
                else:
                    assert isinstance(selection, FragmentSpreadNode)
                    definition = self.definitions.get(selection.name.value)
                    inner = self.schema.get_type(definition.type_condition.name.value) if definition else None
                if inner is None:
                    continue
                narrowed = inner.name if is_object_type(inner) and is_abstract_type(parent) else only
                if isinstance(selection, InlineFragmentNode):
                    stack.append((selection.selection_set, inner, narrowed))
                else:
                    fragment = self.fragments.get(selection.name.value, {})
                    _add(always if narrowed is None else by_type.setdefault(narrowed, {}), fragment)
        if by_type:
            _add(always, max(by_type.values(), key=_worst))
        return always

    def _field(self, node: FieldNode, scope: GraphQLNamedType) -> Poly:
        name = node.name.value
        if name == "__typename":
            return {}
        if name in INTROSPECTION:
            return {(): 1}
        definition: GraphQLField | None = getattr(scope, "fields", {}).get(name)
        if definition is None:
            return {(): 1}  # not in the schema: validation refused the document already
        item = get_named_type(definition.type)
        inner = self._selections(node.selection_set, item) if node.selection_set else {}
        if "first" in definition.args:
            inner = _replace(inner, PAGE, _page(node, definition))
        if scope is self.schema.mutation_type:
            inner = _replace(inner, ERRORS, _input_fields(definition))
        if not is_list_type(get_nullable_type(definition.type)):
            return _add({(): 1}, inner)
        size = list_size(scope.name, name, item)
        if is_leaf_type(item):
            return _times({(): 1}, size)
        return _add({(): 1}, _times(inner, size))


def _page(node: FieldNode, definition: GraphQLField) -> int | Size:
    """The page size `first` asks for: a literal, the argument's default, or a variable."""
    default = definition.args["first"].default_value
    fallback = min(default, MAX_PAGE) if isinstance(default, int) else MAX_PAGE
    for argument in node.arguments or ():
        if argument.name.value != "first":
            continue
        if isinstance(argument.value, VariableNode):
            return Size(argument.value.name.value, fallback, MAX_PAGE)
        if isinstance(argument.value, IntValueNode):
            return min(max(int(argument.value.value), 0), MAX_PAGE)
    return fallback  # left out or null: the resolver uses the default


def _input_fields(definition: GraphQLField) -> int:
    """How many errors a mutation can return: one per field of its input, at least one."""
    count, stack = 0, [get_named_type(a.type) for a in definition.args.values()]
    while stack:
        current = stack.pop()
        if isinstance(current, GraphQLInputObjectType):
            stack.extend(get_named_type(f.type) for f in current.fields.values())
        else:
            count += 1
    return max(1, count)


def _spreads(selection_set: SelectionSetNode) -> Iterator[str]:
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif (inner := getattr(selection, "selection_set", None)) is not None:
                stack.append(inner)


def document_costs(schema: GraphQLSchema, document: DocumentNode) -> dict[str | None, OperationCost]:
    """The cost of every operation in a valid document, by operation name."""
    costing = _Costing(schema, document)
    return {
        (d.name.value if d.name else None): costing.operation(d)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    }


_COSTS: OrderedDict[str, dict[str | None, OperationCost]] = OrderedDict()
_COSTS_SIZE = 1024  # like the parse and validation caches, whose keys (the query texts) it shares


def operation_cost(
    schema: GraphQLSchema, query: str, document: DocumentNode, operation_name: str | None
) -> OperationCost | None:
    """The chosen operation's cost, computed once per query text; None when there is no such operation."""
    costs = _COSTS.get(query)
    if costs is None:
        costs = _COSTS[query] = document_costs(schema, document)
        if len(_COSTS) > _COSTS_SIZE:
            _COSTS.popitem(last=False)
    else:
        _COSTS.move_to_end(query)
    if operation_name is None and len(costs) == 1:
        return next(iter(costs.values()))
    return costs.get(operation_name)
