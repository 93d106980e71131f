"""Unit tests for the pure validation and normalization rules in domain/rules."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from domain.errors import DomainError, Invalid, PasswordReused, Required, TooLong, WeakPassword
from domain.rules import banking, geo, locale, numbers, passwords, phone, text
from domain.rules import email as contact

FIELD = ("input", "value")


def fails(error: type[DomainError], fn: Callable[..., object], *args: object, **kwargs: object) -> DomainError:
    """Call a rule expecting exactly `error` at FIELD, and return it for message checks."""
    with pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    assert type(caught.value) is error
    assert caught.value.field == FIELD
    return caught.value


# --- banking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SE4550000000058398257466", "SE4550000000058398257466"),
        ("se45 5000 0000 0583 9825 7466", "SE4550000000058398257466"),
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("gb29 nwbk 6016 1331 9268 19", "GB29NWBK60161331926819"),
        ("NO93 8601 1117 947", "NO9386011117947"),
    ],
)
def test_iban_accepts_valid_numbers_and_returns_them_compact(raw: str, expected: str) -> None:
    assert banking.iban(raw, FIELD) == expected


def test_iban_rejects_check_digits_off_by_one() -> None:
    error = fails(Invalid, banking.iban, "SE4550000000058398257467", FIELD)
    assert "check digits" in error.message


@pytest.mark.parametrize("raw", ["SE455000000005839825746", "NO938601111794", "XX4550000000058398257466"])
def test_iban_rejects_wrong_length_or_country(raw: str) -> None:
    assert "length or format" in fails(Invalid, banking.iban, raw, FIELD).message


def test_iban_rejects_non_iban_shapes_blank_and_overlong_input() -> None:
    fails(Invalid, banking.iban, "4550000000058398257466", FIELD)
    fails(Required, banking.iban, "  ", FIELD)
    fails(TooLong, banking.iban, "SE45" + "1" * 31, FIELD)
    fails(TooLong, banking.iban, "SE45" * 250_000, FIELD)


def test_mask_iban_shows_only_the_last_four_characters_in_groups_of_four() -> None:
    assert banking.mask_iban("SE45 5000 0000 0583 9825 7466") == "**** **** **** **** **** 7466"
    assert banking.mask_iban("DE89370400440532013000") == "**** **** **** **** **30 00"
    assert banking.mask_iban("1234") == "****"


@pytest.mark.parametrize(("raw", "expected"), [("deutdeff", "DEUTDEFF"), ("DEUT DE FF 500", "DEUTDEFF500")])
def test_bic_accepts_8_and_11_characters(raw: str, expected: str) -> None:
    assert banking.bic(raw, FIELD) == expected


@pytest.mark.parametrize("raw", ["DEUTXXFF", "DEUTDEF", "DEUTDEFF5", "1EUTDEFF"])
def test_bic_rejects_unknown_country_and_wrong_length(raw: str) -> None:
    fails(Invalid, banking.bic, raw, FIELD)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SE556012579001", "SE556012579001"),
        ("se 5560 1257 9001", "SE556012579001"),
        ("DE136695976", "DE136695976"),
        ("GB 980 7806 84", "GB980780684"),
        ("NO 995 525 828 MVA", "NO995525828MVA"),
    ],
)
def test_vat_number_accepts_eu_and_other_countries(raw: str, expected: str) -> None:
    assert banking.vat_number(raw, FIELD) == expected


@pytest.mark.parametrize("raw", ["DE136695977", "SE556012579101", "556012579001", "ZZ12345"])
def test_vat_number_rejects_bad_checksum_and_missing_country(raw: str) -> None:
    fails(Invalid, banking.vat_number, raw, FIELD)


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [
        ("SE", "556012-5790", "556012-5790"),
        ("se", "5560125790", "556012-5790"),
        ("NO", "988077917", "988 077 917"),
        ("DK", "13585628", "13585628"),
        ("FI", "2077474-0", "2077474-0"),
        ("IS", "4504013150", "450401-3150"),
        ("US", " 12-3456789 ", "12-3456789"),
    ],
)
def test_organization_number_accepts_and_formats(country: str, raw: str, expected: str) -> None:
    assert numbers.organization_number(raw, country, FIELD) == expected


def test_organization_number_rejects_bad_checksum_naming_the_kind() -> None:
    error = fails(Invalid, numbers.organization_number, "556012-5791", "SE", FIELD)
    assert error.message == "This is not a valid Swedish organization number."
    fails(Invalid, numbers.organization_number, "120174-3399", "IS", FIELD)  # a person's kennitala
    fails(Invalid, numbers.organization_number, "HRB 1234", "DE", FIELD)  # stdnum needs the court
    fails(Required, numbers.organization_number, " ", "SE", FIELD)
    fails(TooLong, numbers.organization_number, "1" * 33, "US", FIELD)
    fails(Invalid, numbers.organization_number, "12\x0034", "US", FIELD)


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [
        ("SE", "8803200016", "19880320-0016"),
        ("SE", "19880320-0016", "19880320-0016"),
        ("NO", "15108695088", "151086 95088"),
        ("DK", "2110625629", "211062-5629"),
        ("FI", "131052-308t", "131052-308T"),
        ("PL", "44051401359", "44051401359"),
    ],
)
def test_personal_number_accepts_and_formats(country: str, raw: str, expected: str) -> None:
    assert numbers.personal_number(raw, country, FIELD) == expected


@pytest.mark.parametrize(("country", "raw"), [("SE", "880320-0018"), ("SE", "881320-0016"), ("IS", "450401-3150")])
def test_personal_number_rejects_bad_checksum_date_or_kind(country: str, raw: str) -> None:
    assert "personal identity number" in fails(Invalid, numbers.personal_number, raw, country, FIELD).message


# --- phone and email --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "country"),
    [("+46 70-123 45 67", None), ("070-123 45 67", "SE"), ("+46701234567", "se"), ("0046701234567", "SE")],
)
def test_normalize_phone_returns_e164(raw: str, country: str | None) -> None:
    assert phone.normalize_phone(raw, FIELD, country=country) == "+46701234567"


@pytest.mark.parametrize(
    ("raw", "country"),
    [("070-123 45 67", None), ("+46 70 123", None), ("hello", "SE"), ("+1 650 253 0000 ext. 123", None)],
)
def test_normalize_phone_rejects_unreadable_or_invalid_numbers(raw: str, country: str | None) -> None:
    fails(Invalid, phone.normalize_phone, raw, FIELD, country=country)


def test_normalize_phone_rejects_blank_and_overlong_input() -> None:
    fails(Required, phone.normalize_phone, " ", FIELD, country="SE")
    fails(TooLong, phone.normalize_phone, "+46 " + "7" * 40, FIELD, country=None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Anna@Example.COM ", "Anna@example.com"),
        ("åsa.öberg@EXEMPEL.se", "åsa.öberg@exempel.se"),
        ("用户@例子.广告", "用户@例子.广告"),
    ],
)
def test_normalize_email_lowercases_the_domain_only(raw: str, expected: str) -> None:
    assert contact.normalize_email(raw, FIELD) == expected


def test_normalize_email_rejects_with_the_libraries_reason() -> None:
    assert "@-sign" in fails(Invalid, contact.normalize_email, "anna.example.com", FIELD).message
    fails(Invalid, contact.normalize_email, "anna@localhost", FIELD)
    fails(Required, contact.normalize_email, "", FIELD)
    fails(TooLong, contact.normalize_email, "a" * 250 + "@x.se", FIELD)


def test_email_key_ignores_case() -> None:
    assert contact.email_key("Anna@example.com") == contact.email_key("ANNA@EXAMPLE.COM")
    assert contact.email_key("Åsa@exempel.se") == "åsa@exempel.se"


# --- geo and locale ---------------------------------------------------------------------------


def test_country_code_accepts_iso_codes_in_any_case() -> None:
    assert geo.country_code(" se ", FIELD) == "SE"


@pytest.mark.parametrize("raw", ["UK", "XK", "SWE", "S1", "ÅÄ"])
def test_country_code_rejects_unassigned_or_malformed_codes(raw: str) -> None:
    fails(Invalid, geo.country_code, raw, FIELD)


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("111 22", "SE", "111 22"),
        (" 11122 ", "se", "11122"),
        ("12345", "US", "12345"),
        ("12345-6789", "US", "12345-6789"),
        ("sw1a   1aa", "GB", "SW1A 1AA"),
        ("BFPO 61", "GB", "BFPO 61"),
        ("12345", "AE", "12345"),  # no pattern known: any plain code
    ],
)
def test_postal_code_accepts_the_countrys_format(raw: str, country: str, expected: str) -> None:
    assert geo.postal_code(raw, country, FIELD) == expected


@pytest.mark.parametrize(("raw", "country"), [("ABC", "SE"), ("١١١٢٢", "SE"), ("1234", "US"), ("12#4", "AE")])
def test_postal_code_rejects_other_formats(raw: str, country: str) -> None:
    fails(Invalid, geo.postal_code, raw, country, FIELD)


def test_postal_code_message_names_the_country_with_an_example() -> None:
    error = fails(Invalid, geo.postal_code, "ABC", "SE", FIELD)
    assert error.message == "This is not a valid postal code for Sweden. Expected a format like 11455 or 12345."
    fails(TooLong, geo.postal_code, "1" * 17, "SE", FIELD)


@pytest.mark.parametrize(
    ("raw", "expected"), [("sv-se", "sv-SE"), ("EN-us", "en-US"), ("zh-hant-tw", "zh-Hant-TW"), ("iw", "he")]
)
def test_language_tag_returns_the_standard_form(raw: str, expected: str) -> None:
    assert locale.language_tag(raw, FIELD) == expected


def test_language_tag_rejects_malformed_and_unknown_tags() -> None:
    for raw in ("xx", "abcdefghi", "sv--se", "123"):
        fails(Invalid, locale.language_tag, raw, FIELD)
    fails(Required, locale.language_tag, "", FIELD)
    fails(TooLong, locale.language_tag, "en-" + "a" * 70, FIELD)


def test_timezone_accepts_iana_names_only() -> None:
    assert locale.timezone(" Europe/Stockholm ", FIELD) == "Europe/Stockholm"
    assert locale.timezone("UTC", FIELD) == "UTC"
    for raw in ("Mars/Olympus", "europe/stockholm", "localtime", "+01:00"):
        fails(Invalid, locale.timezone, raw, FIELD)
    fails(Required, locale.timezone, "", FIELD)


# --- passwords --------------------------------------------------------------------------------


def check_password(password: str, *, current_matches: bool = False) -> None:
    passwords.check_new_password(
        password,
        email="anna.svensson@example.com",
        first_name="Anna",
        last_name="Li",
        current_matches=current_matches,
        field=FIELD,
    )


def test_password_policy_constants() -> None:
    assert (passwords.MIN_LENGTH, passwords.MAX_LENGTH) == (12, 256)


@pytest.mark.parametrize("password", ["tulip-radio-harbor", "🦄🌈🔥🎉" * 50, "ﬁﬁﬁﬁﬁﬁ", "Li and Lu went home"])
def test_password_accepts_long_uncommon_passwords(password: str) -> None:
    check_password(password)  # the ligatures count 12 after NFKC; a 2-letter name is not checked


def test_password_rejects_short_passwords() -> None:
    assert "at least 12 characters" in fails(WeakPassword, check_password, "short").message


def test_password_rejects_overlong_passwords() -> None:
    assert "at most 256 characters" in fails(Invalid, check_password, "x" * 257).message
    fails(Invalid, check_password, "x" * 1_000_000)


@pytest.mark.parametrize("password", ["password1234", "PASSWORD1234", "qwerty123456"])
def test_password_rejects_common_passwords(password: str) -> None:
    assert "commonly used" in fails(WeakPassword, check_password, password).message


@pytest.mark.parametrize(
    ("password", "mentions"),
    [("my-ANNA-secret-42", "first name"), ("xx-anna.svensson-xx", "email address")],
)
def test_password_rejects_personal_data(password: str, mentions: str) -> None:
    assert mentions in fails(WeakPassword, check_password, password).message


def test_password_rejects_reuse_of_the_current_password() -> None:
    fails(PasswordReused, check_password, "tulip-radio-harbor", current_matches=True)


def test_common_password_list_is_substantial() -> None:
    common = passwords._common_passwords()
    assert len(common) >= 10_000 and "password1234" in common


# --- text -------------------------------------------------------------------------------------


def test_clean_text_trims_and_composes_combining_marks() -> None:
    assert text.clean_text("  Zoe\u0308  ", FIELD, max_len=3, label="Name") == "Zoë"


def test_clean_text_treats_blank_as_missing() -> None:
    assert text.clean_text("   ", FIELD, max_len=10, label="Name") is None
    assert text.clean_text(None, FIELD, max_len=10, label="Name") is None
    assert fails(Required, text.clean_text, " ", FIELD, max_len=10, required=True, label="Name").message == (
        "Name is required."
    )


@pytest.mark.parametrize("raw", ["two\nlines", "tab\there", "nul\x00", "rtl\u202eoverride", "zero\u200bwidth"])
def test_clean_text_rejects_control_and_format_characters(raw: str) -> None:
    fails(Invalid, text.clean_text, raw, FIELD, max_len=50, label="Name")


def test_clean_text_enforces_length_limits() -> None:
    error = fails(TooLong, text.clean_text, "abcdef", FIELD, max_len=5, label="Name")
    assert error.message == "Name can be at most 5 characters."
    fails(Invalid, text.clean_text, "a", FIELD, max_len=5, min_len=2, label="Name")


def test_clean_text_refuses_a_megabyte_quickly() -> None:
    started = time.perf_counter()
    fails(TooLong, text.clean_text, "é" * 1_000_000, FIELD, max_len=100, label="Name")
    fails(TooLong, text.printable, "x" * 1_000_000, FIELD, max_len=100, label="PO number")
    assert time.perf_counter() - started < 0.5


def test_printable_accepts_reference_strings_and_rejects_invisible_ones() -> None:
    assert text.printable(" PO-2024/17 ", FIELD, max_len=20, label="PO number") == "PO-2024/17"
    assert text.printable("", FIELD, max_len=20, label="PO number") is None
    fails(Invalid, text.printable, "PO\u00a017", FIELD, max_len=20, label="PO number")
    fails(Invalid, text.printable, "PO\t17", FIELD, max_len=20, label="PO number")


def test_swedish_personal_numbers_are_stored_in_one_form_whatever_was_typed() -> None:
    from domain.rules.numbers import personal_number

    forms = ["198803200016", "8803200016", "880320-0016", "19880320-0016"]
    assert {personal_number(f, "SE", ("number",)) for f in forms} == {"19880320-0016"}
    assert personal_number("5209231389", "SE", ("n",)) == "19520923-1389"


def test_a_language_tag_that_grows_when_standardized_is_still_bounded() -> None:
    from domain.errors import TooLong
    from domain.rules.locale import language_tag

    with pytest.raises(TooLong):
        language_tag("zh-min-r-default-ca-hc-latn-biske-a-bcdefgh-b-aaaaaaaa-e-xyz", ("language",))


def test_lone_surrogates_are_refused_in_text() -> None:
    from domain.errors import Invalid
    from domain.rules.text import clean_text

    with pytest.raises(Invalid):
        clean_text("A\ud800", ("firstName",), max_len=100, label="The first name")
