"""Sign-in, sessions, cookies and the attempt limits, through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import concurrent.futures
from datetime import timedelta

from support import LOGIN, Api, without_cost

ME = """query { me { id email role sessions { id current userAgent }
  account { id kind contacts { email roles verified } } } }"""
LOGOUT = "mutation { logout { errors { code } } }"
REVOKE = "mutation R($input: RevokeSessionInput!) { revokeSession(input: $input) { errors { field code message } } }"


def login_result(api: Api, email: str, password: str, **kw: object) -> dict:
    return api.data(LOGIN, {"input": {"email": email, "password": password}}, **kw)["login"]


def test_login_returns_token_user_and_cookie(api: Api) -> None:
    user = api.new_account()
    response = api.post(
        {"query": LOGIN, "variables": {"input": {"email": user.email.upper(), "password": user.password}}}
    )
    body = response.json()["data"]["login"]
    assert body["errors"] == [] and body["mfaRequired"] is False and body["mfaChallenge"] is None
    assert body["user"]["email"] == user.email
    assert len(body["token"]) >= 43
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-tenantry_session=")
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert flag.lower() in cookie.lower()


def test_me_lists_own_sessions_and_account_contacts(api: Api) -> None:
    user = api.new_account()
    second = api.login(user.email, user.password)
    me = api.data(ME, token=second)["me"]
    assert me["email"] == user.email and me["role"] == "ACCOUNT_ADMIN"
    assert [s["current"] for s in me["sessions"]] == [True, False]
    assert me["account"]["kind"] == "BUSINESS"
    assert me["account"]["contacts"][0]["roles"] == ["BILLING", "TECH", "DPO"]
    assert me["account"]["contacts"][0]["verified"] is True


def test_me_is_null_without_or_with_a_bad_token(api: Api) -> None:
    assert api.data(ME) == {"me": None}
    assert api.data(ME, token="not-a-token") == {"me": None}
    assert api.data(ME, token="x" * 5000) == {"me": None}


def test_wrong_password_and_unknown_email_answer_alike(api: Api) -> None:
    user = api.new_account()
    wrong = login_result(api, user.email, user.password + "x")
    unknown = login_result(api, "nobody@example.com", user.password)
    assert (
        wrong
        == unknown
        == {
            "token": None,
            "mfaRequired": False,
            "mfaChallenge": None,
            "user": None,
            "errors": [{"field": [], "code": "INVALID_CREDENTIALS", "message": "The email or password is wrong."}],
        }
    )


def test_login_input_problems_are_user_errors(api: Api) -> None:
    assert login_result(api, "", "pw")["errors"][0]["code"] == "REQUIRED"
    assert login_result(api, "a@example.com", "")["errors"] == [
        {"field": ["input", "password"], "code": "REQUIRED", "message": "Enter your password."}
    ]
    too_long = login_result(api, "a@example.com", "p" * 257)["errors"][0]
    assert too_long["code"] == "INVALID" and too_long["field"] == ["input", "password"]
    assert login_result(api, "a@example.com", "p" * 100_000)["errors"][0]["code"] == "INVALID"
    assert login_result(api, "e" * 100_000 + "@example.com", "pw")["errors"][0]["code"] == "INVALID_CREDENTIALS"


def test_every_password_character_counts_beyond_72_bytes(api: Api) -> None:
    from domain.entities import UserRole
    from domain.services import accounts

    seeded = api.new_account()
    long_password = "å" * 100 + "end-A"  # 205 bytes in UTF-8
    user = accounts.create_user(
        api.deps,
        account_id=seeded.account_id,
        email="long-pw-" + seeded.email,
        role=UserRole.MEMBER,
        password=long_password,
        first_name="Bo",
        last_name="Ek",
    )
    assert login_result(api, user.email, "å" * 100 + "end-B")["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert login_result(api, user.email, long_password)["token"]


def test_account_limit_counts_every_attempt_then_refuses(api: Api) -> None:
    user = api.new_account()
    codes = [login_result(api, user.email, "wrong-password-1")["errors"][0]["code"] for _ in range(10)]
    assert codes == ["INVALID_CREDENTIALS"] * 10
    refused = login_result(api, user.email, user.password)["errors"][0]
    assert refused["code"] == "TOO_MANY_ATTEMPTS" and "minute" in refused["message"]


def test_a_wait_is_machine_readable_in_the_error_and_a_retry_after_header(api: Api) -> None:
    user = api.new_account()
    query = "mutation L($input: LoginInput!) { login(input: $input) { errors { code retryAfterSeconds } } }"
    body = {"query": query, "variables": {"input": {"email": user.email, "password": "wrong-password-1"}}}
    first = api.post(body)
    assert first.json()["data"]["login"]["errors"] == [{"code": "INVALID_CREDENTIALS", "retryAfterSeconds": None}]
    assert "retry-after" not in first.headers
    for _ in range(10):
        response = api.post(body)
    error = response.json()["data"]["login"]["errors"][0]
    assert error["code"] == "TOO_MANY_ATTEMPTS" and 1 <= error["retryAfterSeconds"] <= 15 * 60
    assert response.headers["retry-after"] == str(error["retryAfterSeconds"])


def test_concurrent_wrong_passwords_spend_one_attempt_each(api: Api) -> None:
    user = api.new_account()
    codes: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for _ in range(4):
            results = pool.map(lambda _: login_result(api, user.email, "wrong-password-1"), range(16))
            codes += [r["errors"][0]["code"] for r in results]
    # At most ten failures get checked whatever the interleaving; the rest are refused (by the
    # limit, or while this client's one hash is in flight and the queue is full: those count too).
    assert 1 <= codes.count("INVALID_CREDENTIALS") <= 10
    assert set(codes) == {"INVALID_CREDENTIALS", "TOO_MANY_ATTEMPTS"}
    assert login_result(api, user.email, user.password)["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"


def test_successful_sign_ins_do_not_use_up_the_limit(api: Api) -> None:
    user = api.new_account()
    for _ in range(12):
        assert login_result(api, user.email, user.password)["token"]


def test_a_request_may_carry_only_one_sign_in(api: Api) -> None:
    user = api.new_account()
    aliases = " ".join(
        f'a{i}: login(input: {{email: "{user.email}", password: "wrong-{i}"}}) {{ token }}' for i in range(50)
    )
    body = api.gql(f"mutation {{ {aliases} }}")
    assert body.get("data") is None and body["errors"]
    two = api.gql(
        'mutation { a: login(input: {email: "x@example.com", password: "p"}) { token } '
        'b: login(input: {email: "y@example.com", password: "p"}) { token } }'
    )
    assert two["errors"][0]["message"] == "A request may carry at most one sign-in mutation."
    mixed = api.gql(
        'mutation { a: login(input: {email: "x@example.com", password: "p"}) { token } '
        'b: resetPassword(input: {email: "x@example.com", code: "ABCDE-FGHJK", newPassword: "p"}) { errors { code } } }'
    )
    assert mixed["errors"][0]["message"] == "A request may carry at most one sign-in mutation."
    resets = " ".join(
        f'r{i}: resetPassword(input: {{email: "{user.email}", code: "ABCDE-FGHJ{i}", newPassword: "p"}}) '
        "{ errors { code } }"
        for i in range(2)
    )
    assert api.gql(f"mutation {{ {resets} }}")["errors"][0]["message"] == (
        "A request may carry at most one sign-in mutation."
    )


def test_logout_ends_the_session_and_clears_the_cookie(api: Api) -> None:
    user = api.new_account()
    response = api.post({"query": LOGOUT}, token=user.token)
    assert without_cost(response.json()) == {"data": {"logout": {"errors": []}}}
    assert "Max-Age=0" in response.headers["set-cookie"] or "max-age=0" in response.headers["set-cookie"].lower()
    assert api.data(ME, token=user.token) == {"me": None}


def test_logout_without_a_session_succeeds_and_clears_the_cookie(api: Api) -> None:
    response = api.post({"query": LOGOUT})
    assert without_cost(response.json()) == {"data": {"logout": {"errors": []}}}
    assert "max-age=0" in response.headers["set-cookie"].lower()


def test_logout_with_an_ended_session_succeeds_and_clears_the_cookie(api: Api) -> None:
    user = api.new_account()
    assert user.token is not None
    api.data(LOGOUT, token=user.token)
    api.client.cookies.set("__Host-tenantry_session", user.token)
    response = api.client.post("/graphql", json={"query": LOGOUT}, headers={"origin": "https://panel.example.com"})
    assert without_cost(response.json()) == {"data": {"logout": {"errors": []}}}
    assert response.headers["set-cookie"].startswith("__Host-tenantry_session=")
    assert "max-age=0" in response.headers["set-cookie"].lower()


def test_revoke_session_ends_another_device_only_for_its_owner(api: Api) -> None:
    user = api.new_account()
    other_device = api.login(user.email, user.password)
    sessions = api.data(ME, token=user.token)["me"]["sessions"]
    other_id = next(s["id"] for s in sessions if not s["current"])
    intruder = api.new_account()
    assert api.data(REVOKE, {"input": {"sessionId": other_id}}, token=intruder.token)["revokeSession"]["errors"] == [
        {"field": ["input", "sessionId"], "code": "NOT_FOUND", "message": "No such session."}
    ]
    assert api.data(REVOKE, {"input": {"sessionId": other_id}}, token=user.token)["revokeSession"]["errors"] == []
    assert api.data(ME, token=other_device) == {"me": None}
    assert api.data(ME, token=user.token)["me"]["email"] == user.email
    made_up = api.data(REVOKE, {"input": {"sessionId": "bm9wZQ"}}, token=user.token)["revokeSession"]["errors"]
    assert made_up[0]["code"] == "NOT_FOUND"


def test_cookie_session_reads_but_writes_only_from_allowed_origin_json(api: Api) -> None:
    user = api.new_account()
    api.client.cookies.set("__Host-tenantry_session", user.token)
    assert without_cost(api.client.get("/graphql", params={"query": "{ me { email } }"}).json()) == {
        "data": {"me": {"email": user.email}}
    }
    foreign = api.client.post("/graphql", json={"query": LOGOUT}, headers={"origin": "https://evil.example"})
    assert foreign.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    allowed = api.client.post("/graphql", json={"query": LOGOUT}, headers={"origin": "https://panel.example.com"})
    assert without_cost(allowed.json()) == {"data": {"logout": {"errors": []}}}


def test_mutations_are_refused_over_get(api: Api) -> None:
    response = api.client.get("/graphql", params={"query": LOGOUT})
    assert response.status_code in (400, 405)


def test_idle_session_expires(api: Api) -> None:
    user = api.new_account()
    from domain.services import sessions as auth

    found = auth.authenticate(api.deps, user.token)
    assert found is not None
    later = found.session.last_seen_at + api.deps.policy.idle_ttl + timedelta(seconds=1)
    from dataclasses import replace

    late_deps = replace(api.deps, clock=lambda: later)
    assert auth.authenticate(late_deps, user.token) is None


def test_last_seen_is_written_at_most_once_a_minute(api: Api) -> None:
    from dataclasses import replace

    from domain.services import sessions as auth

    user = api.new_account()
    first = auth.authenticate(api.deps, user.token)
    assert first is not None
    soon = replace(api.deps, clock=lambda: first.session.last_seen_at + timedelta(seconds=30))
    assert auth.authenticate(soon, user.token).session.last_seen_at == first.session.last_seen_at
    later_time = first.session.last_seen_at + timedelta(seconds=61)
    later = replace(api.deps, clock=lambda: later_time)
    assert auth.authenticate(later, user.token).session.last_seen_at == later_time
    assert auth.authenticate(api.deps, user.token).session.last_seen_at == later_time


def test_a_raised_bcrypt_cost_reaches_the_stored_hash_at_the_next_sign_in(api: Api) -> None:
    from dataclasses import replace

    from domain.security import BcryptHasher
    from domain.services import signin

    user = api.new_account()
    stronger = replace(api.deps, hasher=BcryptHasher(rounds=5))
    signin.login(stronger, email=user.email, password=user.password, ip=None, user_agent=None)
    with api.deps.uow(write=False) as uow:
        stored = uow.users.get(user.user_id).password_hash
    assert stored.startswith("bcrypt-sha256$$2b$05$")
    assert api.login(user.email, user.password)


DEVICE_LOGIN = """mutation L($input: LoginInput!) { login(input: $input) { token deviceToken errors { code } } }"""


def test_a_first_sign_in_makes_a_known_device_cookie_and_token(api: Api) -> None:
    user = api.new_account()
    api.client.cookies.clear()
    response = api.post(
        {"query": DEVICE_LOGIN, "variables": {"input": {"email": user.email, "password": user.password}}}
    )
    body = response.json()["data"]["login"]
    assert body["errors"] == [] and body["deviceToken"]
    cookies = response.headers.get_list("set-cookie")
    device = next(c for c in cookies if c.startswith("__Host-tenantry_device="))
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert flag.lower() in device.lower()
    assert body["deviceToken"] in device
    again = api.post(
        {"query": DEVICE_LOGIN, "variables": {"input": {"email": user.email, "password": user.password}}},
        headers={"x-device-token": body["deviceToken"]},
    )
    assert again.json()["data"]["login"]["deviceToken"] is None  # known already


def test_someone_who_knows_the_email_cannot_lock_the_owner_out_of_a_known_device(api: Api) -> None:
    user = api.new_account()
    api.client.cookies.clear()
    variables = {"input": {"email": user.email, "password": user.password}}
    device = api.data(DEVICE_LOGIN, variables)["login"]["deviceToken"]
    api.client.cookies.clear()
    for _ in range(10):
        login_result(api, user.email, "wrong-password-1")
    assert login_result(api, user.email, user.password)["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    owner = api.post({"query": DEVICE_LOGIN, "variables": variables}, headers={"x-device-token": device})
    assert owner.json()["data"]["login"]["errors"] == [] and owner.json()["data"]["login"]["token"]
