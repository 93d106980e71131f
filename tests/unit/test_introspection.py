"""schema.introspection and its walker: introspection-only queries answered apart, exactly as graphql-core
answers them, and remembered."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest
from graphql import (
    ExecutionResult,
    get_introspection_query,
    get_operation_ast,
    graphql_sync,
    introspection_from_schema,
    parse,
    print_ast,
)

from schema import introspection
from schema.introspection import RECENT_SIZE, IntrospectionAnswers, document_key
from schema.introspection_walk import MAX_ANSWER_FIELDS, answer
from schema.limits import ALL_RULES, shape_errors
from schema.schema import build_schema

SCHEMA = build_schema()._schema
OPTIONS = (
    "descriptions",
    "specified_by_url",
    "directive_is_repeatable",
    "schema_description",
    "input_value_deprecation",
    "one_of",
)
FULLEST = get_introspection_query(**dict.fromkeys(OPTIONS, True))


def formatted(result: ExecutionResult | None) -> dict[str, Any] | None:
    return None if result is None else {"data": result.data, "errors": [e.formatted for e in result.errors or ()]}


def executed(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """graphql-core's own answer, through its executor."""
    return formatted(graphql_sync(SCHEMA, query, variable_values=variables))


def walked(query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> dict[str, Any] | None:
    document = parse(query)
    operation = get_operation_ast(document, name)
    assert operation is not None
    return formatted(answer(SCHEMA, document, operation, variables))


def fields_in(value: Any) -> int:
    """Fields in an answer: every key of every object in it."""
    if isinstance(value, dict):
        return len(value) + sum(fields_in(v) for v in value.values())
    if isinstance(value, list):
        return sum(fields_in(v) for v in value)
    return 0


def test_every_standard_introspection_query_is_answered_as_graphql_core_answers_it() -> None:
    for values in product((False, True), repeat=len(OPTIONS)):
        query = get_introspection_query(**dict(zip(OPTIONS, values, strict=True)))
        assert walked(query) == executed(query), values
    for query in (
        get_introspection_query(type_depth=3),
        get_introspection_query(experimental_directive_deprecation=True),
    ):
        assert walked(query) == executed(query)


def test_the_fullest_answer_is_graphql_cores_introspection_from_schema() -> None:
    every = get_introspection_query(**dict.fromkeys(OPTIONS, True), experimental_directive_deprecation=True)
    found = walked(every)
    assert found is not None and found["errors"] == []
    assert found["data"] == introspection_from_schema(SCHEMA)


CRAFTED: dict[str, tuple[str, dict[str, Any] | None]] = {
    "aliases, merging and unknown types": (
        '{ a: __type(name: "User") { name n: name fields { name } fields { type { name } } } '
        'b: __type(name: "Nope") { name } __typename }',
        None,
    ),
    "fragments, spread twice, inline and on Query": (
        "{ ...Q ... on Query { __schema { ...S ...S types { ...T } } } } "
        "fragment Q on Query { __schema { queryType { ...T } } } "
        "fragment S on __Schema { directives { name args { name type { ...T } } } } "
        "fragment T on __Type { __typename kind name ofType { ...R } } fragment R on __Type { name kind }",
        None,
    ),
    "skip and include by variables": (
        "query Q($yes: Boolean!, $no: Boolean = false) { __schema { queryType @include(if: $yes) { name } "
        "mutationType @skip(if: $yes) { name } types @include(if: $no) { name } ... @skip(if: $no) { "
        "subscriptionType { name } } } }",
        {"yes": True},
    ),
    "__type by variable": ("query T($n: String!) { __type(name: $n) { name kind fields { name } } }", {"n": "Account"}),
    "an argument that cannot be null, given null": (
        'query D($d: Boolean = true) { __type(name: "User") { name fields(includeDeprecated: $d) { name } } }',
        {"d": None},
    ),
    "isOneOf on wrapped types (Strawberry's resolver fails on them)": (
        '{ __type(name: "User") { fields { type { isOneOf ofType { isOneOf name } } } } }',
        None,
    ),
    "enum values, interfaces and possible types": (
        "{ __schema { types { name enumValues(includeDeprecated: true) { name isDeprecated } "
        "interfaces { name } possibleTypes { name } } } }",
        None,
    ),
}


@pytest.mark.parametrize("name", CRAFTED)
def test_crafted_introspection_is_answered_as_graphql_core_answers_it(name: str) -> None:
    query, variables = CRAFTED[name]
    assert walked(query, variables) == executed(query, variables)


def test_a_field_error_is_reported_with_its_path_and_the_field_null() -> None:
    query, variables = CRAFTED["an argument that cannot be null, given null"]
    found = walked(query, variables)
    assert found is not None
    assert found["data"] == {"__type": {"name": "User", "fields": None}}
    assert [e["path"] for e in found["errors"]] == [["__type", "fields"]]


def test_wrapped_types_answer_is_one_of_with_null_instead_of_an_unexpected_error() -> None:
    found = executed(CRAFTED["isOneOf on wrapped types (Strawberry's resolver fails on them)"][0])
    assert found is not None and found["errors"] == []
    assert found["data"]["__type"]["fields"][0]["type"] == {"isOneOf": None, "ofType": {"isOneOf": False, "name": "ID"}}


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ __typename me { id } }", None),
        ("{ ... on Query { __typename billingProfile { iban } } }", None),
        ("mutation { __typename }", None),
        ("query T($n: String!) { __type(name: $n) { name } }", None),  # the executor reports the variable
    ],
)
def test_anything_but_an_introspection_only_query_is_left_to_the_executor(
    query: str, variables: dict[str, Any] | None
) -> None:
    assert walked(query, variables) is None


