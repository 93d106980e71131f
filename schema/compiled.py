"""Execution plans for cached query documents: graphql-jit's idea, for the documents clients repeat.

graphql-core executes a document by walking it on every request: it collects the fields of each
selection set, looks up every field's definition, builds its resolve info and completes each value
through a general path that checks for awaitables, abstract types, lists and nulls at every step.
For a query document that has been parsed, validated and run once, all of that except the values
is known in advance. `compile_plan` works it out once per document text and operation name: for
every object the operation reaches, the fields to resolve in answer order, each with its resolver,
constant arguments and a completion function chosen by its type. `Plan.execute` then calls the
resolvers (the same functions graphql-core calls, with the same arguments and resolve info, so the
access checks, loaders and field extensions run as they always do) and builds the `data` dict.

What a plan does not cover it leaves to graphql-core: a document is compiled only when every field
is on an object type (no interfaces or unions), no selection carries a directive and no field is
introspection (`__typename` excepted). At run time anything but a clean answer (an error raised or
returned, a null where the schema promises a value, variables that do not coerce) raises
`Fallback`, and the caller runs the request the ordinary way, where errors get their usual shape.
Queries change nothing, so running a query's resolvers twice is harmless. The one mutation with a
plan is `login` (MUTATIONS), a sign-in flood's every request: its plan calls the function its
resolver calls (not the resolver, so only while the field has no field extension), which runs the
sign-in once per request (Context.once), and should the answer fall back after it ran, the
ordinary path's resolver answers with the same outcome rather than sign in again.

Plans are kept per document text and operation name, bounded like the parse and validation caches,
and made by the `CompilePlan` extension after a query ran without errors (so a plan's document is
always one the limits and validation accepted).
"""

from __future__ import annotations

import asyncio
import enum
import keyword
import logging
import operator
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.pyutils import Path, Undefined, is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import _OperationContextAwareGraphQLResolveInfo as ResolveInfo

from domain.services.sessions import NO_READS, Reads
from resolvers.eager import eagerly as _eagerly
from resolvers.signin import login_answer
from schema.cost import OperationCost, operation_cost
from schema.limits import CACHE_SIZE
from schema.memo import ByIdentity, is_unchanging
from schema.plan import reads_of
from schema.scopes import Requirement, requirements

log = logging.getLogger("tenantry.graphql")
Complete = Callable[[Any, Any, "_Run"], Any]  # (value, path, run) -> answer or awaitable answer


class Fallback(Exception):  # noqa: N818 (a signal, not an error: the ordinary path answers instead)
    """This request needs graphql-core: its answer is not a clean one."""


class NotCompilable(Exception):  # noqa: N818
    """The document uses something plans do not cover."""


@dataclass(frozen=True, slots=True)
class _Field:
    key: str
    name: str
    resolve: Callable[..., Any]
    nodes: list[FieldNode]
    return_type: GraphQLOutputType
    parent: GraphQLObjectType
    definition: GraphQLField
    args: dict[str, Any] | None  # None: the arguments use variables, coerced per request
    complete: Complete
    # A field without a resolver of its own (Strawberry's "basic" field): the attribute, read directly.
    getter: Callable[[Any], Any] | None = None
    # A scalar or enum (or a list of them), or an object (not a list) whose selection is plain
    # attributes of such kinds only: its completion needs no path and never waits.
    leaf: bool = False
    attribute: str | None = None  # the attribute `getter` reads, when it reads one


