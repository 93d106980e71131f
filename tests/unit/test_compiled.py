"""Execution plans (schema.compiled) on their own: a plan answers exactly what graphql-core answers
for the documents it covers, refuses the rest at compile time, and meets anything but a clean answer
with an exception that leaves nothing running and no coroutine never awaited."""

from __future__ import annotations

import asyncio
import enum
import gc
import json
import logging
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    graphql,
    parse,
)
from strawberry.dataloader import DataLoader

from schema import compiled
from schema.compiled import Fallback, NotCompilable, compile_plan, plan_for, remember
from schema.memo import unchanging
from schema.schema import build_schema


class Work:
    """Every async resolver's coroutine, made and finished: after any answer or failure, equal."""

    made = 0
    finished = 0


async def _settle(value: Any) -> Any:
    await asyncio.sleep(0)
    Work.finished += 1
    if isinstance(value, Exception):
        raise value
    return value


def later(value: Any) -> Awaitable[Any]:
    Work.made += 1
    return _settle(value)


ITEMS = [
    {"id": "a", "name": "Alva", "tags": ["x", "y"], "child": {"id": "a1", "name": None, "tags": []}},
    {"id": "bb", "name": None, "tags": [], "child": None},
    {"id": "ccc", "name": "Cecilia", "tags": ["z"], "child": {"id": "c1", "name": "Cid", "tags": ["w"]}},
]
COLOR = GraphQLEnumType("Color", {"RED": "red", "GREEN": "green"})

ITEM: GraphQLObjectType = GraphQLObjectType(
    "Item",
    lambda: {
        "id": GraphQLField(GraphQLNonNull(GraphQLString), resolve=lambda item, _: item["id"]),
        "name": GraphQLField(GraphQLString, resolve=lambda item, _: later(item["name"])),
        "tags": GraphQLField(
            GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLString))), resolve=lambda item, _: item["tags"]
        ),
        "child": GraphQLField(ITEM, resolve=lambda item, _: later(item.get("child"))),
        "times": GraphQLField(
            GraphQLInt,
            args={"by": GraphQLArgument(GraphQLInt, default_value=2)},
            resolve=lambda item, _, by: None if by is None else len(item["id"]) * by,
        ),
        "loaded": GraphQLField(GraphQLString, resolve=lambda item, info: info.context.loader.load(item["id"])),
        "failing": GraphQLField(GraphQLString, resolve=lambda *_: later(RuntimeError("async failure"))),
    },
)
QUERY = GraphQLObjectType(
    "Query",
    {
        "items": GraphQLField(
            GraphQLNonNull(GraphQLList(GraphQLNonNull(ITEM))),
            args={"first": GraphQLArgument(GraphQLInt, default_value=2)},
            resolve=lambda _, __, first: later(ITEMS[:first]),
        ),
        "item": GraphQLField(
            ITEM,
            args={"key": GraphQLArgument(GraphQLNonNull(GraphQLString))},
            resolve=lambda _, __, key: next((i for i in ITEMS if i["id"] == key), None),
        ),
        "holes": GraphQLField(GraphQLList(GraphQLNonNull(ITEM)), resolve=lambda *_: [ITEMS[0], None, ITEMS[2]]),
        "hello": GraphQLField(GraphQLString, resolve=lambda *_: "hello"),
        "slow": GraphQLField(GraphQLString, resolve=lambda *_: later("slow")),
        "nothing": GraphQLField(GraphQLString, resolve=lambda *_: None),
        "missing": GraphQLField(GraphQLNonNull(GraphQLString), resolve=lambda *_: None),
        "lateMissing": GraphQLField(GraphQLNonNull(GraphQLString), resolve=lambda *_: later(None)),
        "broken": GraphQLField(GraphQLString, resolve=lambda *_: 1 / 0),
        "returned": GraphQLField(GraphQLString, resolve=lambda *_: ValueError("returned, not raised")),
        "count": GraphQLField(GraphQLInt, resolve=lambda *_: "many"),
        "color": GraphQLField(COLOR, resolve=lambda *_: "green"),
        "colors": GraphQLField(GraphQLList(COLOR), resolve=lambda *_: ["red", "green"]),
    },
)
TOY = GraphQLSchema(QUERY)


def context() -> SimpleNamespace:
    """A fresh context per execution, with a DataLoader that notes each batch it loads."""
    batches: list[list[str]] = []

    async def load(keys: list[str]) -> list[str]:
        batches.append(list(keys))
        return [key.upper() for key in keys]

    return SimpleNamespace(loader=DataLoader(load_fn=load), batches=batches)


def planned(text: str, name: str | None = None) -> compiled.Plan:
    return compile_plan(TOY, text, parse(text), name)


