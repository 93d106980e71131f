"""Bank details and VAT numbers: IBAN, BIC and VAT checks with python-stdnum."""

from __future__ import annotations

import re
from collections.abc import Callable

import pycountry
from stdnum import bic as stdnum_bic
from stdnum import get_cc_module
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, ValidationError

from domain.errors import Invalid, Required, TooLong

# ISO 13616 caps an IBAN at 34 characters; BICs have 8 or 11; no VAT number comes near 20.
MAX_IBAN_LENGTH = 34
MAX_VAT_LENGTH = 20
# Room for the separators people type (spaces, dashes, dots) around the significant characters.
_MAX_RAW_LENGTH = 64

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")
_VAT_SHAPE = re.compile(r"[A-Z]{2}[A-Z0-9]+")
# Greece's VAT prefix is EL, not its ISO code GR; stdnum.eu.vat knows both.
_EU_PREFIXES = frozenset(eu_vat.MEMBER_STATES | {"el"})

_IBAN_FORMAT_MESSAGE = "This IBAN does not have the length or format its country uses; check it for typos."


def iban(value: str, field: tuple[str, ...]) -> str:
    """Check an IBAN's checksum, length and national format; return it compact and upper-case.

    Spaces, dashes, dots and lower case are accepted: "se45 5000 0000 0583 9825 7466" ->
    "SE4550000000058398257466".
    Raises Required, TooLong (over 34 characters) or Invalid.
    """
    number = _compact(value, field, "IBAN", MAX_IBAN_LENGTH, stdnum_iban.compact)
    if not _IBAN_SHAPE.fullmatch(number):
        raise Invalid(
            "An IBAN starts with a two-letter country code and two check digits, followed by letters and digits.",
            field,
        )
    try:
        return stdnum_iban.validate(number)
    except InvalidChecksum:
        raise Invalid(_iban_checksum_message(number), field) from None
    except ValidationError:
        raise Invalid(_IBAN_FORMAT_MESSAGE, field) from None


def _iban_checksum_message(number: str) -> str:
    """Tell a mistyped IBAN (wrong check digits) from one of the wrong length or country.

    stdnum checks the checksum first, so a missing digit also surfaces as a checksum error;
    recomputing the check digits and validating again shows which problem the IBAN has.
    """
    repaired = number[:2] + stdnum_iban.calc_check_digits(number) + number[4:]
    if not stdnum_iban.is_valid(repaired):
        return _IBAN_FORMAT_MESSAGE
    return "This IBAN's check digits do not match; check it for typos."


def bic(value: str, field: tuple[str, ...]) -> str:
    """Check a BIC (SWIFT code) of 8 or 11 characters with a valid country; return it compact.

    Raises Required, TooLong (over 11 characters) or Invalid.
    """
    number = _compact(value, field, "BIC", 11, stdnum_bic.compact)
    try:
        return stdnum_bic.validate(number)
    except ValidationError:
        raise Invalid(
            "This is not a valid BIC; it has 8 or 11 letters and digits, "
            "the 5th and 6th being the bank's country code.",
            field,
        ) from None


def vat_number(value: str, field: tuple[str, ...]) -> str:
    """Check a VAT number that starts with its country prefix; return it compact, upper-case.

    EU numbers (including "EL" for Greece and "XI" for Northern Ireland) are checked with
    stdnum.eu.vat, others with stdnum's VAT module for the prefix's country; a country stdnum
    has no module for is accepted unchecked. The register itself (VIES) is not consulted.
    Raises Required, TooLong or Invalid.
    """
    number = _compact(value, field, "VAT number", MAX_VAT_LENGTH, _vat_compact)
    if not _VAT_SHAPE.fullmatch(number):
        raise Invalid(
            "A VAT number must start with its two-letter country code, e.g. SE556012579001.",
            field,
        )
    prefix = number[:2]
    module = eu_vat if prefix.lower() in _EU_PREFIXES else get_cc_module(prefix, "vat")
    if module is None:
        if pycountry.countries.get(alpha_2=prefix) is None:
            raise Invalid(f"{prefix} is not a country code; a VAT number starts with one.", field)
        # A real country whose numbers stdnum cannot check: keep what was typed, compacted.
        return number
    try:
        checked = module.validate(number)
    except ValidationError:
        raise Invalid("This is not a valid VAT number; check it for typos.", field) from None
    # Non-EU modules drop the prefix (GB) or keep it (CHE); store it either way.
    return checked.upper() if checked.startswith(prefix) else prefix + checked.upper()


def mask_iban(iban: str) -> str:
    """Hide all but the last four characters, grouped in fours as IBANs are printed.

    "SE45 5000 0000 0583 9825 7466" -> "**** **** **** **** **** 7466".
    """
    number = "".join(iban.split()).upper()
    if len(number) <= 4:  # too short to be an IBAN; showing "the last four" would show it all
        return "*" * len(number)
    masked = "*" * (len(number) - 4) + number[-4:]
    return " ".join(masked[start : start + 4] for start in range(0, len(masked), 4))


def _vat_compact(value: str) -> str:
    """Remove the separators people type; stdnum's per-country compact() does the rest."""
    return re.sub(r"[\s.\-/]", "", value).upper()


def _compact(
    value: str,
    field: tuple[str, ...],
    label: str,
    max_len: int,
    compact: Callable[[str], str],
) -> str:
    """Strip separators with `compact`, refusing blank or over-long input before stdnum sees it."""
    text = value.strip()
    if not text:
        raise Required(f"{label} is required.", field)
    too_long = TooLong(f"{label} can be at most {max_len} characters.", field)
    if len(text) > _MAX_RAW_LENGTH:
        raise too_long
    number = compact(text)
    if len(number) > max_len:
        raise too_long
    return number