@dataclass(frozen=True, slots=True)
class _Run:
    """One request's execution: what every resolve info shares."""

    plan: Plan
    context: Any
    variables: Any  # graphql-core's VariableValues
    coerced: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    schema: GraphQLSchema
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    root: tuple[_Field, ...]
    reads: Reads
    needs: tuple[Requirement, ...]
    cost: OperationCost | None
    # A mutation's plan runs its one field (MUTATIONS) and completes the payload.
    mutation: Callable[[Any, dict[str, Any]], Awaitable[Any]] | None = None

    async def execute(self, context: Any, variables: dict[str, Any] | None) -> dict[str, Any]:
        """The operation's `data`, or Fallback."""
        coerced = get_variable_values(self.schema, self.operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):  # the variables do not fit the document: graphql-core says why
            raise Fallback
        run = _Run(self, context, coerced, coerced.coerced)
        if self.mutation is not None:
            return await self._mutate(self.mutation, run)
        answer = _object(self.shape, None, None, run)
        if is_awaitable(answer):
            answer = await answer
        return answer  # type: ignore[no-any-return]

    async def _mutate(self, mutation: Callable[[Any, dict[str, Any]], Awaitable[Any]], run: _Run) -> dict[str, Any]:
        """The mutation's answer: its payload completed as graphql-core would, else Fallback (and the
        ordinary path's resolver answers with the outcome this run had)."""
        (field,) = self.root
        payload = await mutation(run.context, _arguments(field, run))
        answer = field.complete(payload, Path(None, field.key, field.parent.name), run)
        return {field.key: (await answer) if is_awaitable(answer) else answer}

    def cost_of(self, variables: dict[str, Any] | None) -> int:
        return self.cost.of(variables) if self.cost is not None else 0

    @cached_property
    def shape(self) -> _Shape:
        return _shape(self.root)


@dataclass(frozen=True, slots=True)
class _Shape:
    """An object's fields as a plan runs them: the answer's keys in order (a template to copy), the
    plain attributes with scalar values filled by one generated function, the rest one by one."""

    template: dict[str, Any]
    fill: Callable[[Any, dict[str, Any], _Run], None] | None
    rest: tuple[_Field, ...]
    # Only plain attributes: the answer depends on the source alone. For an unchanging source
    # (schema.memo) it is remembered by the source's identity.
    answers: ByIdentity[Any, dict[str, Any]] | None


def _plain(field: _Field) -> bool:
    """A plain attribute of a leaf kind: read and completed without a path, never waiting."""
    return field.getter is not None and field.leaf


def _shape(fields: tuple[_Field, ...]) -> _Shape:
    plain = tuple(f for f in fields if _plain(f))
    rest = tuple(f for f in fields if not _plain(f))
    template = dict.fromkeys(f.key for f in fields)
    fill = _filler(plain) if plain else None
    answers = None
    if fill is not None and not rest:
        filled = fill

        def answer(source: Any) -> dict[str, Any]:
            made = template.copy()
            filled(source, made, None)  # type: ignore[arg-type]  # plain attributes never use the run
            return made

        answers = ByIdentity(answer)
    return _Shape(template, fill, rest, answers)


# Leaf types whose completion leaves a value of exactly this Python type as it is (graphql-core's
# serializers for String, ID and Boolean return such a value unchanged).
_UNCHANGED = {"String": str, "ID": str, "Boolean": bool}


def _filler(fields: tuple[_Field, ...]) -> Callable[[Any, dict[str, Any], _Run], None]:
    """One function that reads every plain scalar attribute of a source into the answer, as graphql-jit
    generates code for a selection set: each value goes through its field's completion, except a
    value that completion would return unchanged (a str for a String, a bool for a Boolean)."""
    names: dict[str, Any] = {}
    lines = ["def fill(source, answer, run):"]
    for i, field in enumerate(fields):
        names[f"k{i}"], names[f"g{i}"], names[f"c{i}"] = field.key, field.getter, field.complete
        read = f"source.{field.attribute}" if field.attribute else f"g{i}(source)"
        kind = _UNCHANGED.get(get_named_type(field.return_type).name)
        if kind is not None and not is_list_type(_nullable(field.return_type)):
            names[f"t{i}"] = kind
            lines.append(f"    v = {read}")
            lines.append(f"    answer[k{i}] = v if v.__class__ is t{i} else c{i}(v, None, run)")
        else:
            lines.append(f"    answer[k{i}] = c{i}({read}, None, run)")
    exec("\n".join(lines), names)  # noqa: S102 (the code is ours: attribute names Strawberry checked)
    return names["fill"]  # type: ignore[no-any-return]


def _nullable(return_type: GraphQLOutputType) -> GraphQLOutputType:
    return return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type