@pytest.fixture(autouse=True)
def _all_work_settles() -> Iterator[None]:
    """However a plan ends, every resolver coroutine it made ran to its end, and none was left to be
    collected unawaited (a RuntimeWarning each)."""
    Work.made = Work.finished = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert Work.finished == Work.made


SAME_AS_GRAPHQL_CORE = {
    "scalars and enums": ("{ hello slow nothing color colors }", None),
    "lists of objects": ("{ items(first: 3) { id name tags child { id name tags child { id } } } }", None),
    "aliases": ('{ one: item(key: "a") { id } two: item(key: "bb") { key: id } hello }', None),
    "one field twice": ("{ items { id } items { name child { id } } items { child { name } } }", None),
    "fragments": (
        "query Q { items { ...Fields child { ...Fields } } } fragment Fields on Item { id also: name ...More }"
        " fragment More on Item { tags }",
        None,
    ),
    "inline fragments": ("{ items { ... on Item { id } ... { name } } ... on Query { hello } }", None),
    "typenames": ("{ __typename items { __typename child { __typename id } } t: __typename }", None),
    "arguments": ("{ items(first: 1) { times a: times(by: 3) b: times(by: null) } }", None),
    "variables": (
        "query V($first: Int = 1, $by: Int, $key: String!) { items(first: $first) { times(by: $by) }"
        " item(key: $key) { id } }",
        {"by": 5, "key": "ccc"},
    ),
    "variables left to their defaults": ("query V($first: Int = 3) { items(first: $first) { id } }", {}),
    "a null where the schema allows it": ('{ item(key: "nope") { id } nothing }', None),
    "loaders": ("{ items(first: 3) { loaded child { loaded } } }", None),
}


@pytest.mark.parametrize("case", SAME_AS_GRAPHQL_CORE)
def test_a_plan_answers_what_graphql_core_answers_in_the_same_order(case: str) -> None:
    text, variables = SAME_AS_GRAPHQL_CORE[case]

    async def both() -> tuple[Any, Any]:
        expected = await graphql(TOY, text, variable_values=variables, context_value=context())
        assert expected.errors is None, expected.errors
        return expected.data, await planned(text).execute(context(), variables)

    expected, answer = asyncio.run(both())
    assert json.dumps(answer) == json.dumps(expected)


def test_loads_asked_for_in_the_same_tick_share_one_batch() -> None:
    async def run() -> list[list[str]]:
        ctx = context()
        await planned("{ items(first: 3) { loaded child { loaded } } }").execute(ctx, None)
        return list(ctx.batches)

    assert asyncio.run(run()) == [["a", "bb", "ccc"], ["a1", "c1"]]  # the children come a tick later


FALLBACKS = {
    "a null for a non-null field": "{ hello missing }",
    "a null for a non-null field, after an async sibling": "{ slow missing }",
    "a null for a non-null field, after a list that awaits": "{ items { name child { name } } missing }",
    "a null inside an object that awaits": '{ items { name } item(key: "a") { id } missing slow }',
    "a null, awaited": "{ lateMissing slow }",
    "a null in a list of non-null items": "{ slow holes { id name } }",
    "an error returned as a value": "{ slow returned }",
}


@pytest.mark.parametrize("case", FALLBACKS)
def test_anything_but_a_clean_answer_is_a_fallback(case: str) -> None:
    with pytest.raises(Fallback):
        asyncio.run(planned(FALLBACKS[case]).execute(context(), None))


@pytest.mark.parametrize(
    "text",
    [
        "{ broken }",
        "{ slow broken }",
        "{ items { name failing } }",
        "{ items { failing } slow }",
        "{ count }",
    ],
)
def test_a_resolver_error_or_an_unserializable_value_is_raised_for_the_ordinary_path(text: str) -> None:
    with pytest.raises(Exception) as raised:  # server.compiled falls back on any
        asyncio.run(planned(text).execute(context(), None))
    assert not isinstance(raised.value, Fallback)


@pytest.mark.parametrize(
    ("text", "variables"),
    [
        ("query V($first: Int) { items(first: $first) { id } }", {"first": "two"}),
        ("query V($first: Int) { items(first: $first) { id } }", {"first": 1.5}),
        ("query V($key: String!) { item(key: $key) { id } }", {}),
        ("query V($key: String!) { item(key: $key) { id } }", {"key": None}),
    ],
)
def test_variables_that_do_not_coerce_are_a_fallback(text: str, variables: dict[str, Any]) -> None:
    with pytest.raises(Fallback):
        asyncio.run(planned(text).execute(context(), variables))


