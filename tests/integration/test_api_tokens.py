"""API tokens through HTTP on SQLite and PostgreSQL: creating, using, scopes, revoking, housekeeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from domain.entities import UserRole
from domain.rules.api_tokens import new_secret
from domain.services import api_tokens
from persistence import maintenance
from persistence.tables import api_tokens_t, users_t
from resolvers.context import COOKIE_NAME
from support import Api, Seeded, without_cost

CREATE = """
mutation Create($input: CreateApiTokenInput!) {
  createApiToken(input: $input) {
    secret apiToken { id name prefix scopes expiresAt revokedAt owner { email } }
    errors { field code message }
  }
}
"""
REVOKE = """
mutation Revoke($input: RevokeApiTokenInput!) {
  revokeApiToken(input: $input) { apiToken { revokedAt } errors { field code } }
}
"""
LEAKED = """
mutation Leaked($input: RevokeLeakedApiTokenInput!) { revokeLeakedApiToken(input: $input) { errors { code } } }
"""
CREDENTIAL = "query Credential { currentCredential { kind scopes expiresAt apiToken { name } } }"
ME = "query Me { me { email } }"
LIST = "query Tokens { me { apiTokens { name lastUsedAt lastUsedIp revokedAt } } }"


def create(api: Api, user: Seeded, scopes: list[str], name: str = "CI", **more: Any) -> dict[str, Any]:
    variables = {"input": {"name": name, "scopes": scopes, "currentPassword": user.password, **more}}
    return api.data(CREATE, variables, token=user.token)["createApiToken"]


def secret_for(api: Api, user: Seeded, scopes: list[str], name: str = "CI") -> str:
    made = create(api, user, scopes, name)
    assert made["errors"] == [] and made["secret"].startswith(made["apiToken"]["prefix"]), made
    return str(made["secret"])


def forbidden(body: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(code, requiredScopes) of each error, with no data."""
    assert body.get("data") is None, body
    return [(e["extensions"]["code"], e["extensions"]["requiredScopes"]) for e in body["errors"]]


def test_a_created_token_is_shown_once_and_signs_in_as_its_owner(api: Api) -> None:
    user = api.new_account(role=UserRole.MEMBER)
    made = create(api, user, ["PROFILE_READ", "ACCOUNT_READ"])
    token = made["apiToken"]
    assert made["errors"] == [] and token["name"] == "CI" and token["revokedAt"] is None
    assert token["scopes"] == ["PROFILE_READ", "ACCOUNT_READ"] and token["owner"] == {"email": user.email}
    assert len(made["secret"]) == 57 and token["prefix"] == made["secret"][:14]
    assert api.data(ME, token=made["secret"]) == {"me": {"email": user.email}}
    mail = api.smtp.wait_for(user.email, subject="A new API token was created")
    assert token["prefix"] in mail.get_body(("plain",)).get_content()
    listed = api.data("query { me { apiTokens { name prefix } } }", token=user.token)["me"]["apiTokens"]
    assert listed == [{"name": "CI", "prefix": token["prefix"]}]
    node = "query N($id: ID!) { node(id: $id) { ... on ApiToken { name } } }"
    assert api.data(node, {"id": token["id"]}, token=user.token) == {"node": {"name": "CI"}}


def test_create_reports_each_error_code(api: Api) -> None:
    user = api.new_account(role=UserRole.MEMBER)

    def codes(scopes: list[str], name: str = "CI", **more: Any) -> list[tuple[list[str], str]]:
        return [(e["field"], e["code"]) for e in create(api, user, scopes, name, **more)["errors"]]

    assert codes([], " ") == [(["input", "name"], "REQUIRED"), (["input", "scopes"], "REQUIRED")]
    assert codes(["PROFILE_READ"], "x" * 101, expiresInDays=367) == [
        (["input", "name"], "TOO_LONG"),
        (["input", "expiresInDays"], "INVALID"),
    ]
    assert codes(["ACCOUNT_WRITE"]) == [(["input", "scopes"], "SCOPE_NOT_ALLOWED")]
    assert codes(["PROFILE_READ"], currentPassword="not-my-password") == [
        (["input", "currentPassword"], "INVALID_CREDENTIALS")
    ]
    secret_for(api, user, ["PROFILE_READ"])
    assert codes(["PROFILE_READ"], "ci") == [(["input", "name"], "ALREADY_EXISTS")]
    for n in range(19):
        secret_for(api, user, ["PROFILE_READ"], f"bot {n}")
    assert codes(["PROFILE_READ"], "one too many") == [([], "INVALID")]
    with api.runtime.engine.begin() as conn:
        conn.execute(update(users_t).where(users_t.c.id == user.user_id).values(mfa_enabled_at=datetime.now(UTC)))
    assert codes(["PROFILE_READ"], "mfa") == [([], "REAUTH_REQUIRED")]