def wide(each: str, leaves: str = "description isDeprecated deprecationReason", inner: bool = True) -> str:
    """Every field, argument and input field of every type, and under each the fields (and, with
    `inner`, the input fields) of its type, with `leaves` on each field."""
    ref = f"type {{ name kind {each} ofType {{ name kind {each} ofType {{ name kind {each} }} }} }}"
    sub = f"fields {{ name {leaves} {ref} }}" + (f" inputFields {{ name {ref} }}" if inner else "")
    outer = f"name type {{ name kind {sub} ofType {{ name kind {sub} ofType {{ name kind {sub} }} }} }}"
    return f"{{ __schema {{ types {{ name fields {{ {outer} args {{ {outer} }} }} inputFields {{ {outer} }} }} }} }}"


def test_an_introspection_past_the_answer_budget_gets_one_coded_error() -> None:
    query = wide("description specifiedByURL")
    assert not validate_with_limits(query)  # the document limits let it through
    assert walked(query) == {
        "data": None,
        "errors": [
            {
                "message": f"This introspection would answer more than {MAX_ANSWER_FIELDS:,} fields; "
                "ask for less (the standard introspection query fits).",
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
    }


def validate_with_limits(query: str) -> list[str]:
    from graphql import validate

    document = parse(query)
    return [e.message for e in [*validate(SCHEMA, document, ALL_RULES), *shape_errors(document)]]


def test_the_standard_answers_leave_room_in_the_budget() -> None:
    # A schema that grows past three quarters of the budget should raise it, not find GraphiQL refused.
    found = walked(FULLEST)
    assert found is not None and fields_in(found["data"]) <= MAX_ANSWER_FIELDS * 3 // 4
    largest = wide("", leaves="description", inner=False)
    assert walked(largest) == executed(largest)  # the largest we found within the limits is answered


def test_formatting_does_not_change_the_key_but_tokens_strings_and_comments_do() -> None:
    graphql_js = "\n    query IntrospectionQuery {\n      __schema {\n        \n        queryType { name kind }"
    assert document_key(graphql_js) == document_key("query IntrospectionQuery{__schema{queryType{name,kind}")
    assert document_key(print_ast(parse(FULLEST))) == document_key(FULLEST)
    assert document_key("{ a b }") != document_key("{ ab }")
    assert document_key('{ __type(name: "A  B") { name } }') == '{ __type(name: "A  B") { name } }'
    assert document_key("{ __typename # x\n __schema { description } }") != document_key(
        "{ __typename # x __schema { description } }"
    )


def answers_for(schema: Any = SCHEMA) -> IntrospectionAnswers:
    answers = IntrospectionAnswers()
    answers.warm(schema, introspection.standard_queries())
    return answers


def get(answers: IntrospectionAnswers, query: str, variables: dict[str, Any] | None = None) -> Any:
    return formatted(answers.get(SCHEMA, query, parse(query), None, variables))


def walks_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A list that grows by one each time a query is answered by walking (not from the answers kept)."""
    calls: list[str] = []

    def counted(*args: Any) -> ExecutionResult | None:
        calls.append("walk")
        return answer(*args)

    monkeypatch.setattr(introspection, "answer", counted)
    return calls


def test_the_standard_queries_as_clients_format_them_are_answered_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = answers_for()

    def not_again(*_: Any) -> None:
        raise AssertionError("answered again")

    monkeypatch.setattr(introspection, "answer", not_again)
    for query in introspection.standard_queries():
        for text in (query, print_ast(parse(query)), "\n    " + query.replace("\n", "\n      ")):
            found = get(answers, text)
            assert found is not None and found == executed(query)


def test_answers_are_kept_per_document_and_variables_in_a_bounded_list(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = answers_for()
    calls = walks_counted(monkeypatch)
    query = "query T($n: String!) { __type(name: $n) { name } }"
    assert get(answers, query, {"n": "User"})["data"] == {"__type": {"name": "User"}}
    assert get(answers, query, {"n": "Account"})["data"] == {"__type": {"name": "Account"}}
    assert get(answers, query, {"n": "User"})["data"] == {"__type": {"name": "User"}}
    assert calls == ["walk", "walk"]
    for i in range(RECENT_SIZE + 5):
        get(answers, f'{{ t{i}: __type(name: "User") {{ name }} }}')
    assert len(answers.recent) == RECENT_SIZE
    refused = wide("description specifiedByURL")
    assert get(answers, refused) == get(answers, refused) == walked(refused)
    assert calls.count("walk") == 2 + RECENT_SIZE + 5 + 1  # the refusal is kept too


def test_answers_are_never_shared_with_another_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = answers_for(build_schema()._schema)  # an equal schema, but another one
    calls = walks_counted(monkeypatch)
    assert get(answers, FULLEST) == executed(FULLEST)
    get(answers, FULLEST)
    assert calls == ["walk", "walk"] and not answers.recent


def test_a_schema_without_introspection_has_no_answers() -> None:
    closed = build_schema(introspection=False)
    found = closed.execute_sync(FULLEST)
    assert found.errors and "introspection" in found.errors[0].message.lower()