def _object(shape: _Shape, source: Any, path: Path | None, run: _Run) -> Any:
    """The answer for one object: a dict, or an awaitable of it when a resolver awaits."""
    if shape.answers is not None and is_unchanging(source):
        return shape.answers(source)  # shared: nothing changes an answer once made
    answer = shape.template.copy()
    if shape.fill is not None:  # a plain attribute, a scalar: no info, no path
        shape.fill(source, answer, run)
    pending: list[tuple[str, Awaitable[Any]]] | None = None
    try:
        for field in shape.rest:
            at = Path(path, field.key, field.parent.name)
            if field.getter is not None:
                value = field.getter(source)
            else:
                info = ResolveInfo(
                    field.name,
                    field.nodes,
                    field.return_type,
                    field.parent,
                    at,
                    run.plan.schema,
                    run.plan.fragments,
                    None,
                    run.plan.operation,
                    run.coerced,
                    run.context,
                    is_awaitable,
                    None,
                    None,
                    {},
                )
                value = field.resolve(source, info, **_arguments(field, run))
                if is_awaitable(value):
                    value = _eagerly(value)
            value = _settle(value, field, at, run) if is_awaitable(value) else field.complete(value, at, run)
            if is_awaitable(value):
                if pending is None:
                    pending = []
                pending.append((field.key, value))  # its key already holds its place in the answer
            else:
                answer[field.key] = value
    except Exception as error:
        if pending is None:
            raise
        return _fail_after([value for _, value in pending], error)
    except BaseException:
        _drop(pending)
        raise
    if pending is None:
        return answer
    return _finish(answer, pending)


def _arguments(field: _Field, run: _Run) -> dict[str, Any]:
    """The field's arguments: fixed in the document, or coerced from this request's variables."""
    if field.args is not None:
        return field.args
    return get_argument_values(field.definition, field.nodes[0], run.variables)


async def _settle(value: Awaitable[Any], field: _Field, at: Path, run: _Run) -> Any:
    completed = field.complete(await value, at, run)
    return (await completed) if is_awaitable(completed) else completed


async def _finish(answer: dict[str, Any], pending: list[tuple[str, Awaitable[Any]]]) -> dict[str, Any]:
    values = await _gather([value for _, value in pending])
    for (key, _), value in zip(pending, values, strict=True):
        answer[key] = value
    return answer


async def _gather(awaitables: list[Awaitable[Any]]) -> list[Any]:
    """All of them, settled together (DataLoaders batch what is asked in the same tick); the first
    failure after all have settled, so nothing keeps running behind the answer."""
    if len(awaitables) == 1:
        return [await awaitables[0]]
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


async def _fail_after(started: list[Awaitable[Any]], error: Exception) -> Any:
    """`error`, once what already started has settled: closing an awaitable that wraps a resolver's
    coroutine would leave that coroutine never awaited (a RuntimeWarning each), and a started
    one must not keep running behind the answer."""
    await asyncio.gather(*started, return_exceptions=True)
    raise error


def _drop(pending: list[tuple[str, Awaitable[Any]]] | None) -> None:
    """Close what will never be awaited (so no 'never awaited' warnings and no orphaned work)."""
    for _, value in pending or ():
        close = getattr(value, "close", None) or getattr(value, "cancel", None)
        if close is not None:
            close()


# --- completion, chosen per type at compile time ---------------------------------------------------


def _completer(return_type: GraphQLOutputType, sub: Callable[[GraphQLObjectType], tuple[_Field, ...]]) -> Complete:
    return _wrapped(return_type, _nullable_completer(_nullable(return_type), sub))


