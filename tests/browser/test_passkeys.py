"""A real browser adds a passkey and signs in with it: headless Chromium with its DevTools virtual
authenticator (CTAP2, internal transport, resident keys, user verification), on a page the app
serves at http://localhost:<port> (a secure context whose host is a valid RP ID)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from domain.entities import AccountKind, UserRole
from domain.services import accounts
from support import SmtpSink, unique_orgnr

from .conftest import LiveServer, serve

# Plain JavaScript run in the page: GraphQL over fetch, WebAuthn through navigator.credentials with
# the Level 3 JSON helpers, exactly as a client of the API would.
SCRIPT = """
async ({email, password}) => {
  const gql = async (query, variables, token) => {
    const headers = {"content-type": "application/json"};
    if (token) headers.authorization = "Bearer " + token;
    const response = await fetch("/graphql", {method: "POST", headers, body: JSON.stringify({query, variables})});
    const body = await response.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const login = await gql(`mutation L($input: LoginInput!) { login(input: $input) { token } }`,
                          {input: {email, password}});
  const token = login.login.token;
  const started = (await gql(`mutation S($input: StartPasskeyRegistrationInput!) {
      startPasskeyRegistration(input: $input) { options registrationId errors { code } } }`,
      {input: {name: "This browser"}}, token)).startPasskeyRegistration;
  const created = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(JSON.parse(started.options))});
  const finished = (await gql(`mutation F($input: FinishPasskeyRegistrationInput!) {
      finishPasskeyRegistration(input: $input) {
        authenticator { kind name } recoveryCodes errors { code message } } }`,
      {input: {registrationId: started.registrationId, credential: JSON.stringify(created.toJSON())}},
      token)).finishPasskeyRegistration;
  const begun = (await gql(`mutation { startPasskeyLogin { options challengeId } }`)).startPasskeyLogin;
  const asserted = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(JSON.parse(begun.options))});
  const signedIn = (await gql(`mutation C($input: CompletePasskeyLoginInput!) {
      completePasskeyLogin(input: $input) { token user { email } errors { code message } } }`,
      {input: {challengeId: begun.challengeId, credential: JSON.stringify(asserted.toJSON())}}
      )).completePasskeyLogin;
  const me = signedIn.token && (await gql(`query { me { mfa { enabled authenticators { kind name lastUsedAt } } } }`,
      {}, signedIn.token)).me;
  return {secure: window.isSecureContext, finished, signedIn: {...signedIn, token: !!signedIn.token}, me};
}
"""


@pytest.fixture(scope="module")
def localhost_server(smtp: SmtpSink, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(smtp, tmp_path_factory.mktemp("passkeys"), "localhost", webauthn_rp_id="localhost") as running:
        yield running


def test_chromium_registers_a_passkey_and_signs_in_with_it(localhost_server: LiveServer, page: Any) -> None:
    deps = localhost_server.deps
    tag = secrets.token_hex(4)
    account = accounts.create_account(
        deps,
        kind=AccountKind.BUSINESS,
        number=unique_orgnr(),
        company_name=f"Company {tag} AB",
        contact_person="Alva Ekström",
        contact_email=f"contact-{tag}@example.com",
    )
    email, password = f"browser-{tag}@example.com", f"quiet-{tag}-garden-path"
    accounts.create_user(
        deps,
        account_id=account.id,
        email=email,
        role=UserRole.ACCOUNT_ADMIN,
        password=password,
        first_name="Alva",
        last_name="Ekström",
    )
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.goto(localhost_server.url + "/healthz")
    result = page.evaluate(SCRIPT, {"email": email, "password": password})
    assert result["secure"] is True
    assert result["finished"]["errors"] == [], result
    assert result["finished"]["authenticator"] == {"kind": "PASSKEY", "name": "This browser"}
    assert len(result["finished"]["recoveryCodes"]) == 10
    assert result["signedIn"] == {"token": True, "user": {"email": email}, "errors": []}
    [listed] = result["me"]["mfa"]["authenticators"]
    assert result["me"]["mfa"]["enabled"] is True and listed["kind"] == "PASSKEY" and listed["lastUsedAt"]
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator["authenticatorId"]})
    [credential] = stored["credentials"]
    assert credential["isResidentCredential"] is True and credential["rpId"] == "localhost"
    assert credential["signCount"] >= 1
