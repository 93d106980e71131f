"""The fast path of /graphql (server.compiled, with schema.compiled's plans): a query whose text ran
cleanly once skips Strawberry and graphql-core from then on. Whatever the document, credential or
failure, its answer must be the ordinary path's: the same bytes (but the budget left), the same
headers, one charge. What plans do not cover never gets one. On SQLite the caller is read on the
event loop, and again in the thread pool when that read fails.

Each comparison forgets every plan first, so the first request runs the ordinary way (and makes the
plan) and the second takes the fast path; `paths` says which path answered each request."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import json
import logging
import re
import runpy
import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pyotp
import pytest
from graphql import FieldNode, NameNode, OperationDefinitionNode, SelectionSetNode, Visitor, parse, print_ast, visit
from sqlalchemy import create_engine, event, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.requests import Request
from starlette.testclient import TestClient

from domain.entities import UserRole
from domain.rules.api_tokens import new_secret
from domain.services import api_tokens, transfers
from persistence.tables import api_tokens_t, audit_t, sessions_t
from resolvers.context import COOKIE_NAME, Context, Loaders
from schema import compiled as plans
from server import compiled, panel
from server.logs import RequestIdFilter
from server.middleware import RequestMiddleware
from server.persisted import sha256
from support import Api, FrozenClock, Seeded, SmtpSink, freeze_clock, unique_orgnr

ROOT = Path(__file__).resolve().parents[2]
BENCH = runpy.run_path(str(ROOT / "bench" / "documents.py"))  # the README's SPA documents
ORIGIN = "https://panel.example.com"
FAST, FALLBACK, ORDINARY = "fast", "fallback", "ordinary"
# Headers that differ between any two requests; content-length is checked against the body instead.
# (RateLimit-Reset does not: the app's clock stands still here.)
VARYING = {"x-request-id", "ratelimit-remaining", "content-length"}
PROBE = "{ __typename }"  # what a caller's budget is now, on the caller's own budget

ADD = "mutation Add($input: AddContactEmailInput!) { addContactEmail(input: $input) { errors { code } } }"
PROFILE = "mutation P($input: UpdateProfileInput!) { updateProfile(input: $input) { errors { code } } }"
SUBMIT = "mutation S($input: SubmitTransferRequestInput!) { submitTransferRequest(input: $input) { errors { code } } }"
CREATE_TOKEN = "mutation T($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret errors { code } } }"
ME = "query Me { me { id email } }"


# --- the clock, the app and the paths taken --------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch)


@pytest.fixture
def api(database_url: str, smtp: SmtpSink, tmp_path: Path, clock: FrozenClock) -> Iterator[Api]:
    with Api.start(database_url, smtp, tmp_path) as running:
        yield running


@pytest.fixture
def on_sqlite(sqlite_url: str, smtp: SmtpSink, tmp_path: Path, clock: FrozenClock) -> Iterator[Api]:
    with Api.start(sqlite_url, smtp, tmp_path) as running:
        yield running


@dataclass
class Paths:
    """Which path answered each /graphql request: FAST (the plan), FALLBACK (a plan was found but
    the ordinary path answered, with the fast path's context and charge) or ORDINARY (no plan)."""

    taken: list[str]
    running: int = 0
    most_at_once: int = 0  # requests inside the fast path at the same time


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> Paths:
    watched = Paths([])
    serve = compiled.serve

    async def watch(view: Any, request: Any) -> Any:
        watched.running += 1
        watched.most_at_once = max(watched.most_at_once, watched.running)
        try:
            response = await serve(view, request)
        finally:
            watched.running -= 1
        if response is not None:
            watched.taken.append(FAST)
        else:
            watched.taken.append(FALLBACK if compiled.CONTEXT_KEY in request.scope else ORDINARY)
        return response

    monkeypatch.setattr(compiled, "serve", watch)
    return watched


@dataclass
class Sent:
    response: httpx.Response
    path: str

    @property
    def body(self) -> dict[str, Any]:
        return dict(self.response.json())

    @property
    def requested(self) -> int:
        return int(self.body["extensions"]["cost"]["requested"])

    @property
    def remaining(self) -> int:
        return int(self.response.headers["ratelimit-remaining"])


def send(
    api: Api,
    paths: Paths,
    body: dict[str, Any],
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    client: TestClient | None = None,
) -> Sent:
    before = len(paths.taken)
    all_headers = {"authorization": f"Bearer {token}"} if token else {}
    response = (client or api.client).post("/graphql", json=body, headers={**all_headers, **(headers or {})})
    assert len(paths.taken) == before + 1
    return Sent(response, paths.taken[-1])


def masked(content: bytes) -> bytes:
    """The body as sent, but the budget left (which every request spends)."""
    return re.sub(rb'"remaining":-?\d+', b'"remaining":0', content)


def header_list(response: httpx.Response) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.headers.multi_items() if k not in VARYING)


def assert_same(ordinary: Sent, other: Sent) -> None:
    """The same status, bytes (but the budget left) and headers; each consistent in itself."""
    assert other.response.status_code == ordinary.response.status_code
    assert masked(other.response.content) == masked(ordinary.response.content)
    assert header_list(other.response) == header_list(ordinary.response)
    for sent in (ordinary, other):
        headers = sent.response.headers
        assert int(headers["content-length"]) == len(sent.response.content)
        assert headers["content-type"] == "application/json" and headers["cache-control"] == "no-store"
        assert "set-cookie" not in headers
        if "extensions" in sent.body:
            assert sent.body["extensions"]["cost"]["remaining"] == sent.remaining


def forget_plans() -> None:
    plans._PLANS.clear()


def planned(query: str, name: str | None = None) -> bool | None:
    """Whether the document has a plan: True, False (remembered as not compilable), None (unknown)."""
    found = [plan for (_, text, given), plan in plans._PLANS.items() if (text, given) == (query, name)]
    return None if not found else found[-1] is not None


def fast_matches_ordinary(api: Api, paths: Paths, body: dict[str, Any], **creds: Any) -> Sent:
    """The ordinary answer (no plan yet: it makes one), then the fast one: the same, charged once."""
    forget_plans()
    ordinary = send(api, paths, body, **creds)
    assert ordinary.path == ORDINARY, ordinary.response.text
    fast = send(api, paths, body, **creds)
    assert fast.path == FAST, (body, fast.response.text)
    assert_same(ordinary, fast)
    assert "errors" not in fast.body
    assert fast.remaining == ordinary.remaining - fast.requested
    return fast


def fallback_matches_ordinary(
    api: Api, paths: Paths, body: dict[str, Any], *, warm: dict[str, Any] | None = None, warm_token: str, **creds: Any
) -> Sent:
    """A plan made by a clean run (`warm`, by `warm_token`); then `body` sent with `creds` is handed to
    the ordinary path and answers exactly as it does without a plan, each charged once."""
    forget_plans()
    assert send(api, paths, warm or body, token=warm_token).path == ORDINARY
    assert planned(body["query"], body.get("operationName"))
    before = send(api, paths, {"query": PROBE}, **creds)
    handed = send(api, paths, body, **creds)
    assert handed.path == FALLBACK, handed.response.text
    forget_plans()
    ordinary = send(api, paths, body, **creds)
    assert ordinary.path == ORDINARY
    assert_same(ordinary, handed)
    assert handed.requested == ordinary.requested
    assert handed.remaining == before.remaining - handed.requested
    assert ordinary.remaining == handed.remaining - ordinary.requested
    return handed


# --- data ------------------------------------------------------------------------------------------


@dataclass
class World:
    admin: Seeded
    member: Seeded
    cloud: Seeded
    token: str  # the admin's API token: PROFILE_READ, ACCOUNT_READ, AUDIT_READ
    narrow: str  # the admin's API token: PROFILE_READ only