def _nullable_completer(
    return_type: GraphQLOutputType, sub: Callable[[GraphQLObjectType], tuple[_Field, ...]]
) -> Complete:
    if is_leaf_type(return_type):
        coerce = return_type.coerce_output_value
        names = _enum_names(return_type)
        if names:

            def enum_value(value: Any, _path: Any, _run: _Run) -> Any:
                """A member's name from a table made once (Strawberry's own coercion searches the values)."""
                found = names.get(value) if value.__class__ in names.classes else None
                if found is not None:
                    return found
                coerced = coerce(value)
                if coerced is Undefined or coerced is None:
                    raise Fallback
                return coerced

            return enum_value

        def leaf(value: Any, _path: Any, _run: _Run) -> Any:
            coerced = coerce(value)
            if coerced is Undefined or coerced is None:
                raise Fallback
            return coerced

        return leaf
    if is_list_type(return_type):
        assert isinstance(return_type, GraphQLList)
        of_type = return_type.of_type
        inner = _nullable(of_type)
        if is_object_type(inner):
            assert isinstance(inner, GraphQLObjectType)
            shape = _shape(sub(inner))
            if shape.answers is not None:
                return _plain_objects(shape, is_non_null_type(of_type))
            item = _wrapped(of_type, _object_completer(shape))
        else:
            item = _completer(of_type, sub)
        if is_leaf_type(get_named_type(of_type)) and not is_list_type(inner):

            def leaves(value: Any, _path: Any, run: _Run) -> Any:
                """Scalars or enum values: their completion needs no path and never waits."""
                return [item(v, None, run) for v in _listed(value)]

            return leaves

        def items(value: Any, path: Any, run: _Run) -> Any:
            answers: list[Any] = []
            for i, v in enumerate(_listed(value)):
                try:
                    answers.append(item(v, Path(path, i, None), run))
                except Exception as error:  # settle the items already started first (see _fail_after)
                    if started := [a for a in answers if is_awaitable(a)]:
                        return _fail_after(started, error)
                    raise
            waiting = [i for i, a in enumerate(answers) if is_awaitable(a)]
            if not waiting:
                return answers
            return _items(answers, waiting)

        return items
    if is_object_type(return_type):
        assert isinstance(return_type, GraphQLObjectType)
        return _object_completer(_shape(sub(return_type)))
    raise NotCompilable(f"{return_type} is abstract")


def _listed(value: Any) -> Any:
    """A list field's value as graphql-core accepts it (any iterable but a string, bytes or a mapping),
    or Fallback."""
    if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
        raise Fallback
    return value


def _object_completer(shape: _Shape) -> Complete:
    def obj(value: Any, path: Any, run: _Run) -> Any:
        return _object(shape, value, path, run)

    return obj


def _wrapped(return_type: GraphQLOutputType, inner: Complete) -> Complete:
    """`inner` (a nullable type's completion) with the null and error checks of `return_type`."""
    if is_non_null_type(return_type):

        def non_null(value: Any, path: Any, run: _Run) -> Any:
            if value is None or isinstance(value, Exception):
                raise Fallback
            return inner(value, path, run)

        return non_null

    def nullable(value: Any, path: Any, run: _Run) -> Any:
        if value is None:
            return None
        if isinstance(value, Exception):
            raise Fallback
        return inner(value, path, run)

    return nullable


def _plain_objects(shape: _Shape, non_null: bool) -> Complete:
    """A list of objects whose selection is plain attributes only: no resolver, so no path and
    nothing to wait for; an unchanging item's answer is remembered (schema.memo)."""

    def plain(value: Any, _path: Any, run: _Run) -> Any:
        answers: list[Any] = []
        for item in _listed(value):
            if item is None or isinstance(item, Exception):
                if non_null or item is not None:
                    raise Fallback
                answers.append(None)
            else:
                answers.append(_object(shape, item, None, run))
        return answers

    return plain


class _Names(dict[Any, str]):
    classes: frozenset[type]


def _enum_names(leaf: Any) -> _Names | None:
    """For a Strawberry enum: each member of its Python enum by the name it is answered with, as its
    `coerce_output_value` answers it (the first name whose value equals the member's)."""
    wrapped = getattr(leaf, "wrapped_cls", None)
    values = getattr(leaf, "values", None)
    if not isinstance(wrapped, type) or not issubclass(wrapped, enum.Enum) or not isinstance(values, dict):
        return None
    names = _Names()
    for member in wrapped:
        for name, value in values.items():
            if member.value == value.value:
                names[member] = name
                break
    names.classes = frozenset({wrapped})
    return names


async def _items(answers: list[Any], waiting: list[int]) -> list[Any]:
    settled = await _gather([answers[i] for i in waiting])
    for i, value in zip(waiting, settled, strict=True):
        answers[i] = value
    return answers


# --- compiling --------------------------------------------------------------------------------------


