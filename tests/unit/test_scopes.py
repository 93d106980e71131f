"""The token rules a document's fields need (schema/scopes.py), read from the fields' declarations."""

from __future__ import annotations

from graphql import parse

from domain.entities import ApiScope
from schema.permissions import ACCESS
from schema.schema import build_schema
from schema.scopes import cached_requirements, refusals, requirements

SCHEMA = build_schema()._schema
DOCUMENT = """
query Mine($id: ID!) {
  me { email ...Profile account { id contacts { email } } }
  node(id: $id) { ... on Account { customerInfo { contactPerson } } ... on Session { current } }
}
fragment Profile on User { profile { firstName } again: profile { lastName } }
mutation Other { changePassword(input: {currentPassword: "a", newPassword: "b"}) { errors { code } } }
"""


def test_the_fields_a_document_selects_carry_their_rules_fragments_included() -> None:
    found = dict(requirements(SCHEMA, parse(DOCUMENT), "Mine"))
    assert found == {
        "User.profile": (ApiScope.PROFILE_READ, ApiScope.PROFILE_WRITE),
        "Account.contacts": (ApiScope.ACCOUNT_READ, ApiScope.ACCOUNT_WRITE),
        "ContactEmail.email": (ApiScope.ACCOUNT_READ, ApiScope.ACCOUNT_WRITE),  # the type's rule
        "Account.customerInfo": (ApiScope.ACCOUNT_READ, ApiScope.ACCOUNT_WRITE),
        "Session.current": (ApiScope.PROFILE_READ,),
    }
    assert dict(requirements(SCHEMA, parse(DOCUMENT), "Other")) == {"Mutation.changePassword": None}


def test_refusals_name_the_scopes_that_would_allow_each_field() -> None:
    needs = cached_requirements(SCHEMA, DOCUMENT, parse(DOCUMENT), "Mine")
    assert cached_requirements(SCHEMA, DOCUMENT, parse(DOCUMENT), "Mine") is needs  # once per document
    errors = refusals(needs, frozenset({ApiScope.PROFILE_READ}))
    assert [e.extensions for e in errors] == [
        {"code": "FORBIDDEN", "requiredScopes": ["ACCOUNT_READ", "ACCOUNT_WRITE"]},
    ] * 3
    assert refusals(needs, frozenset(ApiScope)) == []
    [sessions_only] = refusals(requirements(SCHEMA, parse(DOCUMENT), "Other"), frozenset(ApiScope))
    assert sessions_only.extensions == {"code": "FORBIDDEN", "requiredScopes": []}


def test_every_root_field_declares_its_access_and_its_description_says_it() -> None:
    for root in (SCHEMA.query_type, SCHEMA.mutation_type):
        assert root is not None
        for name, field in root.fields.items():
            access = field.extensions["strawberry-definition"].metadata.get(ACCESS)
            assert access is not None, name
            assert access.describe() in (field.description or ""), name
            if not access.anonymous:
                assert "Scope:" in (field.description or "") or "Sessions only." in (field.description or ""), name