def secret_for(api: Api, user: Seeded, scopes: list[str]) -> str:
    name = "CI " + "+".join(scopes)
    variables = {"input": {"name": name, "scopes": scopes, "currentPassword": user.password}}
    made = api.data(CREATE_TOKEN, variables, token=user.token)["createApiToken"]
    assert made["errors"] == [], made
    return str(made["secret"])


def seed(api: Api) -> World:
    """An account with contacts, a located profile, a transfer request, two sessions and two tokens;
    a member with nothing set; a cloud admin."""
    admin = api.new_account()
    member = api.new_user(admin.account_id)
    tag = secrets.token_hex(4)
    for n in range(3):
        added = api.data(ADD, {"input": {"email": f"c{n}-{tag}@example.com"}}, token=admin.token)
        assert added["addContactEmail"]["errors"] == []
    location = {"country": "SE", "city": "Malmö"}
    changes = {"expectedVersion": 1, "phone": "+46701234567", "location": location, "jobTitle": "Ekonom"}
    assert api.data(PROFILE, {"input": changes}, token=admin.token)["updateProfile"]["errors"] == []
    transfer = {"requestedNumber": unique_orgnr(), "newHolderName": "Nya Ägare AB"}
    assert api.data(SUBMIT, {"input": transfer}, token=admin.token)["submitTransferRequest"]["errors"] == []
    api.login(admin.email, admin.password)  # a second session
    token = secret_for(api, admin, ["PROFILE_READ", "ACCOUNT_READ", "AUDIT_READ"])
    narrow = secret_for(api, admin, ["PROFILE_READ"])
    cloud = api.new_account(role=UserRole.CLOUD_ADMIN)
    api.client.cookies.clear()  # the sign-ins' cookies: requests here carry what each test gives
    return World(admin, member, cloud, token, narrow)


class _AddTypenames(Visitor):
    def leave_selection_set(self, node: SelectionSetNode, _key: Any, parent: Any, *_: Any) -> Any:
        if isinstance(parent, OperationDefinitionNode):
            return None
        if any(isinstance(s, FieldNode) and s.name.value == "__typename" for s in node.selections):
            return None
        return SelectionSetNode(selections=(*node.selections, FieldNode(name=NameNode(value="__typename"))))


def panel_queries() -> dict[str, str]:
    """Every query the panel sends (web/src), as urql sends it: `__typename` in every selection set
    below the root (urql's cache adds it)."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "web" / "src").rglob("*.tsx")):
        for text in re.findall(r"graphql\(`(.*?)`\)", path.read_text(encoding="utf-8"), re.S):
            document = parse(text)
            operation = document.definitions[0]
            if isinstance(operation, OperationDefinitionNode) and operation.operation.value == "query":
                assert operation.name is not None
                found[operation.name.value] = print_ast(visit(document, _AddTypenames()))
    return found


# --- 1. the same answers -----------------------------------------------------------------------------


def test_the_readme_documents_answer_the_same_on_the_fast_path(api: Api, paths: Paths) -> None:
    world = seed(api)
    for name in ("ME", "SETTINGS", "BILLING"):
        fast_matches_ordinary(api, paths, {"query": BENCH[name]}, token=world.admin.token)
    fast_matches_ordinary(api, paths, {"query": BENCH["ME"]}, token=world.member.token)  # nulls: nothing set
    fast_matches_ordinary(api, paths, {"query": BENCH["SETTINGS"]}, token=world.token)
    me = fast_matches_ordinary(api, paths, {"query": BENCH["ME"], "operationName": "Me"}, token=world.admin.token)
    assert len(me.body["data"]["me"]["account"]["contacts"]) == 4 and len(me.body["data"]["me"]["sessions"]) == 2


def test_every_query_the_panel_sends_answers_the_same_on_the_fast_path(api: Api, paths: Paths) -> None:
    world = seed(api)
    queries = panel_queries()
    assert {"Viewer", "Profile", "Contacts", "Sessions", "SecurityEvents", "TransferQueue"} <= set(queries)
    for name, text in queries.items():
        variables = {"first": 2, "after": None} if name == "SecurityEvents" else {}
        token = world.cloud.token if name == "TransferQueue" else world.admin.token
        fast_matches_ordinary(api, paths, {"query": text, "operationName": name, "variables": variables}, token=token)
    # The security log's next page, by the cursor the first one ended with.
    body = {"query": queries["SecurityEvents"], "operationName": "SecurityEvents", "variables": {"first": 2}}
    first = fast_matches_ordinary(api, paths, body, token=world.admin.token).body["data"]["me"]["securityEvents"]
    assert first["pageInfo"]["hasNextPage"] and len(first["edges"]) == 2
    body["variables"]["after"] = first["pageInfo"]["endCursor"]
    second = fast_matches_ordinary(api, paths, body, token=world.admin.token).body["data"]["me"]["securityEvents"]
    assert second["edges"] and second["edges"][0]["cursor"] != first["edges"][0]["cursor"]


SHAPES = {
    "fragments": """query Fragments { me { ...Who account { ...Holder } } }