def compile_plan(schema: GraphQLSchema, query: str, document: DocumentNode, operation_name: str | None) -> Plan:
    """The plan of a valid query document's operation, or NotCompilable."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation not in (OperationType.QUERY, OperationType.MUTATION):
        raise NotCompilable("not one query or mutation")
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    mutation = operation.operation is OperationType.MUTATION
    root_type = schema.mutation_type if mutation else schema.query_type
    assert root_type is not None
    compiler = _Compiler(schema, fragments)
    root = compiler.fields(root_type, [operation.selection_set])
    run = None
    if mutation and (len(root) != 1 or (run := MUTATIONS.get(root[0].name)) is None):
        raise NotCompilable("a mutation without a plan")
    if mutation and _extended(root[0].definition):
        raise NotCompilable("a mutation whose field extensions (an access rule) its plan would skip")
    return Plan(
        schema=schema,
        operation=operation,
        fragments=fragments,
        root=root,
        reads=NO_READS if mutation else reads_of(schema, document, query, operation_name),
        needs=requirements(schema, document, operation_name),
        cost=operation_cost(schema, query, document, operation_name),
        mutation=run,
    )


class _Compiler:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.schema = schema
        self.fragments = fragments

    def fields(self, parent: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> tuple[_Field, ...]:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            for node in self._collect(parent, selection_set, set()):
                key = node.alias.value if node.alias else node.name.value
                grouped.setdefault(key, []).append(node)
        return tuple(self._field(parent, key, nodes) for key, nodes in grouped.items())

    def _collect(
        self, parent: GraphQLObjectType, selection_set: SelectionSetNode, seen: set[str]
    ) -> Iterator[FieldNode]:
        for node in selection_set.selections:
            if node.directives:
                raise NotCompilable("directives")
            if isinstance(node, FieldNode):
                yield node
            elif isinstance(node, InlineFragmentNode):
                if node.type_condition is None or self._applies(node.type_condition.name.value, parent):
                    yield from self._collect(parent, node.selection_set, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if name in seen or fragment is None:
                    continue
                seen.add(name)
                if fragment.directives:
                    raise NotCompilable("directives")
                if self._applies(fragment.type_condition.name.value, parent):
                    yield from self._collect(parent, fragment.selection_set, seen)

    def _applies(self, condition: str, parent: GraphQLObjectType) -> bool:
        if condition == parent.name:
            return True
        found = self.schema.get_type(condition)
        if found is None or is_object_type(found):
            return False
        return self.schema.is_sub_type(found, parent)  # type: ignore[arg-type]

    def _field(self, parent: GraphQLObjectType, key: str, nodes: list[FieldNode]) -> _Field:
        name = nodes[0].name.value
        if name == "__typename":
            typename = parent.name
            answer: Callable[[Any], Any] = lambda _: typename  # noqa: E731
            return _Field(key, name, answer, nodes, parent, parent, None, {}, _constant, answer, True)  # type: ignore[arg-type]
        if name.startswith("__"):
            raise NotCompilable("introspection")
        definition = parent.fields.get(name)
        if definition is None or definition.resolve is None:
            raise NotCompilable(f"{parent.name}.{name}")
        uses_variables = any(_has_variables(arg.value) for node in nodes for arg in node.arguments or ())
        # With the arguments' defaults, as graphql-core passes them (also for a field written without any).
        args = None if uses_variables else get_argument_values(definition, nodes[0])
        subs = [n.selection_set for n in nodes if n.selection_set is not None]

        made: dict[str, tuple[_Field, ...]] = {}

        def sub(object_type: GraphQLObjectType) -> tuple[_Field, ...]:
            """The selection's fields on `object_type`, compiled once (the completion and the leaf
            check below both ask, and compiling twice at every level would double per level)."""
            found = made.get(object_type.name)
            if found is None:
                found = made[object_type.name] = self.fields(object_type, subs)
            return found

        complete = _completer(definition.type, sub)
        leaf = is_leaf_type(get_named_type(definition.type)) or _plain_object(definition.type, sub)
        attribute = _attribute(definition)
        getter = operator.attrgetter(attribute) if attribute is not None else None
        return _Field(
            key,
            name,
            definition.resolve,
            nodes,
            definition.type,
            parent,
            definition,
            args,
            complete,
            getter,
            leaf,
            attribute,
        )


def _plain_object(return_type: GraphQLOutputType, sub: Callable[[GraphQLObjectType], tuple[_Field, ...]]) -> bool:
    """Whether the type is an object (not a list) whose selection is plain attributes only, each a
    scalar or again such an object: its answer depends on its source alone, so an object holding it
    may remember its own answer (a billing profile and its address)."""
    inner = _nullable(return_type)
    if not isinstance(inner, GraphQLObjectType):
        return False
    fields = sub(inner)
    return bool(fields) and all(_plain(f) for f in fields)


async def _login(context: Any, args: dict[str, Any]) -> Any:
    given = args["input"]  # LoginInput's two strings, coerced
    return await login_answer(context, given["email"], given["password"])


# The mutation fields a plan runs (once per request, Context.once), with their coerced arguments:
# called directly, not through Strawberry's resolver, so only while the field has no field
# extension (an access rule's Guard) to run first (compile_plan checks).
MUTATIONS: dict[str, Callable[[Any, dict[str, Any]], Awaitable[Any]]] = {"login": _login}


def _extended(definition: GraphQLField) -> bool:
    field = (definition.extensions or {}).get("strawberry-definition")
    return field is None or bool(field.extensions)


def _attribute(definition: GraphQLField) -> str | None:
    """For a field Strawberry answers by reading an attribute of its source (no resolver, no field
    extension, the default resolver), that attribute's name; else None."""
    field = (definition.extensions or {}).get("strawberry-definition")
    resolve = definition.resolve
    if not getattr(resolve, "_is_default", False) or field is None or not field.is_basic_field:
        return None
    if field.default_resolver is not getattr:
        return None
    name: str = field.python_name
    return name if name.isidentifier() and not keyword.iskeyword(name) else None


