"""GraphiQL as a person uses it: offline, under its CSP, signing in with the README's mutation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from domain.entities import AccountKind, UserRole
from domain.services import accounts
from schema.introspection import document_key, standard_queries
from server.cli import DEMO_ACCOUNTS, DEMO_USERS
from support import LOGIN, without_cost
from tests.browser.conftest import LiveServer

README = Path(__file__).parents[2] / "README.md"
EMAIL, PASSWORD = DEMO_USERS[1][1], DEMO_USERS[1][5]  # the README's sign-in (Anders, ACCOUNT_ADMIN)


def readme_graphiql_examples() -> list[str]:
    """The GraphQL blocks of the README's GraphiQL section, in order: login, then `me`."""
    section = README.read_text().split("### GraphiQL", 1)[1].split("###", 1)[0]
    return re.findall(r"```graphql\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def demo_user(live_server: LiveServer) -> None:
    spec: dict[str, Any] = dict(DEMO_ACCOUNTS["business"])
    account = accounts.create_account(live_server.deps, **spec)
    _, email, role, first, last, password = DEMO_USERS[1]
    assert role is UserRole.ACCOUNT_ADMIN and spec["kind"] is AccountKind.BUSINESS
    accounts.create_user(
        live_server.deps,
        account_id=account.id,
        email=email,
        role=role,
        password=password,
        first_name=first,
        last_name=last,
    )


def open_graphiql(page: Any, url: str) -> None:
    page.goto(url + "/graphql")
    page.locator(".graphiql-query-editor .monaco-editor").first.wait_for(timeout=30_000)


def replace_text(page: Any, editor: Any, text: str) -> None:
    editor.click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("Delete")
    # One line: Monaco would auto-indent and auto-close brackets after each typed newline.
    page.keyboard.insert_text(" ".join(text.split()))


def stored(page: Any) -> str:
    """Everything the page keeps in Web Storage, once GraphiQL's debounced writes are done."""
    page.wait_for_timeout(700)
    return page.evaluate("JSON.stringify({local: {...localStorage}, session: {...sessionStorage}})")


def run(page: Any, document: str) -> dict[str, Any]:
    """Type `document` into the operation editor, press the run button, return the JSON answer."""
    replace_text(page, page.locator(".graphiql-query-editor .monaco-editor").first, document)
    is_graphql_post = lambda r: r.url.endswith("/graphql") and r.request.method == "POST"  # noqa: E731
    with page.expect_response(is_graphql_post) as answer:
        page.locator(".graphiql-execute-button").click()
    return without_cost(answer.value.json())


def test_graphiql_signs_in_and_reads_me_offline_without_keeping_the_password(
    live_server: LiveServer, demo_user: None, page: Any
) -> None:
    login, me = readme_graphiql_examples()
    assert PASSWORD in login

    open_graphiql(page, live_server.url)

    signed_in = run(page, login)
    assert signed_in.get("data"), signed_in
    token = signed_in["data"]["login"]["token"]
    assert signed_in == {"data": {"login": {"token": token, "errors": []}}}
    assert PASSWORD not in stored(page)  # while the mutation is still in the editor

    answer = run(page, me)
    assert "errors" not in answer, answer
    assert answer["data"]["me"]["email"] == EMAIL
    assert answer["data"]["me"]["profile"]["firstName"] == "Anders"
    page.locator(".graphiql-response").get_by_text(EMAIL).first.wait_for()

    kept = stored(page)
    for secret in (PASSWORD, token):
        assert secret not in kept, json.loads(kept)
        assert secret not in page.url
    assert "graphiql:tabState" in kept and "graphiql:queries" in kept  # what is harmless is kept


def test_graphiql_sends_a_bearer_token_from_the_headers_editor_and_does_not_store_it(
    live_server: LiveServer, demo_user: None, page: Any
) -> None:
    token = api_token(live_server)
    open_graphiql(page, live_server.url)
    page.get_by_role("button", name="Headers").click()
    headers = page.locator(".graphiql-editor-tool .monaco-editor").last
    replace_text(page, headers, json.dumps({"authorization": f"Bearer {token}"}))

    answer = run(page, "{ me { email } }")

    assert answer == {"data": {"me": {"email": EMAIL}}}
    assert token not in stored(page)


def api_token(live_server: LiveServer) -> str:
    """A session token for the README's user, signed in through the API as a script would."""
    body = {"query": LOGIN, "variables": {"input": {"email": EMAIL, "password": PASSWORD}}}
    return httpx.post(live_server.url + "/graphql", json=body).json()["data"]["login"]["token"]


def test_graphiql_loads_the_schema_from_the_introspection_answered_at_start_up(
    live_server: LiveServer, page: Any
) -> None:
    is_graphql_post = lambda r: r.url.endswith("/graphql") and r.request.method == "POST"  # noqa: E731
    with page.expect_response(is_graphql_post) as first:
        open_graphiql(page, live_server.url)
    sent, body = first.value.request.post_data_json, without_cost(first.value.json())

    assert "errors" not in body, body["errors"]
    assert body["data"]["__schema"]["queryType"] == {"name": "Query", "kind": "OBJECT"}
    # graphql-js's text (indented its own way, not graphql-core's) is one of the documents answered ahead.
    assert sent["operationName"] == "IntrospectionQuery"
    assert document_key(sent["query"]) in {document_key(q) for q in standard_queries()}
