"""Parsing and validation are cached even with the limits on (the rules are built once)."""

from __future__ import annotations

import asyncio
import gc
from types import SimpleNamespace
from typing import Any, cast

from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from schema.limits import ALL_RULES, MAX_TOKENS, VARIABLE_RULES, LimitedValidation, Recent
from schema.schema import CACHE_SIZE, build_schema

QUERY = "query Cached { __typename }"


def test_second_execution_of_a_document_hits_both_caches() -> None:
    schema = build_schema()
    parse, validate = _get_parse_cache(CACHE_SIZE), _get_validate_cache(CACHE_SIZE)

    async def run() -> None:
        await schema.execute(QUERY, context_value=None)

    asyncio.run(run())
    before = parse.cache_info().hits, validate.cache_info().hits
    for _ in range(5):
        asyncio.run(run())
    after = parse.cache_info().hits, validate.cache_info().hits
    assert after[0] - before[0] == 5 and after[1] - before[1] == 5


def rules_for(query: str) -> tuple[object, ...]:
    extension = LimitedValidation(introspection=True)
    extension.execution_context = cast(Any, SimpleNamespace(query=query, validation_rules=()))
    next(iter(extension.on_operation()))
    return tuple(extension.execution_context.validation_rules)


def errors_of(query: str, variables: dict[str, object] | None = None) -> list[str]:
    async def run() -> list[str]:
        result = await build_schema().execute(query, variable_values=variables, context_value=None)
        return [e.message for e in result.errors or ()]

    return asyncio.run(run())


def test_the_variable_rules_are_skipped_only_for_texts_without_variables() -> None:
    # Each walks the whole document again, and a text without `$` gives them nothing to find.
    assert set(ALL_RULES) >= VARIABLE_RULES
    assert not VARIABLE_RULES & set(rules_for('{ __type(name: "User") { name } }'))
    assert set(rules_for("query Q($n: String!) { __type(name: $n) { name } }")) >= VARIABLE_RULES
    assert errors_of("query Q($unused: Int) { __typename }") == ["Variable '$unused' is never used in operation 'Q'."]
    assert errors_of("{ __type(name: $undefined) { name } }") == ["Variable '$undefined' is not defined."]
    assert errors_of("query Q($n: String) { __type(name: $n) { name } }") == [
        "Variable '$n' of type 'String' used in position expecting type 'String!'."
    ]
    assert errors_of("{ __typename }") == []


def test_documents_remembered_hold_a_bounded_number_of_objects() -> None:
    """Each cache holds its documents' syntax trees, which the garbage collector walks on every full
    pass: with 1,024 per cache, documents at the token limit held 5 million objects (a 2.6 s pass)."""
    schema = build_schema()
    largest = "{ me { " + " ".join(["id"] * (MAX_TOKENS - 10)) + " } }"  # refused, but parsed and validated

    async def send(first: int, count: int) -> None:
        for n in range(first, first + count):
            await schema.execute(f"query N{n} {largest}", context_value=None)

    asyncio.run(send(0, 10))
    gc.collect()
    before = len(gc.get_objects())
    asyncio.run(send(10, 2 * CACHE_SIZE))
    gc.collect()
    grown = len(gc.get_objects()) - before
    assert grown < CACHE_SIZE * 5_500, grown  # about 4,600 objects for each document kept


def test_recent_keeps_what_was_made_for_the_keys_used_last() -> None:
    made: list[int] = []

    def make(n: int) -> Any:
        return lambda: made.append(n) or n * 10

    recent: Recent[int, int] = Recent()
    assert [recent.get(n, make(n)) for n in range(CACHE_SIZE)] == [n * 10 for n in range(CACHE_SIZE)]
    assert recent.get(0, make(0)) == 0 and len(made) == CACHE_SIZE  # remembered, and now the latest used
    recent.get(CACHE_SIZE, make(CACHE_SIZE))  # one too many: the least recently used (1) goes
    assert recent.get(0, make(0)) == 0 and len(made) == CACHE_SIZE + 1
    recent.get(1, make(1))
    assert made[-1] == 1 and len(made) == CACHE_SIZE + 2
