"""Parsing and validation are cached even with the limits on (the rules are built once)."""

from __future__ import annotations

import asyncio

from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

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