ADMIN, MEMBER, CLOUD = UserRole.ACCOUNT_ADMIN, UserRole.MEMBER, UserRole.CLOUD_ADMIN
UPDATE_PROFILE = "mutation P($i: UpdateProfileInput!) { updateProfile(input: $i) { errors { code } } }"
ADD_CONTACT = "mutation C($i: AddContactEmailInput!) { addContactEmail(input: $i) { errors { code } } }"
CANCEL = "mutation T($i: CancelTransferRequestInput!) { cancelTransferRequest(input: $i) { errors { code } } }"
# Each scope: the role that may hold it, a document it allows, its variables, and another scope of that role.
SCOPES: list[tuple[str, UserRole, str, dict[str, Any], str]] = [
    (
        "PROFILE_READ",
        MEMBER,
        "{ me { profile { firstName } mfa { enabled } sessions { current } } }",
        {},
        "BILLING_READ",
    ),
    ("PROFILE_WRITE", MEMBER, UPDATE_PROFILE, {"i": {"expectedVersion": 1, "jobTitle": "Ops"}}, "PROFILE_READ"),
    (
        "ACCOUNT_READ",
        MEMBER,
        "{ me { account { customerInfo { contactPerson } contacts { email } } } }",
        {},
        "PROFILE_READ",
    ),
    ("ACCOUNT_WRITE", ADMIN, ADD_CONTACT, {"i": {"email": "ops@example.com"}}, "ACCOUNT_READ"),
    ("TRANSFERS_WRITE", ADMIN, CANCEL, {"i": {"transferRequestId": "VHJhbnNmZXJSZXF1ZXN0OjA"}}, "ACCOUNT_READ"),
    ("TRANSFERS_RESOLVE", CLOUD, "{ transferRequests { id } }", {}, "ACCOUNT_READ"),
    ("BILLING_READ", MEMBER, "{ billingProfile { legalName } }", {}, "PROFILE_READ"),
    ("AUDIT_READ", ADMIN, "{ me { account { auditLog(first: 1) { pageInfo { hasNextPage } } } } }", {}, "PROFILE_READ"),
]


@pytest.mark.parametrize(("scope", "role", "document", "variables", "other"), SCOPES, ids=[s[0] for s in SCOPES])
def test_each_scope_allows_its_fields_and_nothing_else_does(
    api: Api, scope: str, role: UserRole, document: str, variables: dict[str, Any], other: str
) -> None:
    user = api.new_account(role=role)
    allowed = api.gql(document, variables, token=secret_for(api, user, [scope], "allowed"))
    assert "errors" not in allowed and allowed["data"], allowed
    refused = api.gql(document, variables, token=secret_for(api, user, [other], "other"))
    assert {code for code, _ in forbidden(refused)} == {"FORBIDDEN"}
    assert all(scope in needed for _, needed in forbidden(refused)), refused


def test_sessions_only_fields_refuse_every_token(api: Api) -> None:
    user = api.new_account(role=UserRole.ACCOUNT_ADMIN)
    secret = secret_for(api, user, ["PROFILE_READ", "PROFILE_WRITE", "ACCOUNT_READ", "ACCOUNT_WRITE"])
    change = "mutation C($i: ChangePasswordInput!) { changePassword(input: $i) { errors { code } } }"
    body = api.gql(
        change, {"i": {"currentPassword": user.password, "newPassword": "saffron-lantern-harbour-9"}}, token=secret
    )
    assert forbidden(body) == [("FORBIDDEN", [])] and "sessions only" in body["errors"][0]["message"]
    assert forbidden(api.gql(LIST, token=secret)) == [("FORBIDDEN", [])]
    assert forbidden(api.gql("{ me { account { apiTokens { name } } } }", token=secret)) == [("FORBIDDEN", [])]
    made = api.gql(
        CREATE, {"input": {"name": "x", "scopes": ["PROFILE_READ"], "currentPassword": user.password}}, token=secret
    )
    assert forbidden(made) == [("FORBIDDEN", [])]
    email = api.gql(UPDATE_PROFILE, {"i": {"expectedVersion": 1, "email": "new@example.com"}}, token=secret)
    assert email["errors"][0]["extensions"] == {"code": "FORBIDDEN", "requiredScopes": []}
    assert forbidden(api.gql("mutation { logout { errors { code } } }", token=secret)) == [("FORBIDDEN", [])]
    assert api.data(ME, token=secret)["me"]["email"] == user.email  # the token still works


