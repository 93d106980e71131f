"""schema.plan: what a query reads along with its session, from the document alone."""

from __future__ import annotations

from graphql import parse

from domain.services.sessions import NO_READS, Reads
from schema.plan import reads_of
from schema.schema import build_schema

SCHEMA = build_schema()._schema


def plan(query: str) -> Reads:
    return reads_of(SCHEMA, parse(query), query, None)


def test_the_spa_document_reads_contacts_and_sessions_with_the_session() -> None:
    query = "{ me { email account { contacts { email } } sessions { id } } }"
    assert plan(query) == Reads(contacts=True, sessions=True)


def test_fields_in_fragments_count_by_their_type() -> None:
    query = "query { me { ...U } } fragment U on User { account { ...A } } fragment A on Account { contacts { id } }"
    assert plan(query) == Reads(contacts=True)


def test_billing_profile_and_documents_reading_nothing_more() -> None:
    assert plan("{ billingProfile { iban } }") == Reads(billing_profile=True)
    assert plan("{ me { email } }") == NO_READS


def test_a_document_without_text_is_planned_each_time() -> None:
    assert reads_of(SCHEMA, parse("{ me { sessions { id } } }"), "", None) == Reads(sessions=True)
    assert reads_of(SCHEMA, parse("{ me { email } }"), "", None) == NO_READS