# --- what compiles, on the served schema ----------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> GraphQLSchema:
    return build_schema()._schema


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("query Q($if: Boolean!) { me { id email @include(if: $if) } }", None),
        ("query Q($skip: Boolean!) { me @skip(if: $skip) { id } }", None),
        ("query Q { me { ...F @include(if: true) } } fragment F on User { id }", None),
        ("query Q { me { ... @skip(if: false) { id } } }", None),
        ("query N($id: ID!) { node(id: $id) { id } }", None),
        ("{ __schema { queryType { name } } }", None),
        ('{ me { id } __type(name: "User") { name } }', None),
        ("mutation { logout { errors { code } } }", None),
        ("query A { me { id } } mutation B { logout { errors { code } } }", "B"),
        ("query A { me { id } } query B { me { email } }", None),  # which one: graphql-core says
        ("query A { me { id } }", "Other"),
    ],
)
def test_what_plans_do_not_cover_is_not_compilable(served: GraphQLSchema, text: str, name: str | None) -> None:
    with pytest.raises(NotCompilable):
        compile_plan(served, text, parse(text), name)


def test_the_readme_document_compiles_with_its_reads_scopes_and_cost(served: GraphQLSchema) -> None:
    text = "query Me { me { id account { contacts { email } } sessions { id } } } query Other { me { id } }"
    plan = compile_plan(served, text, parse(text), "Me")
    assert plan.operation.name is not None and plan.operation.name.value == "Me"
    assert [field.key for field in plan.root] == ["me"]
    assert plan.reads.contacts and plan.reads.sessions and not plan.reads.billing_profile
    assert plan.cost_of(None) > compile_plan(served, text, parse(text), "Other").cost_of(None) > 0


# --- the cache ---------------------------------------------------------------------------------------


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch) -> OrderedDict[Any, Any]:
    fresh: OrderedDict[Any, Any] = OrderedDict()
    monkeypatch.setattr(compiled, "_PLANS", fresh)
    return fresh


def test_a_plan_is_kept_per_schema_text_and_name(cache: OrderedDict[Any, Any]) -> None:
    text = "query A { hello } query B { slow }"
    remember(TOY, text, parse(text), "A")
    plan = plan_for(TOY, text, "A")
    assert plan is not None and plan.operation.name is not None and plan.operation.name.value == "A"
    assert plan_for(TOY, text, "B") is None and plan_for(TOY, text, None) is None
    assert plan_for(GraphQLSchema(QUERY), text, "A") is None  # another schema (another app)
    remember(TOY, text, parse(text), "A")
    assert plan_for(TOY, text, "A") is plan  # made once