fragment Who on User { id email role profile { ...Names } }
fragment Names on Profile { firstName lastName location { country city } }
fragment Holder on Account { id kind contacts { ...Contact } customerInfo { companyName address { city } } }
fragment Contact on ContactEmail { id email verified roles createdAt }""",
    "inline fragments": """{ me { ... on User { id } ... { email }
      account { ... on Account { kind } ... on Node { id } } } }""",
    "aliases": "{ first: me { id } second: me { mail: email role } me { id } }",
    "one field twice": """{ me { profile { firstName } profile { lastName location { city } }
      account { contacts { id } contacts { email verified } } } }""",
    "typenames": """{ __typename me { __typename account { __typename contacts { __typename id }
      customerInfo { __typename } } } again: __typename }""",
    "literal arguments": """{ me {
      securityEvents(first: 3) { edges { cursor node { action via } } pageInfo { hasNextPage endCursor } }
      account { auditLog(first: 2, filter: {actions: ["contact."]}) {
        edges { node { action changedFields actorEmail actor { email } } } pageInfo { hasNextPage } } } } }""",
    "nested lists": """{ me { sessions { id current createdAt lastSeenAt userAgent }
      apiTokens { name scopes lastUsedAt revokedAt owner { email } }
      account { contacts { id roles } transferRequests { status requestedNumber } } } }""",
    "two operations, one named": "query A { me { id } } query B { me { email } }",
}


def test_document_shapes_answer_the_same_on_the_fast_path(api: Api, paths: Paths) -> None:
    world = seed(api)
    for name, query in SHAPES.items():
        body = {"query": query, "operationName": "B" if name.startswith("two") else None}
        fast_matches_ordinary(api, paths, body, token=world.admin.token)
    # The same text with the other operation has a plan of its own.
    fast_matches_ordinary(
        api, paths, {"query": SHAPES["two operations, one named"], "operationName": "A"}, token=world.admin.token
    )
    nulls = """{ me { profile { phone pendingEmail location { city } jobTitle }
      account { personalNumber customerInfo { address { line2 } purchaseOrderNumber } } }
      currentCredential { kind apiToken { name } } }"""
    answer = fast_matches_ordinary(api, paths, {"query": nulls}, token=world.member.token).body["data"]
    assert answer["me"]["profile"]["location"] is None and answer["currentCredential"]["apiToken"] is None
    credential = "{ currentCredential { kind scopes expiresAt apiToken { name prefix scopes } } }"
    fast_matches_ordinary(api, paths, {"query": credential}, token=world.token)
    anonymous = fast_matches_ordinary(api, paths, {"query": "{ me { id } currentCredential { kind } }"})
    assert anonymous.body["data"] == {"me": None, "currentCredential": None}


def test_variables_with_defaults_lists_and_nulls_answer_the_same_on_the_fast_path(api: Api, paths: Paths) -> None:
    world = seed(api)
    page = """query Page($first: Int = 2, $after: String, $actions: [String!] = ["contact.add"]) {
      me { account { auditLog(first: $first, after: $after, filter: {actions: $actions}) {
        edges { cursor node { action subjectType changedFields } } pageInfo { hasNextPage endCursor } } } } }"""
    first = fast_matches_ordinary(api, paths, {"query": page, "variables": {}}, token=world.admin.token)
    log = first.body["data"]["me"]["account"]["auditLog"]
    assert [e["node"]["action"] for e in log["edges"]] == ["contact.add"] * 2 and log["pageInfo"]["hasNextPage"]
    cursor = log["pageInfo"]["endCursor"]
    for variables in (
        {"first": 1},
        {"first": 3, "actions": ["contact.", "profile."]},
        {"first": 5, "after": cursor},
        {"actions": None, "after": None},
        {"first": 0},
    ):
        fast_matches_ordinary(api, paths, {"query": page, "variables": variables}, token=world.admin.token)
    queue = "query L($status: TransferRequestStatus) { transferRequests(status: $status) { id status account { id } } }"
    for variables in ({}, {"status": "SUBMITTED"}, {"status": None}):
        fast_matches_ordinary(api, paths, {"query": queue, "variables": variables}, token=world.cloud.token)


def test_the_session_cookie_answers_the_same_on_the_fast_path_with_the_budget_it_spends(api: Api, paths: Paths) -> None:
    world = seed(api)
    api.client.cookies.set(COOKIE_NAME, world.admin.token or "")
    body = {"query": BENCH["SETTINGS"]}
    panel_side = fast_matches_ordinary(api, paths, body, headers={"origin": ORIGIN})
    # From elsewhere (no allowed Origin), the same cookie spends a budget of its own, on both paths.
    probe = send(api, paths, {"query": PROBE})
    elsewhere = fast_matches_ordinary(api, paths, body)
    assert elsewhere.body["data"] == panel_side.body["data"]
    assert elsewhere.remaining == probe.remaining - 2 * elsewhere.requested
    assert send(api, paths, body, headers={"origin": ORIGIN}).remaining == panel_side.remaining - panel_side.requested


def test_a_document_by_hash_answers_the_same_on_the_fast_path(api: Api, paths: Paths) -> None:
    world = seed(api)
    query = "query ByHash { me { email account { contacts { email } } } }"
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256(query)}}
    forget_plans()
    registered = send(api, paths, {"query": query, "extensions": extensions}, token=world.admin.token)
    assert registered.path == ORDINARY
    for body in ({"extensions": extensions}, {"query": query, "extensions": extensions}, {"query": query}):
        fast = send(api, paths, body, token=world.admin.token)
        assert fast.path == FAST
        assert_same(registered, fast)
    # The protocol's refusals stay the ordinary path's: an unknown hash, a text that is not the hash's.
    unknown = send(api, paths, {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}})
    assert unknown.path == ORDINARY and unknown.body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    wrong = send(api, paths, {"query": ME, "extensions": extensions}, token=world.admin.token)
    assert wrong.path == ORDINARY and wrong.response.status_code == 400


def test_a_body_strawberry_refuses_is_refused_even_when_its_document_has_a_plan(api: Api, paths: Paths) -> None:
    user = api.new_account()
    forget_plans()
    assert send(api, paths, {"query": ME}, token=user.token).path == ORDINARY
    for odd in ({"extensions": "yes"}, {"extensions": [1]}, {"variables": [1]}, {"variables": "{}"}):
        refused = send(api, paths, {"query": ME, **odd}, token=user.token)
        assert refused.path == ORDINARY and refused.response.status_code == 400, refused.response.text
        assert refused.body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


# What each extension of the served schema does, and how the fast path, which runs none of them, keeps it.
STOOD_IN_FOR = {
    "MaxTokensLimiter": "the text's own: a plan's text passed it when its plan was made",
    "LimitedValidation": "the text's own, likewise",
    "ParserCache": "nothing to parse: the plan holds the document",
    "ValidationCache": "nothing to validate, likewise",
    "MaskErrors": "an error falls back, and the ordinary path masks it",
    "ReadPlan": "plan.reads",
    "ScopeCheck": "plan.needs, checked before the charge",
    "RecordOperation": "the request's facts, set from the plan",
    "ChargeCost": "the limiter's charge; the ordinary path reuses its verdict",
    "CompilePlan": "nothing: it made the plan",
    "AnswerIntrospection": "nothing: introspection documents never get a plan",
}


def test_every_extension_of_the_served_schema_is_one_the_fast_path_stands_in_for(on_sqlite: Api) -> None:
    """The fast path runs no Strawberry extension: one added to the schema must be looked at in
    server/compiled.py (and named above) first."""
    route = next(r for r in on_sqlite.client.app.routes if getattr(r, "path", None) == "/graphql")  # type: ignore[attr-defined]
    view = route.app.app  # the rate limiter's headers around the GraphQLView
    made = [factory if isinstance(factory, type) else type(factory()) for factory in view.schema.extensions]
    assert sorted(kind.__name__ for kind in made) == sorted(STOOD_IN_FOR)


# --- 2. fallbacks answer like the ordinary path, charged once ------------------------------------------


def test_a_token_without_the_scope_is_refused_as_on_the_ordinary_path(api: Api, paths: Paths) -> None:
    world = seed(api)
    refused = fallback_matches_ordinary(
        api, paths, {"query": BENCH["SETTINGS"]}, warm_token=world.token, token=world.narrow
    ).body
    assert refused["data"] is None and refused["errors"]
    for error in refused["errors"]:
        assert error["extensions"]["code"] == "FORBIDDEN" and "ACCOUNT_READ" in error["extensions"]["requiredScopes"]
    sessions_only = "{ me { email apiTokens { name } } }"
    body = fallback_matches_ordinary(
        api, paths, {"query": sessions_only}, warm_token=world.admin.token, token=world.token
    )
    assert [e["extensions"] for e in body.body["errors"]] == [{"code": "FORBIDDEN", "requiredScopes": []}]


def test_missing_expired_and_garbage_credentials_are_unauthenticated_as_on_the_ordinary_path(
    api: Api, paths: Paths, clock: FrozenClock
) -> None:
    world = seed(api)
    billing = {"query": "query Billing { billingProfile { legalName } }"}
    expired_token = secret_for(api, world.admin, ["BILLING_READ"])
    with api.runtime.engine.begin() as conn:
        conn.execute(
            update(api_tokens_t)
            .where(api_tokens_t.c.token_hash == api.deps.keyring.digest(api_tokens.PURPOSE, expired_token))
            .values(expires_at=clock.now - timedelta(days=1))
        )
    stale = api.login(world.member.email, world.member.password)
    clock.advance(api.runtime.settings.session_idle_ttl + 1)
    fresh = api.login(world.member.email, world.member.password)
    api.client.cookies.clear()
    for token in (None, stale, "garbage", new_secret(), expired_token):
        body = fallback_matches_ordinary(api, paths, billing, warm_token=fresh, token=token).body
        assert body["data"] == {"billingProfile": None}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_a_member_asking_for_an_admin_field_is_forbidden_as_on_the_ordinary_path(api: Api, paths: Paths) -> None:
    world = seed(api)
    audit = {"query": "{ me { email account { auditLog(first: 2) { edges { node { action } } } } } }"}
    body = fallback_matches_ordinary(api, paths, audit, warm_token=world.admin.token, token=world.member.token).body
    assert body["data"] == {"me": None}  # auditLog and account are non-null: the null reaches `me`
    assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [
        ("FORBIDDEN", ["me", "account", "auditLog"])
    ]


def test_variables_that_do_not_fit_answer_as_on_the_ordinary_path(api: Api, paths: Paths) -> None:
    world = seed(api)
    query = "query Events($first: Int) { me { securityEvents(first: $first) { edges { node { action } } } } }"
    warm = {"query": query, "variables": {"first": 2}}
    for variables in ({"first": "two"}, {"first": 2.5}, {"first": 101}, {"first": -1}):
        body = {"query": query, "variables": variables}
        answer = fallback_matches_ordinary(
            api, paths, body, warm=warm, warm_token=world.admin.token, token=world.admin.token
        )
        assert answer.body["errors"], answer.body
    cursor = "query Page($after: String) { me { securityEvents(first: 1, after: $after) { edges { cursor } } } }"
    bad_cursor = {"query": cursor, "variables": {"after": "not a cursor"}}
    warm = {"query": cursor, "variables": {}}
    answer = fallback_matches_ordinary(
        api, paths, bad_cursor, warm=warm, warm_token=world.admin.token, token=world.admin.token
    )
    assert answer.body["errors"]
    required = "query Need($first: Int!) { me { securityEvents(first: $first) { edges { cursor } } } }"
    warm = {"query": required, "variables": {"first": 1}}
    missing = {"query": required, "variables": {}}
    answer = fallback_matches_ordinary(
        api, paths, missing, warm=warm, warm_token=world.admin.token, token=world.admin.token
    )
    assert answer.body["errors"] and answer.body["data"] is None


def test_a_resolver_failing_mid_document_is_masked_and_logged_once_as_on_the_ordinary_path(
    api: Api, paths: Paths, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    world = seed(api)
    query = {"query": "{ me { email account { kind transferRequests { status } } profile { firstName } } }"}
    forget_plans()
    assert send(api, paths, query, token=world.admin.token).path == ORDINARY

    def broken(*_: Any) -> Any:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(transfers, "transfers_for_accounts", broken)
    with caplog.at_level(logging.ERROR, logger="tenantry.graphql"):
        handed = send(api, paths, query, token=world.admin.token)
        assert handed.path == FALLBACK
        logged = [r for r in caplog.records if r.getMessage().startswith("unexpected error")]
        assert len(logged) == 1  # the fast path's own try is silent; the ordinary path logs it
        forget_plans()
        ordinary = send(api, paths, query, token=world.admin.token)
    assert ordinary.path == ORDINARY
    assert_same(ordinary, handed)
    assert handed.body["data"] == {"me": None}
    assert handed.body["errors"][0]["message"] == "Unexpected error."
    assert ordinary.remaining == handed.remaining - handed.requested


def test_a_failing_look_up_of_an_api_token_answers_as_on_the_ordinary_path(
    api: Api, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database fault while the fast path checks a token's scopes: the ordinary path's answer
    (masked), never a 500."""
    world = seed(api)
    forget_plans()
    assert send(api, paths, {"query": ME}, token=world.token).path == ORDINARY
    import resolvers.context

    async def down(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the database is down")

    monkeypatch.setattr(resolvers.context, "authenticate", down)
    answers = []
    for path in (FALLBACK, ORDINARY):
        answer = send(api, paths, {"query": ME}, token=world.token)
        assert answer.path == path and answer.response.status_code == 200
        answers.append(answer)
        forget_plans()
    assert_same(answers[1], answers[0])
    assert answers[0].body["data"] == {"me": None} and answers[0].body["errors"][0]["message"] == "Unexpected error."


@pytest.fixture
def limited(database_url: str, smtp: SmtpSink, tmp_path: Path, clock: FrozenClock) -> Iterator[Api]:
    with Api.start(database_url, smtp, tmp_path, rate_limit_points=100, rate_limit_anonymous_points=100) as running:
        yield running


def test_a_spent_budget_is_refused_as_on_the_ordinary_path_and_nothing_is_charged(limited: Api, paths: Paths) -> None:
    user = limited.new_account()
    body = {"query": "query Contacts { me { account { contacts { email } } } }"}
    forget_plans()
    last = send(limited, paths, body, token=user.token)
    assert last.path == ORDINARY
    cost = last.requested
    while last.remaining >= cost:
        last = send(limited, paths, body, token=user.token)
        assert last.path == FAST and last.response.status_code == 200
    refused = send(limited, paths, body, token=user.token)
    assert refused.path == FAST  # refused where it stands: a flood of spent budgets costs the loop little
    forget_plans()
    ordinary = send(limited, paths, body, token=user.token)
    assert ordinary.path == ORDINARY
    assert_same(ordinary, refused)
    assert refused.response.status_code == 429 and refused.body["data"] is None
    assert [e["extensions"]["code"] for e in refused.body["errors"]] == ["RATE_LIMITED"]
    assert refused.response.headers["retry-after"] == refused.response.headers["ratelimit-reset"]
    assert refused.remaining == ordinary.remaining == last.remaining  # refusals spend nothing


@pytest.fixture
def persisted_only(
    database_url: str, smtp: SmtpSink, tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Api]:
    """Persisted-only mode, with a panel build whose manifest holds ME."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html>")
    (dist / "persisted-operations.json").write_text(json.dumps({sha256(ME): ME}))
    monkeypatch.setattr(panel, "PANEL_DIR", dist)
    with Api.start(database_url, smtp, tmp_path / "var", persisted_only=True) as running:
        yield running


def test_persisted_only_holds_for_cookies_on_the_fast_path(persisted_only: Api, paths: Paths) -> None:
    api = persisted_only
    user = api.new_account()
    other = "query Other { me { id email } }"
    forget_plans()
    for query in (ME, other):  # plans made by a bearer token, which the rule does not hold
        assert send(api, paths, {"query": query}, token=user.token).path == ORDINARY
        assert send(api, paths, {"query": query}, token=user.token).path == FAST
    api.client.cookies.set(COOKIE_NAME, user.token or "")
    before = send(api, paths, {"query": ME}, headers={"origin": ORIGIN})
    assert before.path == FAST  # the manifest's text
    by_hash = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(ME)}}}
    hashed = send(api, paths, by_hash, headers={"origin": ORIGIN})
    assert hashed.path == FAST
    assert_same(before, hashed)
    refused = send(api, paths, {"query": other}, headers={"origin": ORIGIN})
    assert refused.path == ORDINARY and refused.response.status_code == 403
    assert refused.body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    assert refused.requested == 0 and refused.remaining == hashed.remaining  # refused before any charge


# --- 3. what plans do not cover ------------------------------------------------------------------------


def test_documents_plans_do_not_cover_still_answer_and_never_get_a_plan(api: Api, paths: Paths) -> None:
    world = seed(api)
    account_id = api.data("{ me { account { id } } }", token=world.admin.token)["me"]["account"]["id"]
    cases: list[tuple[str, dict[str, Any]]] = [
        ("query Q($with: Boolean!) { me { id email @include(if: $with) } }", {"with": True}),
        ("query Q($with: Boolean!) { me { id email @include(if: $with) } }", {"with": False}),
        ("query Q($skip: Boolean!) { me { id profile @skip(if: $skip) { firstName } } }", {"skip": True}),
        ("query N($id: ID!) { node(id: $id) { id ... on Account { kind } } }", {"id": account_id}),
        ("{ __schema { queryType { name } } }", {}),
        ('{ __type(name: "User") { name kind } me { id } }', {}),
    ]
    forget_plans()
    for query, variables in cases:
        answers = [
            send(api, paths, {"query": query, "variables": variables}, token=world.admin.token) for _ in range(3)
        ]
        assert [a.path for a in answers] == [ORDINARY] * 3
        assert planned(query) is False
        assert all("errors" not in a.body for a in answers)
        assert masked(answers[1].response.content) == masked(answers[2].response.content)
    assert api.data(cases[0][0], cases[0][1], token=world.admin.token)["me"]["email"] == world.admin.email
    assert "email" not in api.data(cases[1][0], cases[1][1], token=world.admin.token)["me"]
    # A query that failed never gets a plan; nor does a GET.
    for _ in range(2):
        failed = send(api, paths, {"query": "{ billingProfile { legalName } }"})
        assert failed.path == ORDINARY and failed.body["errors"]
    assert planned("{ billingProfile { legalName } }") is None
    for _ in range(2):
        got = api.client.get("/graphql", params={"query": ME}, headers={"authorization": f"Bearer {world.admin.token}"})
        assert got.json()["data"]["me"]["email"] == world.admin.email
    assert paths.taken[-2:] == [ORDINARY, ORDINARY]


def test_a_mutation_never_takes_the_fast_path(api: Api, paths: Paths) -> None:
    user = api.new_account()
    both = f"query Q {{ me {{ email }} }} {ADD.replace('mutation Add', 'mutation M')}"
    forget_plans()
    for n in range(3):
        for query, name in ((ADD, None), (both, "M")):
            variables = {"input": {"email": f"m{n}-{name}-{secrets.token_hex(3)}@example.com"}}
            added = send(api, paths, {"query": query, "operationName": name, "variables": variables}, token=user.token)
            assert added.path == ORDINARY and added.body["data"]["addContactEmail"] == {"errors": []}
    # Remembered as not compilable: the one mutation with a plan is the sign-in (schema.compiled.MUTATIONS).
    assert planned(ADD) is False and planned(both, "M") is False
    assert [send(api, paths, {"query": both, "operationName": "Q"}, token=user.token).path for _ in range(2)] == [
        ORDINARY,
        FAST,
    ]
    contacts = api.data("{ me { account { contacts { email } } } }", token=user.token)["me"]["account"]["contacts"]
    assert len(contacts) == 1 + 6


# --- 4. the caller read on the event loop ------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    sql: str
    loop_engine: bool  # ran through runtime.loop_engine (SQLite)
    on_loop: bool  # ran on the event loop's thread (not in the thread pool)
    awaited: bool = False  # ran through runtime.loop_reads (PostgreSQL's asynchronous driver)


@contextmanager
def recorded(api: Api) -> Iterator[list[Statement]]:
    seen: list[Statement] = []

    def record(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        awaited = api.runtime.loop_reads is not None and conn.engine is api.runtime.loop_reads.sync_engine
        seen.append(Statement(statement, conn.engine is api.runtime.loop_engine, on_loop, awaited))

    for engine in api.runtime.engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in api.runtime.engines:
            event.remove(engine, "before_cursor_execute", record)


def look_ups(seen: list[Statement]) -> list[Statement]:
    return [s for s in seen if re.search(r"\bFROM (sessions|api_tokens)\b", s.sql)]


def writes(seen: list[Statement]) -> list[str]:
    """The statements that wrote a session or a token (the outbox and the counters write on their own)."""
    words = [s.sql.split() for s in seen]
    return sorted(f"{w[0]} {w[1]}" for w in words if w[0] == "UPDATE" and w[1] in ("sessions", "api_tokens"))


def test_the_caller_is_read_on_the_event_loop_without_a_thread_hop(api: Api, paths: Paths) -> None:
    """SQLite: through a read-only connection of the loop's own. PostgreSQL: awaited through the
    asynchronous driver, on read-only autocommit connections (no BEGIN, no ROLLBACK)."""
    runtime = api.runtime
    sqlite = runtime.settings.is_sqlite
    if sqlite:
        assert runtime.deps.loop_uow is not None and runtime.loop_engine in runtime.engines
        assert runtime.deps.loop_reads is None and runtime.loop_reads is None and runtime.read_engine is None
        with runtime.loop_engine.connect() as conn:  # type: ignore[union-attr]
            assert conn.exec_driver_sql("PRAGMA query_only").scalar() == 1
    else:
        assert runtime.deps.loop_uow is None and runtime.loop_engine is None
        assert runtime.deps.loop_reads is not None and runtime.loop_reads is not None
        assert runtime.read_engine is not None and runtime.read_engine in runtime.engines
        assert runtime.loop_reads.sync_engine in runtime.engines
        with runtime.read_engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW default_transaction_read_only").scalar() == "on"
            with pytest.raises(DBAPIError, match="read-only transaction"):
                conn.exec_driver_sql("UPDATE sessions SET user_agent = user_agent")
    user = api.new_account()
    secret = secret_for(api, user, ["PROFILE_READ", "ACCOUNT_READ"])
    for credential in (user.token, secret):
        for _ in range(2):  # the plan, the budget's first read, the token's first use noted
            send(api, paths, {"query": BENCH["SETTINGS"]}, token=credential)
        with recorded(api) as seen:
            fast = send(api, paths, {"query": BENCH["SETTINGS"]}, token=credential)
        assert fast.path == FAST and fast.body["data"]["me"]["email"] == user.email
        assert look_ups(seen), seen
        assert all(s.on_loop and s.loop_engine == sqlite and s.awaited != sqlite for s in look_ups(seen)), seen
        assert writes(seen) == []
        if not sqlite:
            assert not [s for s in seen if s.awaited and s.sql.split()[0] in ("BEGIN", "ROLLBACK", "COMMIT")], seen


def test_a_failed_read_on_the_event_loop_is_tried_again_in_the_thread_pool(
    api: Api, paths: Paths, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    user = api.new_account()
    secret = secret_for(api, user, ["PROFILE_READ", "ACCOUNT_READ"])
    body = {"query": BENCH["SETTINGS"]}
    expected = {}
    for credential in (user.token, secret):
        send(api, paths, body, token=credential)
        expected[credential] = send(api, paths, body, token=credential)
    # The loop's connection cannot be had (as when the file is locked or gone, or the server down):
    # every read fails there.
    if api.deps.loop_uow is not None:
        unreachable: Any = create_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
        monkeypatch.setattr(api.deps.loop_uow, "engine", unreachable)
        api.deps.loop_uow.close()  # the connection it kept goes too: the next read connects anew
    else:
        unreachable = create_async_engine(
            "postgresql+psycopg://127.0.0.1:1/nowhere", connect_args={"connect_timeout": 2}
        )
        monkeypatch.setattr(api.deps.loop_reads, "engine", unreachable)
    for credential in (user.token, secret):
        with caplog.at_level(logging.WARNING, logger="tenantry"), recorded(api) as seen:
            caplog.clear()
            answer = send(api, paths, body, token=credential)
        assert answer.path == FAST
        assert_same(expected[credential], answer)
        assert answer.remaining == expected[credential].remaining - answer.requested
        warned = [r for r in caplog.records if r.getMessage().startswith("a look-up on the event loop failed")]
        assert len(warned) == 1 and warned[0].exc_info is not None
        assert look_ups(seen) and all(not s.loop_engine and not s.awaited and not s.on_loop for s in look_ups(seen))
    if isinstance(unreachable, AsyncEngine):
        unreachable.sync_engine.dispose(close=False)
    else:
        unreachable.dispose()


def test_last_seen_and_last_used_are_written_at_most_once_a_minute(api: Api, paths: Paths, clock: FrozenClock) -> None:
    user = api.new_account()  # signed in now: the session was seen now
    secret = secret_for(api, user, ["PROFILE_READ"])
    started = clock.now
    digest = api.deps.keyring.digest(api_tokens.PURPOSE, secret)

    def last_seen() -> datetime:
        with api.runtime.engine.connect() as conn:
            query = select(sessions_t.c.last_seen_at).where(sessions_t.c.user_id == user.user_id)
            return conn.execute(query).scalar_one()  # type: ignore[no-any-return]

    def last_used() -> tuple[datetime | None, str | None]:
        with api.runtime.engine.connect() as conn:
            columns = (api_tokens_t.c.last_used_at, api_tokens_t.c.last_used_ip)
            row = conn.execute(select(*columns).where(api_tokens_t.c.token_hash == digest)).one()
            return row[0], row[1]

    forget_plans()
    assert send(api, paths, {"query": ME}, token=user.token).path == ORDINARY
    assert last_used() == (None, None)
    assert send(api, paths, {"query": ME}, token=secret).path == FAST  # its first use is noted
    used_at, used_ip = last_used()
    assert used_at == started and used_ip is not None and used_ip.startswith("10.")  # the client's (Api.start)
    elsewhere = TestClient(api.client.app, base_url="https://testserver", client=("10.99.0.1", 50000))
    for advance, expected_seen, expected_used in (
        (30, started, (started, used_ip)),
        (31, started + timedelta(seconds=61), (started + timedelta(seconds=61), "10.99.0.1")),
        (30, started + timedelta(seconds=61), (started + timedelta(seconds=61), "10.99.0.1")),
    ):
        clock.advance(advance)
        with recorded(api) as seen:
            assert send(api, paths, {"query": ME}, token=user.token).path == FAST
            assert send(api, paths, {"query": ME}, token=secret, client=elsewhere).path == FAST
        assert last_seen() == expected_seen and last_used() == expected_used
        due = clock.now == started + timedelta(seconds=61)
        assert writes(seen) == (["UPDATE api_tokens", "UPDATE sessions"] if due else [])
        # The reads on the loop; the writes never: the thread pool's, through the main engine.
        sqlite = api.runtime.settings.is_sqlite
        assert all(s.on_loop and s.loop_engine == sqlite and s.awaited != sqlite for s in look_ups(seen))
        assert all(not (s.loop_engine or s.awaited or s.on_loop) for s in seen if s.sql.startswith("UPDATE"))


# --- 5. the access log ---------------------------------------------------------------------------------


@pytest.fixture
def logged(database_url: str, smtp: SmtpSink, tmp_path: Path, clock: FrozenClock) -> Iterator[Api]:
    with Api.start(database_url, smtp, tmp_path, access_log=True) as running:
        yield running


def access_fields(records: list[logging.LogRecord], sent: Sent) -> dict[str, Any]:
    rid = sent.response.headers["x-request-id"]
    lines = [r for r in records if r.name == "tenantry.access" and r.request_id == rid]  # type: ignore[attr-defined]
    assert len(lines) == 1, [r.getMessage() for r in records]
    fields = dict(lines[0].fields)  # type: ignore[attr-defined]
    assert fields.pop("duration_ms") >= 0
    return fields


def test_the_access_line_of_a_fast_request_names_the_operation_and_the_user(
    logged: Api, paths: Paths, caplog: pytest.LogCaptureFixture
) -> None:
    api = logged
    admin = api.new_account()
    member = api.new_user(admin.account_id)
    audit = "query Audit { me { email account { auditLog(first: 1) { edges { node { action } } } } } }"
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="tenantry"):
        forget_plans()
        cases = [
            ({"query": BENCH["ME"], "operationName": "Me"}, "Me"),
            ({"query": BENCH["ME"]}, "Me"),  # the name from the document
            ({"query": "{ me { id } }"}, None),
            ({"query": audit}, "Audit"),
        ]
        for body, name in cases:
            ordinary, fast = (send(api, paths, body, token=admin.token) for _ in range(2))
            assert (ordinary.path, fast.path) == (ORDINARY, FAST)
            fields = access_fields(caplog.records, fast)
            assert fields == access_fields(caplog.records, ordinary)
            assert (fields["operation_type"], fields["operation_name"]) == ("query", name)
            assert fields["user"] is not None and fields["error_codes"] == []
        handed = send(api, paths, {"query": audit}, token=member.token)
        assert handed.path == FALLBACK
        fields = access_fields(caplog.records, handed)
        assert (fields["operation_name"], fields["error_codes"]) == ("Audit", ["FORBIDDEN"])
        assert fields["user"] is not None and fields["user"] != access_fields(caplog.records, fast)["user"]
    line = next(
        r
        for r in caplog.records
        if r.name == "tenantry.access" and r.request_id == fast.response.headers["x-request-id"]
    )  # type: ignore[attr-defined]
    assert " query Audit user=" in line.getMessage()


# --- 6. concurrency --------------------------------------------------------------------------------------


def test_twenty_concurrent_fast_requests_each_get_their_own_answer_and_charge(api: Api, paths: Paths) -> None:
    users = [api.new_account() for _ in range(3)]
    member = api.new_user(users[0].account_id)
    secret = secret_for(api, users[1], ["PROFILE_READ", "ACCOUNT_READ"])
    audit = "query Audit { me { email account { auditLog(first: 1) { edges { node { action } } } } } }"
    callers: list[tuple[str, str]] = [(u.token or "", BENCH["ME"]) for u in users]
    callers += [(secret, BENCH["SETTINGS"]), (member.token or "", audit)]  # the member's: a fallback each
    api.client.cookies.clear()
    send(api, paths, {"query": audit}, token=users[0].token)  # the member's document ran cleanly: a plan
    expected: dict[str, Sent] = {}
    for credential, query in callers:
        send(api, paths, {"query": query}, token=credential)
        expected[credential] = send(api, paths, {"query": query}, token=credential)
    assert [expected[c].path for c, _ in callers] == [FAST] * 4 + [FALLBACK]
    jobs = [callers[i % len(callers)] for i in range(20)]
    start = threading.Barrier(len(jobs))

    def call(job: tuple[str, str]) -> httpx.Response:
        start.wait()
        return api.client.post("/graphql", json={"query": job[1]}, headers={"authorization": f"Bearer {job[0]}"})

    before = len(paths.taken)
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        answers = list(pool.map(call, jobs))
    assert sorted(paths.taken[before:]) == sorted([FAST] * 16 + [FALLBACK] * 4)
    assert paths.most_at_once > 1  # they did overlap on the event loop
    for (credential, _), answer in zip(jobs, answers, strict=True):
        assert answer.status_code == 200
        assert masked(answer.content) == masked(expected[credential].response.content)
        assert header_list(answer) == header_list(expected[credential].response)
    for credential, _ in callers:  # each charged once: four requests, four distinct budgets left
        cost = expected[credential].requested
        left = sorted(
            int(a.headers["ratelimit-remaining"]) for (c, _), a in zip(jobs, answers, strict=True) if c == credential
        )
        assert left == [expected[credential].remaining - k * cost for k in (4, 3, 2, 1)]


LOGIN_DOC = """mutation Login($input: LoginInput!) {
  login(input: $input) { token user { id } mfaRequired errors { field code message retryAfterSeconds } }
}"""


def test_a_refused_sign_in_is_answered_early_and_the_same(api: Api, paths: Paths, monkeypatch: Any) -> None:
    """A sign-in the hasher cannot take (a flood) is refused from the plan of its document, with the
    ordinary answer (payload, Retry-After, the charge)."""
    user = api.new_account()
    api.client.cookies.clear()  # a new device: a known one (this client's device cookie) goes on to login
    body = {"query": LOGIN_DOC, "variables": {"input": {"email": user.email, "password": user.password}}}
    with monkeypatch.context() as busy:
        busy.setattr(api.deps.hasher, "saturated", lambda: True)
        ordinary, early = refused_twice(api, paths, body)
    assert ordinary.path == ORDINARY and early.path == FAST, early.response.text
    assert early.response.status_code == ordinary.response.status_code == 200
    assert masked(early.response.content) == masked(ordinary.response.content)
    assert header_list(early.response) == header_list(ordinary.response)
    assert early.response.headers["retry-after"] == "1"
    assert early.body["data"]["login"]["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert early.body["data"]["login"]["token"] is None
    assert early.remaining == ordinary.remaining - early.requested


def test_a_sign_in_that_goes_on_runs_on_its_plan_with_the_ordinary_answer(api: Api, paths: Paths) -> None:
    """Wrong and right passwords from a new device answer on the plan as on the ordinary path: the same
    payload, headers and cookies (a new session and device token each time), one attempt counted."""
    user = api.new_account()
    api.client.cookies.clear()
    wrong = {"query": LOGIN_DOC, "variables": {"input": {"email": user.email, "password": "not the password"}}}
    right = {"query": LOGIN_DOC, "variables": {"input": {"email": user.email, "password": user.password}}}
    for body in (wrong, right):
        forget_plans()
        ordinary = send(api, paths, body)
        api.client.cookies.clear()
        planned_run = send(api, paths, body)
        api.client.cookies.clear()
        assert (ordinary.path, planned_run.path) == (ORDINARY, FAST)
        assert planned_run.response.status_code == ordinary.response.status_code == 200
        assert tokens_masked(planned_run) == tokens_masked(ordinary)
        assert cookie_names(planned_run) == cookie_names(ordinary)
    assert cookie_names(planned_run) == ["__Host-tenantry_device", COOKIE_NAME]
    assert planned_run.body["data"]["login"]["token"] != ordinary.body["data"]["login"]["token"]
    assert sessions_of(api, user.user_id) == 3  # the sign-up's and one each
    assert failed_sign_ins(api, user.user_id) == 2


MFA_LOGIN = """mutation Login($input: LoginInput!) {
  login(input: $input) { token mfaRequired mfaChallenge mfaMethods passkeyOptions user { id } errors { code } }
}"""


def test_a_sign_in_asking_for_the_second_step_answers_on_its_plan_as_on_the_ordinary_path(
    api: Api, paths: Paths, clock: FrozenClock
) -> None:
    """With MFA on, the plan's answer is the ordinary one (the second step's methods, no session), and
    its challenge completes the sign-in."""
    user = api.new_account()
    start = "mutation { startMfaEnrollment { enrollment { otpauthUri } errors { code } } }"
    uri = api.data(start, token=user.token)["startMfaEnrollment"]["enrollment"]["otpauthUri"]
    app = pyotp.parse_uri(uri)
    confirm = (
        "mutation C($input: ConfirmMfaEnrollmentInput!) { confirmMfaEnrollment(input: $input) { errors { code } } }"
    )
    assert api.data(confirm, {"input": {"code": app.at(clock.now)}}, token=user.token)["confirmMfaEnrollment"] == {
        "errors": []
    }
    clock.advance(30)
    api.client.cookies.clear()
    body = {"query": MFA_LOGIN, "variables": {"input": {"email": user.email, "password": user.password}}}
    forget_plans()
    ordinary = send(api, paths, body)
    planned_run = send(api, paths, body)
    assert (ordinary.path, planned_run.path) == (ORDINARY, FAST)
    challenge = re.compile(rb'"mfaChallenge":"[^"]+"')
    assert challenge.sub(b"C", masked(planned_run.response.content)) == challenge.sub(
        b"C", masked(ordinary.response.content)
    )
    assert header_list(planned_run.response) == header_list(ordinary.response)
    answer = planned_run.body["data"]["login"]
    assert (answer["token"], answer["mfaRequired"], answer["mfaMethods"]) == (None, True, ["TOTP"])
    complete = (
        "mutation M($input: CompleteMfaLoginInput!) { completeMfaLogin(input: $input) { token errors { code } } }"
    )
    done = api.data(complete, {"input": {"mfaChallenge": answer["mfaChallenge"], "code": app.at(clock.now)}})
    assert done["completeMfaLogin"]["errors"] == [] and done["completeMfaLogin"]["token"]


def test_a_sign_in_handed_over_after_it_ran_answers_with_its_outcome_and_runs_once(
    api: Api, paths: Paths, monkeypatch: Any
) -> None:
    """Should the plan hand a sign-in to the ordinary path after it ran (a value it cannot complete),
    the ordinary path answers with the outcome that run had: one session, one attempt counted."""
    user = api.new_account()
    api.client.cookies.clear()
    right = {"query": LOGIN_DOC, "variables": {"input": {"email": user.email, "password": user.password}}}
    wrong = {"query": LOGIN_DOC, "variables": {"input": {"email": user.email, "password": "not the password"}}}
    forget_plans()
    send(api, paths, wrong)
    mutate = plans.Plan._mutate

    async def ran_then_fell_back(self: plans.Plan, run: Any, state: Any) -> Any:
        await mutate(self, run, state)
        raise plans.Fallback

    monkeypatch.setattr(plans.Plan, "_mutate", ran_then_fell_back)
    failed = send(api, paths, wrong)
    assert failed.path == FALLBACK and failed.body["data"]["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert failed_sign_ins(api, user.user_id) == 2  # the first and this one, once
    api.client.cookies.clear()
    signed_in = send(api, paths, right)
    assert signed_in.path == FALLBACK and signed_in.body["data"]["login"]["token"]
    assert cookie_names(signed_in) == ["__Host-tenantry_device", COOKIE_NAME]
    assert sessions_of(api, user.user_id) == 2  # the sign-up's and this one
    assert api.data("{ me { email } }", token=signed_in.body["data"]["login"]["token"])["me"]["email"] == user.email


def tokens_masked(sent: Sent) -> bytes:
    return re.sub(rb'"token":"[^"]+"', b'"token":"T"', masked(sent.response.content))


def cookie_names(sent: Sent) -> list[str]:
    return sorted(v.split("=")[0] for k, v in sent.response.headers.multi_items() if k == "set-cookie")


def sessions_of(api: Api, user_id: Any) -> int:
    with api.runtime.engine.connect() as conn:
        return len(conn.execute(select(sessions_t.c.id).where(sessions_t.c.user_id == user_id)).all())


def failed_sign_ins(api: Api, user_id: Any) -> int:
    with api.runtime.engine.connect() as conn:
        query = select(audit_t.c.id).where(audit_t.c.user_id == user_id, audit_t.c.action == "session.create_failed")
        return len(conn.execute(query).all())


def refused_twice(api: Api, paths: Paths, body: dict[str, Any]) -> tuple[Sent, Sent]:
    forget_plans()
    ordinary = send(api, paths, body)
    assert planned(body["query"])
    return ordinary, send(api, paths, body)


# --- 8. the express lane (server.lane) ---------------------------------------------------------------


def test_the_express_lane_answers_fast_requests_itself_and_hands_the_rest_to_the_stack_once(
    api: Api, paths: Paths, monkeypatch: Any
) -> None:
    """A fast answer never enters the middleware stack; a request the fast path hands over enters it
    once, keeping its request id; what the lane does not take goes to the stack untouched."""
    entered: list[str] = []
    stack_call = RequestMiddleware.__call__

    async def counting(self: RequestMiddleware, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            entered.append(scope["path"])
        await stack_call(self, scope, receive, send)

    monkeypatch.setattr(RequestMiddleware, "__call__", counting)
    user = api.new_account()
    member = api.new_user(user.account_id)
    forget_plans()
    entered.clear()  # the sign-ups above
    first, fast = (send(api, paths, {"query": ME}, token=user.token) for _ in range(2))
    assert (first.path, fast.path, entered) == (ORDINARY, FAST, ["/graphql"])
    given = send(api, paths, {"query": ME}, token=user.token, headers={"x-request-id": "from-the-client-1"})
    assert given.path == FAST and given.response.headers["x-request-id"] == "from-the-client-1"
    audit = "query Audit { me { account { auditLog(first: 1) { edges { node { action } } } } } }"
    assert send(api, paths, {"query": audit}, token=user.token).path == ORDINARY
    refused = send(api, paths, {"query": audit}, token=member.token, headers={"x-request-id": "handed-over-1"})
    assert refused.path == FALLBACK and refused.response.headers["x-request-id"] == "handed-over-1"
    assert refused.body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert len(entered) == 3  # the audit document's first run and its refusal, handed over
    # Not the lane's: another content type, an Idempotency-Key (the stack answers both as it always does).
    plain = api.client.post(
        "/graphql", content=json.dumps({"query": ME}), headers={"content-type": "text/plain", "authorization": "x"}
    )
    assert plain.status_code >= 400 and len(entered) == 4
    key = {"idempotency-key": secrets.token_hex(8), "authorization": f"Bearer {user.token}"}
    keyed = api.client.post("/graphql", json={"query": ME}, headers=key)
    assert "errors" not in keyed.json() and len(entered) == 5


def test_fast_answers_leave_nothing_for_the_garbage_collector(api: Api, paths: Paths, monkeypatch: Any) -> None:
    """A request's context, loaders and entities go when its answer is sent, by reference counting:
    a cycle (the scope holding the context, a loader holding its Loaders, a caught error's traceback)
    left every request for the collector, whose pauses every few requests were the p99."""
    user = api.new_account()
    api.client.cookies.clear()
    me = {"query": BENCH["ME"]}
    wrong = {"query": LOGIN_DOC, "variables": {"input": {"email": user.email, "password": "not it"}}}
    for body in (me, wrong):  # the plans
        send(api, paths, body, token=user.token if body is me else None)
    app = api.client.app
    bearer = [(b"authorization", f"Bearer {user.token}".encode())]

    async def answer(body: dict[str, Any], headers: list[tuple[bytes, bytes]], n: int) -> int:
        raw = json.dumps(body).encode()
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "https", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
            "root_path": "", "client": (f"10.99.{n}.1", 50000), "server": ("testserver", 443),
            "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                        (b"content-length", str(len(raw)).encode()), *headers],
        }  # fmt: skip
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send_(message: Any) -> None:
            sent.append(message)

        await app(scope, receive, send_)
        return int(sent[0]["status"])

    async def requests() -> list[int]:
        statuses = [await answer(me, bearer, 0) for _ in range(5)]
        statuses += [await answer(wrong, [], n) for n in range(1, 4)]
        with monkeypatch.context() as busy:
            busy.setattr(api.deps.hasher, "saturated", lambda: True)
            statuses += [await answer(wrong, [], 9) for _ in range(3)]
        return statuses

    taken = len(paths.taken)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert api.client.portal.call(requests) == [200] * 11
        gc.collect()
        left = Counter(type(o).__name__ for o in gc.garbage if isinstance(o, Context | Loaders | Request))
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert paths.taken[taken:] == [FAST] * 11
    assert left == Counter()


def test_each_look_up_makes_its_own_entities_from_the_remembered_row(api: Api) -> None:
    """The caller's row is remembered converted and split by table (persistence.prepared), but the
    session or token, user and account are made per look-up: what one request changes in them (the
    last-seen time a touch writes) never reaches another, and a changed row is read afresh."""
    admin = api.new_account()
    secret = secret_for(api, admin, ["PROFILE_READ"])
    keyring = api.deps.keyring
    looked_up = (
        ("sessions", keyring.digest("session", admin.token), "last_seen_at"),
        ("api_tokens", keyring.digest(api_tokens.PURPOSE, secret), "last_used_at"),
    )
    for table, digest, seen in looked_up:
        with api.deps.uow(write=False) as uow:
            repository = getattr(uow, table)
            first, second = repository.authenticate(digest), repository.authenticate(digest)
        assert first is not None and second is not None
        assert all(a == b and a is not b for a, b in zip(first, second, strict=True)), table
        setattr(first[0], seen, datetime(2030, 1, 1))
        first[1].profile.first_name = "Changed"
        first[2].country = "NO"
        with api.deps.uow(write=False) as uow:
            assert getattr(uow, table).authenticate(digest) == second
    renamed = api.data(PROFILE, {"input": {"expectedVersion": 1, "firstName": "Ny"}}, token=admin.token)
    assert renamed["updateProfile"]["errors"] == []
    with api.deps.uow(write=False) as uow:
        found = uow.sessions.authenticate(keyring.digest("session", admin.token))
    assert found is not None and found[1].profile.first_name == "Ny"


def test_the_caller_and_what_its_document_reads_come_in_one_statement_on_postgresql(api: Api) -> None:
    """A document reading the account's contacts and the user's sessions gets them with the caller's
    look-up (`authenticate_with`): the same rows as the three reads one after another, on PostgreSQL
    in one statement, so in one round trip (SQLite, which waits on no network, runs the three)."""
    admin = api.new_account()
    api.login(admin.email, admin.password)  # a second session to list
    for n in range(2):  # three contacts, in the order they were added
        added = api.data(
            "mutation($i: AddContactEmailInput!) { addContactEmail(input: $i) { errors { code } } }",
            {"i": {"email": f"extra-{n}-{secrets.token_hex(3)}@example.com"}},
            token=admin.token,
        )
        assert added["addContactEmail"]["errors"] == []
    api.new_account()  # another account, with a contact and a session of its own
    api.new_user(admin.account_id)  # a colleague in the same account, signed in
    digest = api.deps.keyring.digest("session", admin.token)
    with api.deps.uow(write=False) as uow:
        alone = uow.sessions.authenticate(digest)
        assert alone is not None
        contacts = uow.contacts.for_accounts([alone[2].id])[alone[2].id]
        sessions = uow.sessions.for_user(alone[1].id)
        assert len(contacts) == 3 and len(sessions) == 2
        assert {c.account_id for c in contacts} == {admin.account_id}
        assert {s.user_id for s in sessions} == {alone[1].id}
        assert uow.sessions.authenticate_with(digest, contacts=True, sessions=True) == (alone, contacts, sessions)
        assert uow.sessions.authenticate_with(digest, contacts=False, sessions=True) == (alone, [], sessions)
        assert uow.sessions.authenticate_with(digest, contacts=True, sessions=False) == (alone, contacts, [])
        assert uow.sessions.authenticate_with(digest, contacts=False, sessions=False) == (alone, [], [])
        assert uow.sessions.authenticate_with("0" * 64, contacts=True, sessions=True) == (None, [], [])

    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.split(None, 1)[0].upper() == "SELECT":
            statements.append(statement)

    for engine in api.runtime.engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        answer = api.data("{ me { account { contacts { email } } sessions { id current } } }", token=admin.token)
    finally:
        for engine in api.runtime.engines:
            event.remove(engine, "before_cursor_execute", record)
    assert len(answer["me"]["account"]["contacts"]) == 3 and len(answer["me"]["sessions"]) == 2
    # Not the rate limit's budget, nor the mail worker's poll.
    reads = [s for s in statements if "attempt_counters" not in s and "mail_outbox" not in s]
    if api.runtime.settings.is_sqlite:
        # The session, then the sessions: the contacts were read above at the account's contacts
        # stamp, which nothing changed since, so they are not read again (persistence.contacts).
        assert len(reads) == 2 and not any("UNION ALL" in s or "contact_emails" in s for s in reads), reads
    else:
        assert len(reads) == 1 and "UNION ALL" in reads[0], reads