def _constant(value: Any, _path: Any, _run: _Run) -> Any:
    return value


def _has_variables(value: Any) -> bool:
    kind = getattr(value, "kind", "")
    if kind == "variable":
        return True
    if kind == "list_value":
        return any(_has_variables(v) for v in value.values)
    if kind == "object_value":
        return any(_has_variables(f.value) for f in value.fields)
    return False


# --- the cache ----------------------------------------------------------------------------------------

# Keyed on the schema too: a process may serve more than one (tests build many apps).
_PLANS: OrderedDict[tuple[int, str, str | None], Plan | None] = OrderedDict()


def plan_for(schema: GraphQLSchema, query: str, operation_name: str | None) -> Plan | None:
    """The plan of a document that ran before, or None (not seen yet, or not compilable)."""
    key = (id(schema), query, operation_name)
    found = _PLANS.get(key)
    if found is not None and found.schema is schema:
        _PLANS.move_to_end(key)
        return found
    return None


def remember(schema: GraphQLSchema, query: str, document: DocumentNode, operation_name: str | None) -> None:
    key = (id(schema), query, operation_name)
    known = _PLANS.get(key)
    if key in _PLANS and (known is None or known.schema is schema):
        return
    try:
        _PLANS[key] = compile_plan(schema, query, document, operation_name)
    except NotCompilable:
        _PLANS[key] = None  # not tried again
    except Exception:  # a bug here must never cost the request its answer: it runs the ordinary way
        log.exception("compiling an execution plan failed; the document runs without one")
        _PLANS[key] = None
    if len(_PLANS) > CACHE_SIZE:
        _PLANS.popitem(last=False)


class CompilePlan(SchemaExtension):
    """After a query ran cleanly, makes its plan, so that the next request with its text skips
    graphql-core's execution (server.compiled)."""

    def on_execute(self) -> Iterator[None]:
        yield
        ec = self.execution_context
        result = ec.result
        if (
            result is not None
            and not result.errors
            and ec.graphql_document is not None
            and ec.query
            and ec.operation_type.value in ("query", "mutation")
        ):
            # Keyed on the name the request gave (often none), as the fast path looks it up.
            provided = getattr(ec, "_provided_operation_name", ec.operation_name)
            remember(ec.schema._schema, ec.query, ec.graphql_document, provided)


__all__ = ["CompilePlan", "Fallback", "Plan", "compile_plan", "plan_for", "remember"]