def test_a_demoted_owner_s_token_shrinks_and_a_removed_owner_s_dies(api: Api) -> None:
    admin = api.new_account(role=UserRole.ACCOUNT_ADMIN)
    secret = secret_for(api, admin, ["ACCOUNT_READ", "ACCOUNT_WRITE"])
    with api.runtime.engine.begin() as conn:
        conn.execute(update(users_t).where(users_t.c.id == admin.user_id).values(role="MEMBER"))
    assert api.data(CREDENTIAL, token=secret)["currentCredential"]["scopes"] == ["ACCOUNT_READ"]
    refused = api.gql(ADD_CONTACT, {"i": {"email": "ops@example.com"}}, token=secret)
    assert forbidden(refused) == [("FORBIDDEN", ["ACCOUNT_WRITE"])]
    with api.runtime.engine.begin() as conn:
        conn.execute(delete(users_t).where(users_t.c.id == admin.user_id))
    assert api.data(CREDENTIAL, token=secret) == {"currentCredential": None}
    assert api.gql('{ node(id: "x") { id } }', token=secret)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_current_credential_for_a_session_a_token_and_nobody(api: Api) -> None:
    member = api.new_account(role=UserRole.MEMBER)
    session = api.data(CREDENTIAL, token=member.token)["currentCredential"]
    assert session["kind"] == "SESSION" and session["apiToken"] is None
    assert session["scopes"] == ["PROFILE_READ", "PROFILE_WRITE", "ACCOUNT_READ", "BILLING_READ"]
    token = api.data(CREDENTIAL, token=secret_for(api, member, ["BILLING_READ"], "bot"))["currentCredential"]
    assert token["kind"] == "API_TOKEN" and token["scopes"] == ["BILLING_READ"] and token["apiToken"] == {"name": "bot"}
    assert token["expiresAt"] > session["expiresAt"]
    api.client.cookies.clear()  # the session cookie login left
    assert api.data(CREDENTIAL) == {"currentCredential": None}


def test_owners_revoke_their_own_and_admins_any_in_their_account(api: Api) -> None:
    admin = api.new_account(role=UserRole.ACCOUNT_ADMIN)
    member = api.new_user(admin.account_id)
    other = api.new_user(admin.account_id)
    made = create(api, member, ["PROFILE_READ"])
    token_id = made["apiToken"]["id"]
    refused = api.data(REVOKE, {"input": {"apiTokenId": token_id}}, token=other.token)["revokeApiToken"]
    assert refused == {"apiToken": None, "errors": [{"field": ["input", "apiTokenId"], "code": "NOT_FOUND"}]}
    listed = api.data("{ me { account { apiTokens { name owner { email } } } } }", token=admin.token)
    assert listed["me"]["account"]["apiTokens"] == [{"name": "CI", "owner": {"email": member.email}}]
    denied = api.gql("{ me { account { apiTokens { name } } } }", token=member.token)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    done = api.data(REVOKE, {"input": {"apiTokenId": token_id}}, token=admin.token)["revokeApiToken"]
    assert done["errors"] == [] and done["apiToken"]["revokedAt"]
    assert api.data(ME, token=made["secret"]) == {"me": None}
    own = create(api, member, ["PROFILE_READ"], "own")
    mine = api.data(REVOKE, {"input": {"apiTokenId": own["apiToken"]["id"]}}, token=member.token)["revokeApiToken"]
    assert mine["errors"] == []
    assert [t["name"] for t in api.data(LIST, token=member.token)["me"]["apiTokens"]] == ["own", "CI"]  # newest first
    api.smtp.wait_for(member.email, subject="An API token of your account was revoked", count=2)


