"""The cost model (schema/cost.py): what an operation costs against the rate-limit budget."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, parse

from domain.audit import MAX_PAGE
from domain.rules.contacts import MAX_CONTACTS
from schema import cost
from schema.cost import SIZES, SIZES_BY_NAME, document_costs, operation_cost
from schema.schema import build_schema

SCHEMA = build_schema()._schema


def cost_of(query: str, variables: dict[str, Any] | None = None, operation: str | None = None) -> int:
    costs = document_costs(SCHEMA, parse(query))
    chosen = costs[operation] if operation or len(costs) > 1 else next(iter(costs.values()))
    return chosen.of(variables)


def test_each_field_costs_one_and_objects_add_their_selection() -> None:
    assert cost_of("{ me { email } }") == 2
    assert cost_of("{ me { email profile { firstName lastName } } }") == 5


def test_a_list_costs_its_largest_size_times_the_selection_on_one_item() -> None:
    # me, account, contacts (1 + 20 x (id, email))
    assert cost_of("{ me { account { contacts { id email } } } }") == 1 + 1 + 1 + MAX_CONTACTS * 2


def test_a_list_of_scalars_or_enums_costs_its_size() -> None:
    # roles holds each ContactRole at most once (3 values)
    assert cost_of("{ me { account { contacts { roles } } } }") == 3 + MAX_CONTACTS * 3


def test_nested_lists_multiply() -> None:
    query = "{ auditLog(first: 10) { edges { node { changedFields } } } }"
    # auditLog, edges (1 + 10 x (node (1 + changedFields 20)))
    assert cost_of(query) == 1 + 1 + 10 * (1 + 20)


def test_aliases_count_each_time() -> None:
    assert cost_of("{ a: me { email } b: me { email } }") == 4
    assert cost_of("{ me { a: email b: email } }") == 3


def test_fragments_count_where_spread_and_as_often_as_spread() -> None:
    once = "{ me { ...Contacts } } fragment Contacts on User { account { contacts { id } } }"
    twice = "{ me { ...Contacts } x: me { ...Contacts } } fragment Contacts on User { account { contacts { id } } }"
    assert cost_of(once) == cost_of("{ me { account { contacts { id } } } }") == 3 + MAX_CONTACTS
    assert cost_of(twice) == 2 * cost_of(once)


def test_fragments_spreading_fragments_and_inline_fragments() -> None:
    query = """
    { me { ...A ... on User { email ... { role } } } }
    fragment A on User { ...B createdAt }
    fragment B on User { email }
    """
    assert cost_of(query) == 1 + 4


def test_of_fragments_on_different_types_only_the_most_expensive_counts() -> None:
    query = '{ node(id: "x") { id ... on User { email } ... on Account { contacts { id } } } }'
    assert cost_of(query) == 1 + 1 + (1 + MAX_CONTACTS)


def test_a_page_counts_first_given_as_literal_default_or_variable() -> None:
    page = "auditLog(first: {}) {{ edges {{ node {{ id }} }} }}"
    query = "query($n: Int) { " + page.format("$n") + " }"
    assert cost_of("{ " + page.format(5) + " }") == 2 + 5 * 2
    assert cost_of("{ auditLog { edges { node { id } } } }") == 2 + 20 * 2  # the argument's default
    assert cost_of(query, {"n": 7}) == 2 + 7 * 2
    assert cost_of(query, {}) == cost_of(query, {"n": None}) == 2 + 20 * 2  # left out or null: the default
    assert cost_of(query, {"n": 5000}) == 2 + MAX_PAGE * 2  # refused by the resolver; clamped here
    assert cost_of(query, {"n": -3}) == 2
    assert cost_of(query, {"n": "many"}) == 2 + MAX_PAGE * 2  # not an Int: the largest cost
    assert cost_of("query($n: Int = 3) { " + page.format("$n") + " }") == 2 + 3 * 2


def test_nested_pages_multiply_their_variables() -> None:
    query = """query($a: Int, $b: Int) {
      me { account { auditLog(first: $a) { edges { node { actor { securityEvents(first: $b) {
        edges { node { id } } } } } } } } }
    }"""
    # me, account, auditLog, edges + a x (node, actor, securityEvents, edges + b x (node, id))
    assert cost_of(query, {"a": 3, "b": 4}) == 4 + 3 * (4 + 4 * 2)


def test_a_mutation_payload_counts_one_error_per_input_field() -> None:
    login = "mutation($i: LoginInput!) { login(input: $i) { token errors { field code message } } }"
    # login, token, errors (1 + 2 input fields x (field path 4, code, message))
    assert cost_of(login) == 1 + 1 + 1 + 2 * 6


def test_typename_is_free_and_introspection_costs_one_per_root() -> None:
    assert cost_of("{ __typename me { __typename email } }") == 2
    assert cost_of("{ __schema { types { name fields { name type { name } } } } }") == 1
    assert cost_of('{ __type(name: "User") { fields { name } } }') == 1


def test_each_operation_of_a_document_has_its_own_cost() -> None:
    document = "query A { me { email } } query B { me { email role } }"
    assert cost_of(document, operation="A") == 2
    assert cost_of(document, operation="B") == 3


def test_the_cost_is_computed_once_per_query_text(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = cost.document_costs

    def counting(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(cost, "document_costs", counting)
    text = "query Once($n: Int) { auditLog(first: $n) { edges { node { id } } } }"
    document = parse(text)
    found = [operation_cost(SCHEMA, text, document, None) for _ in range(3)]
    assert len(calls) == 1
    assert [c.of({"n": n}) for c, n in zip(found, (1, 2, 3), strict=True) if c] == [4, 6, 8]
    assert operation_cost(SCHEMA, text, document, "Other") is None


def test_a_document_of_many_fragments_is_costed_fast_and_without_recursion() -> None:
    chain = (
        "{ ...F0 } "
        + " ".join(f"fragment F{i} on Query {{ me {{ id }} ...F{i + 1} }}" for i in range(600))
        + " fragment F600 on Query { me { id } }"
    )
    assert cost_of(chain) == 601 * 2
    doubling = (
        "{ ...F0 } "
        + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(190))
        + " fragment F190 on Query { me { id } }"
    )
    assert cost_of(doubling) == 2**190 * 2  # refused by the document limits before it is costed


def test_every_list_field_of_the_schema_has_a_size() -> None:
    """New list fields need a size in SIZES (enum lists are sized by their values)."""
    missing = []
    for type_ in SCHEMA.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if not isinstance(inner, GraphQLList):
                continue
            item = inner.of_type.of_type if isinstance(inner.of_type, GraphQLNonNull) else inner.of_type
            known = f"{type_.name}.{name}" in SIZES or name in SIZES_BY_NAME
            if not known and not hasattr(item, "values"):
                missing.append(f"{type_.name}.{name}")
    assert missing == []