def test_a_document_that_does_not_compile_is_not_tried_again(
    cache: OrderedDict[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = compiled.compile_plan

    def counted(*args: Any) -> Any:
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(compiled, "compile_plan", counted)
    text = "query Q($if: Boolean!) { hello @include(if: $if) }"
    for _ in range(3):
        remember(TOY, text, parse(text), None)
    assert calls == [text] and plan_for(TOY, text, None) is None and list(cache.values()) == [None]


def test_a_plan_that_fails_to_compile_is_logged_and_the_document_runs_without_one(
    cache: OrderedDict[Any, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(*_: Any) -> Any:
        raise KeyError("a bug")

    monkeypatch.setattr(compiled, "compile_plan", crash)
    with caplog.at_level(logging.ERROR, logger="tenantry.graphql"):
        remember(TOY, "{ hello }", parse("{ hello }"), None)
    assert plan_for(TOY, "{ hello }", None) is None
    assert [r.getMessage() for r in caplog.records] == [
        "compiling an execution plan failed; the document runs without one"
    ]


def test_the_cache_keeps_the_most_recently_used_plans(
    cache: OrderedDict[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compiled, "CACHE_SIZE", 2)
    texts = ["{ hello }", "{ slow }", "{ nothing }"]
    for text in texts[:2]:
        remember(TOY, text, parse(text), None)
    assert plan_for(TOY, texts[0], None) is not None  # used: now the most recent
    remember(TOY, texts[2], parse(texts[2]), None)
    assert [plan_for(TOY, text, None) is not None for text in texts] == [True, False, True]


def test_only_a_query_that_ran_cleanly_gets_a_plan(cache: OrderedDict[Any, Any]) -> None:
    schema = build_schema()

    async def run(text: str) -> None:
        await schema.execute(text)

    for text in ("query Clean { __typename }", "{ nope }", "mutation { __typename }", "{ __typename"):
        asyncio.run(run(text))
    assert [key[1:] for key, plan in cache.items() if plan is not None] == [("query Clean { __typename }", None)]
    # A mutation is compiled only when it is a sign-in (MUTATIONS); others are remembered as not.
    assert [key[1:] for key, plan in cache.items() if plan is None] == [("mutation { __typename }", None)]


# --- plain attributes of Strawberry types: generated code and enum tables -------------------------------


class Shade(enum.Enum):
    LIGHT = "light"
    DARK = "dark"


@strawberry.type
class Swatch:
    label: str
    code: strawberry.ID
    matte: bool
    shade: Shade
    shades: list[Shade]
    maybe: str | None
    count: int


@strawberry.type
class Palette:
    @strawberry.field
    def swatches(self) -> list[Swatch]:
        return [
            Swatch(
                label="plain", code=strawberry.ID("a1"), matte=True, shade=Shade.DARK, shades=[], maybe=None, count=1
            ),
            # Values of other Python types than the field's: completion coerces them as graphql-core does.
            Swatch(label=7, code=12, matte=1, shade=Shade.LIGHT, shades=[Shade.DARK, Shade.LIGHT], maybe="x", count=2),  # type: ignore[arg-type]
        ]


def test_plain_attributes_answer_what_graphql_core_answers_whatever_their_python_type() -> None:
    served = strawberry.Schema(query=Palette)._schema
    text = "{ swatches { label code matte shade shades maybe count __typename again: label } }"
    plan = compile_plan(served, text, parse(text), None)
    assert plan.shape.rest[0].name == "swatches" and plan.shape.fill is None

    async def both() -> tuple[Any, Any]:
        expected = await graphql(served, text, root_value=Palette())
        assert expected.errors is None, expected.errors
        return expected.data, await plan.execute(SimpleNamespace(), None)

    expected, answer = asyncio.run(both())
    assert json.dumps(answer) == json.dumps(expected)
    assert answer["swatches"][1]["label"] == "7" and answer["swatches"][1]["shades"] == ["DARK", "LIGHT"]


@strawberry.type
class Broken:
    @strawberry.field
    def swatches(self) -> list[Swatch]:
        return [
            Swatch(label=None, code=strawberry.ID("b"), matte=True, shade=Shade.DARK, shades=[], maybe=None, count=1)
        ]  # type: ignore[arg-type]


def test_a_null_where_a_plain_attribute_promises_a_value_is_a_fallback() -> None:
    served = strawberry.Schema(query=Broken)._schema
    text = "{ swatches { code label } }"
    plan = compile_plan(served, text, parse(text), None)
    with pytest.raises(Fallback):
        asyncio.run(plan.execute(SimpleNamespace(), None))


@strawberry.type
class Spot:
    x: int
    y: int


@unchanging
@strawberry.type
class Pin:
    label: str
    spot: Spot


PIN = Pin(label="home", spot=Spot(x=1, y=2))


@strawberry.type
class Board:
    @strawberry.field
    def pin(self) -> Pin:
        return PIN

    @strawberry.field
    def fresh(self) -> Pin:
        return Pin(label="new", spot=Spot(x=3, y=4))


def test_an_unchanging_object_with_a_plain_object_inside_is_answered_once() -> None:
    """An object whose fields are plain attributes, scalars or again such objects (a billing profile
    and its address), answers from its source alone: an unchanging source's answer is remembered."""
    served = strawberry.Schema(query=Board)._schema
    text = "{ pin { label spot { x y } } fresh { spot { y } label } }"
    plan = compile_plan(served, text, parse(text), None)

    async def twice() -> tuple[Any, Any, Any]:
        expected = await graphql(served, text, root_value=Board())
        assert expected.errors is None, expected.errors
        return expected.data, await plan.execute(SimpleNamespace(), None), await plan.execute(SimpleNamespace(), None)

    expected, first, second = asyncio.run(twice())
    assert json.dumps(first) == json.dumps(second) == json.dumps(expected)
    assert first["pin"] is second["pin"]  # remembered by the unchanging source
    assert first["fresh"] is not second["fresh"] and first["fresh"] == second["fresh"]  # a new source each time


def test_each_selection_set_is_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The completion and the plain-object check share a field's compiled selection: compiling it
    for each would double the work at every level of nesting."""
    served = strawberry.Schema(query=Board)._schema
    compiled_for: list[str] = []
    fields = compiled._Compiler.fields

    def counted(self: Any, parent: GraphQLObjectType, selection_sets: list[Any]) -> Any:
        compiled_for.append(parent.name)
        return fields(self, parent, selection_sets)

    monkeypatch.setattr(compiled._Compiler, "fields", counted)
    text = "{ pin { label spot { x y } } }"
    compile_plan(served, text, parse(text), None)
    assert sorted(compiled_for) == ["Board", "Pin", "Spot"]