def test_a_leaked_token_is_revoked_without_sign_in_and_its_owner_mailed(api: Api) -> None:
    user = api.new_account(role=UserRole.MEMBER)
    secret = secret_for(api, user, ["PROFILE_READ"])
    assert api.data(LEAKED, {"input": {"secret": secret}}) == {"revokeLeakedApiToken": {"errors": []}}
    assert api.data(ME, token=secret) == {"me": None}
    mail = api.smtp.wait_for(user.email, subject="reported as leaked")
    assert secret not in mail.get_body(("plain",)).get_content()
    assert api.data(LEAKED, {"input": {"secret": new_secret()}}) == {"revokeLeakedApiToken": {"errors": []}}
    assert api.data(LEAKED, {"input": {"secret": secret}}) == {"revokeLeakedApiToken": {"errors": []}}
    assert len([m for m in api.smtp.to(user.email) if "leaked" in str(m["Subject"])]) == 1


def test_a_password_change_revokes_every_token_and_the_mail_says_so(api: Api) -> None:
    user = api.new_account(role=UserRole.MEMBER)
    secret = secret_for(api, user, ["PROFILE_READ"])
    change = "mutation C($i: ChangePasswordInput!) { changePassword(input: $i) { errors { code } } }"
    new = "saffron-lantern-harbour-9"
    assert api.data(change, {"i": {"currentPassword": user.password, "newPassword": new}}, token=user.token)
    assert api.data(ME, token=secret) == {"me": None}
    body = api.smtp.wait_for(user.email, subject="Your password was changed").get_body(("plain",)).get_content()
    assert "1 API token was revoked." in body


def test_tokens_are_bearer_only_never_sessions(api: Api) -> None:
    user = api.new_account(role=UserRole.MEMBER)
    secret = secret_for(api, user, ["PROFILE_READ"])
    api.client.cookies.clear()  # the session cookie login left
    api.client.cookies.set(COOKIE_NAME, secret)
    try:
        origin = {"origin": "https://panel.example.com"}
        assert without_cost(api.post({"query": ME}, headers=origin).json()) == {"data": {"me": None}}
    finally:
        api.client.cookies.clear()
    assert api.data(ME, token=secret[:-1] + ("x" if secret[-1] != "x" else "y")) == {"me": None}  # checksum
    unchecked = api.gql("{ billingProfile { legalName } }", token="tnt_pat_not-a-token")
    assert unchecked["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    sessions = api.data("{ me { sessions { current } } }", token=secret)["me"]["sessions"]
    assert sessions == [{"current": False}]  # the user's one session, and no entry for the token


def test_use_is_noted_at_most_once_a_minute(api: Api) -> None:
    user = api.new_account(role=UserRole.MEMBER)
    secret = secret_for(api, user, ["PROFILE_READ"])
    api.data(ME, token=secret)
    [first] = api.data(LIST, token=user.token)["me"]["apiTokens"]
    assert first["lastUsedAt"] and first["lastUsedIp"]
    api.data(ME, token=secret)
    assert api.data(LIST, token=user.token)["me"]["apiTokens"] == [first]


def test_owners_are_reminded_once_and_ended_tokens_are_deleted_after_30_days(api: Api) -> None:
    user = api.new_account(role=UserRole.MEMBER)
    made = create(api, user, ["PROFILE_READ"], expiresInDays=5)
    assert api_tokens.send_expiry_reminders(api.deps) >= 1
    assert api_tokens.send_expiry_reminders(api.deps) == 0
    api.smtp.wait_for(user.email, subject="Your API token expires soon")
    now = datetime.now(UTC)
    maintenance.sweep(api.runtime.engine, now + timedelta(days=34), timedelta(hours=1))
    with api.runtime.engine.connect() as conn:
        assert conn.execute(select(api_tokens_t.c.name).where(api_tokens_t.c.user_id == user.user_id)).first() == (
            "CI",
        )  # 29 days after its expiry it stays
    maintenance.sweep(api.runtime.engine, now + timedelta(days=36), timedelta(hours=1))
    with api.runtime.engine.connect() as conn:
        assert conn.execute(select(api_tokens_t).where(api_tokens_t.c.user_id == user.user_id)).first() is None
    assert made["apiToken"]["name"] == "CI"
