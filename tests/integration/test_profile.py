"""Query.me's profile and updateProfile, through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import concurrent.futures
import threading
from datetime import datetime
from typing import Any

from domain.entities import Actor, UserRole
from domain.services import profile
from domain.services.profile import ProfileChanges
from support import Api, Seeded

PROFILE_FIELDS = "firstName lastName phone pendingEmail location { country city } language timezone jobTitle version"
ME = f"query Me {{ me {{ id email role profile {{ {PROFILE_FIELDS} updatedAt }} }} }}"
UPDATE = f"""
mutation Update($input: UpdateProfileInput!) {{
  updateProfile(input: $input) {{ profile {{ {PROFILE_FIELDS} updatedAt }} errors {{ field code message }} }}
}}
"""

FRESH = {
    "firstName": "Alva",
    "lastName": "Ekström",
    "phone": None,
    "pendingEmail": None,
    "location": None,
    "language": None,
    "timezone": None,
    "jobTitle": None,
    "version": 1,
}
FULL = {
    "firstName": "  Märta  ",
    "lastName": "Öberg-Lind",
    "phone": "+46 70-123 45 67",
    "location": {"country": "se", "city": "Göteborg"},
    "language": "sv-se",
    "timezone": "Europe/Stockholm",
    "jobTitle": "Head of Finance",
}
FULL_SAVED = {
    "firstName": "Märta",
    "lastName": "Öberg-Lind",
    "phone": "+46701234567",
    "pendingEmail": None,
    "location": {"country": "SE", "city": "Göteborg"},
    "language": "sv-SE",
    "timezone": "Europe/Stockholm",
    "jobTitle": "Head of Finance",
}


def update(api: Api, user: Seeded, **fields: Any) -> dict[str, Any]:
    return api.data(UPDATE, {"input": fields}, token=user.token)["updateProfile"]


def saved(api: Api, user: Seeded) -> dict[str, Any]:
    found = api.data(ME, token=user.token)["me"]["profile"]
    found.pop("updatedAt")
    return found


def codes(result: dict[str, Any]) -> set[tuple[tuple[str, ...], str]]:
    return {(tuple(e["field"]), e["code"]) for e in result["errors"]}


def test_me_returns_every_profile_field(api: Api) -> None:
    user = api.new_account()
    me = api.data(ME, token=user.token)["me"]
    assert me["email"] == user.email and me["role"] == "ACCOUNT_ADMIN"
    assert datetime.fromisoformat(me["profile"].pop("updatedAt"))
    assert me["profile"] == FRESH


def test_update_profile_saves_every_field_and_bumps_the_version(api: Api) -> None:
    user = api.new_account()
    before = api.data(ME, token=user.token)["me"]["profile"]["updatedAt"]
    result = update(api, user, expectedVersion=1, **FULL)
    assert result["errors"] == []
    after = result["profile"].pop("updatedAt")
    assert result["profile"] == {**FULL_SAVED, "version": 2}
    assert datetime.fromisoformat(after) >= datetime.fromisoformat(before)
    assert saved(api, user) == {**FULL_SAVED, "version": 2}


def test_fields_left_out_stay_and_null_clears_optional_ones(api: Api) -> None:
    user = api.new_account()
    assert update(api, user, expectedVersion=1, **FULL)["errors"] == []
    result = update(api, user, expectedVersion=2, jobTitle=None, phone=None, location=None, language="")
    assert result["errors"] == []
    assert saved(api, user) == {
        **FULL_SAVED,
        "jobTitle": None,
        "phone": None,
        "location": None,
        "language": None,
        "version": 3,
    }
    assert update(api, user, expectedVersion=3)["profile"]["version"] == 4  # an empty update still saves


def test_null_or_blank_names_are_required_and_nothing_is_saved(api: Api) -> None:
    user = api.new_account()
    result = update(api, user, expectedVersion=1, firstName=None, lastName="   ", jobTitle="Saved?")
    assert result == {
        "profile": None,
        "errors": [
            {"field": ["input", "firstName"], "code": "REQUIRED", "message": "The first name is required."},
            {"field": ["input", "lastName"], "code": "REQUIRED", "message": "The last name is required."},
        ],
    }
    assert saved(api, user) == FRESH


def test_every_wrong_field_is_reported_at_once(api: Api) -> None:
    user = api.new_account()
    result = update(
        api,
        user,
        expectedVersion=1,
        firstName="x" * 101,
        lastName="Ek\u202eström",  # a bidi override would make the name display as something else
        phone="12",
        location={"country": "XX", "city": "c" * 101},
        language="not a tag!",
        timezone="Mars/Olympus_Mons",
        jobTitle="j" * 101,
    )
    assert result["profile"] is None
    assert codes(result) == {
        (("input", "firstName"), "TOO_LONG"),
        (("input", "lastName"), "INVALID"),
        (("input", "phone"), "INVALID"),
        (("input", "location", "country"), "INVALID"),
        (("input", "location", "city"), "TOO_LONG"),
        (("input", "language"), "INVALID"),
        (("input", "timezone"), "INVALID"),
        (("input", "jobTitle"), "TOO_LONG"),
    }
    assert all(e["message"] for e in result["errors"])
    assert saved(api, user) == FRESH


def test_huge_and_odd_input_is_refused_as_user_errors(api: Api) -> None:
    user = api.new_account()
    result = update(api, user, expectedVersion=1, firstName="x" * 100_000, phone="7" * 10_000, timezone="")
    assert codes(result) == {(("input", "firstName"), "TOO_LONG"), (("input", "phone"), "TOO_LONG")}
    result = update(api, user, expectedVersion=1, location={"country": ""}, language="x" * 65, jobTitle="a\nb")
    assert codes(result) == {
        (("input", "location", "country"), "REQUIRED"),
        (("input", "language"), "TOO_LONG"),
        (("input", "jobTitle"), "INVALID"),
    }
    assert update(api, user, expectedVersion=1, location={"country": "UK"})["errors"][0]["code"] == "INVALID"
    assert saved(api, user) == FRESH


def test_wrong_types_are_graphql_errors(api: Api) -> None:
    user = api.new_account()
    for bad in ({"expectedVersion": "one"}, {"expectedVersion": 1, "firstName": 5}, {"firstName": "A"}):
        body = api.gql(UPDATE, {"input": bad}, token=user.token)
        assert body.get("data") is None and body["errors"], bad
    body = api.gql(UPDATE, {"input": {"expectedVersion": 1, "location": {"city": "Lund"}}}, token=user.token)
    assert body.get("data") is None and body["errors"]
    assert saved(api, user) == FRESH


def test_phone_is_read_internationally_or_in_the_profiles_country(api: Api) -> None:
    user = api.new_account()
    national = update(api, user, expectedVersion=1, phone="070-123 45 67")
    assert national["errors"] == [
        {
            "field": ["input", "phone"],
            "code": "INVALID",
            "message": "This is not a valid phone number. Include the country code, for example +46 70 123 45 67.",
        }
    ]
    with_country = update(api, user, expectedVersion=1, phone="070-123 45 67", location={"country": "SE"})
    assert with_country["profile"]["phone"] == "+46701234567"
    stored_country = update(api, user, expectedVersion=2, phone="08-123 456 78")
    assert stored_country["profile"]["phone"] == "+46812345678"
    norway = update(api, user, expectedVersion=3, phone="412 34 567", location={"country": "NO", "city": None})
    assert norway["profile"]["phone"] == "+4741234567" and norway["profile"]["location"] == {
        "country": "NO",
        "city": None,
    }
    assert update(api, user, expectedVersion=4, phone="+46 70 12")["errors"][0]["code"] == "INVALID"
    assert update(api, user, expectedVersion=4, phone="+46 70 123 45 67 ext. 12")["errors"][0]["code"] == "INVALID"


def test_unicode_names_are_kept_normalized(api: Api) -> None:
    user = api.new_account()
    names = {"firstName": "Zoe\u0308 🦊", "lastName": "Nguyễn " + "é" * 90}  # combining diaeresis -> NFC
    result = update(api, user, expectedVersion=1, **names)
    assert result["errors"] == []
    assert result["profile"]["firstName"] == "Zoë 🦊"
    assert result["profile"]["lastName"] == "Nguyễn " + "é" * 90
    long_name = update(api, user, expectedVersion=2, firstName="🦊" * 200, jobTitle="ü" * 200)
    assert codes(long_name) == {(("input", "firstName"), "TOO_LONG"), (("input", "jobTitle"), "TOO_LONG")}
    assert update(api, user, expectedVersion=2, jobTitle="e\u0301" * 100)["profile"]["jobTitle"] == "é" * 100


def test_stale_version_is_a_conflict_and_changes_nothing(api: Api) -> None:
    user = api.new_account()
    assert update(api, user, expectedVersion=1, jobTitle="First")["errors"] == []
    stale = update(api, user, expectedVersion=1, jobTitle="Second")
    assert stale["profile"] is None
    assert [(e["field"], e["code"]) for e in stale["errors"]] == [(["input", "expectedVersion"], "VERSION_CONFLICT")]
    assert update(api, user, expectedVersion=99, jobTitle="Third")["errors"][0]["code"] == "VERSION_CONFLICT"
    assert saved(api, user)["jobTitle"] == "First"


def test_concurrent_updates_with_the_same_version_exactly_one_wins(api: Api) -> None:
    user = api.new_account()
    for version in range(1, 6):
        barrier = threading.Barrier(2)

        def race(title: str, version: int = version, barrier: threading.Barrier = barrier) -> dict[str, Any]:
            barrier.wait()
            return update(api, user, expectedVersion=version, jobTitle=title)

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            results = list(pool.map(race, [f"A{version}", f"B{version}"]))
        winners = [r for r in results if r["errors"] == []]
        losers = [r for r in results if r["errors"]]
        assert len(winners) == 1 and len(losers) == 1, results
        assert losers[0]["errors"][0]["code"] == "VERSION_CONFLICT"
        assert saved(api, user)["jobTitle"] == winners[0]["profile"]["jobTitle"]
        assert saved(api, user)["version"] == version + 1


def test_concurrent_service_calls_with_the_same_version_exactly_one_wins(api: Api) -> None:
    from domain.errors import VersionConflict

    user = api.new_account()
    caller = Actor(user.user_id, user.account_id, UserRole.ACCOUNT_ADMIN)
    barrier = threading.Barrier(8)

    def race(n: int) -> str:
        barrier.wait()
        try:
            profile.update_profile(
                api.deps, caller, ProfileChanges(job_title=f"T{n}"), expected_version=1, current_password=None
            )
        except VersionConflict:
            return "conflict"
        return "won"

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(race, range(8)))
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]
    assert saved(api, user)["version"] == 2


def test_member_and_admin_each_edit_only_their_own_profile(api: Api) -> None:
    admin = api.new_account()
    member = api.new_user(admin.account_id, UserRole.MEMBER)
    assert update(api, member, expectedVersion=1, jobTitle="Member title")["errors"] == []
    assert update(api, admin, expectedVersion=1, jobTitle="Admin title", firstName="Ada")["errors"] == []
    assert saved(api, member) == {**FRESH, "jobTitle": "Member title", "version": 2}
    assert saved(api, admin) == {**FRESH, "firstName": "Ada", "jobTitle": "Admin title", "version": 2}


def test_update_profile_needs_a_session(api: Api) -> None:
    body = api.gql(UPDATE, {"input": {"expectedVersion": 1, "jobTitle": "x"}})
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    body = api.gql(UPDATE, {"input": {"expectedVersion": 1, "jobTitle": "x"}}, token="made-up-token")
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
