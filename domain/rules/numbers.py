"""Organization and personal identity numbers, checked per country with python-stdnum."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stdnum import get_cc_module
from stdnum.dk import cpr, cvr
from stdnum.exceptions import ValidationError
from stdnum.fi import hetu, ytunnus
from stdnum.is_ import kennitala
from stdnum.no import fodselsnummer
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr
from stdnum.se import personnummer

from domain.entities import AccountKind
from domain.errors import Invalid, Required
from domain.rules import geo, text

if TYPE_CHECKING:  # the protocol exists only for type checkers
    from stdnum.util import NumberValidationModule

# For countries without a checksum module we store what was typed, within this limit.
MAX_FREE_FORM_LENGTH = 32

# The Icelandic kennitala covers people and organizations; organizations add 40 to the day.
_KENNITALA_ORG_OFFSET = 40


def _kennitala_is_org(number: str) -> bool:
    return int(number[:2]) >= _KENNITALA_ORG_OFFSET


def _kennitala_is_person(number: str) -> bool:
    return int(number[:2]) < _KENNITALA_ORG_OFFSET


@dataclass(frozen=True)
class _Scheme:
    module: NumberValidationModule
    # For the message ("Swedish"); None for the generic fallback, which names the country.
    adjective: str | None = None
    # An extra test on the compact number, for modules that accept more than one kind.
    accepts: Callable[[str], bool] | None = None


_ORGANIZATION: dict[str, _Scheme] = {
    "SE": _Scheme(se_orgnr, "Swedish"),
    "NO": _Scheme(no_orgnr, "Norwegian"),
    "DK": _Scheme(cvr, "Danish"),  # CVR; also the Danish VAT number without "DK"
    "FI": _Scheme(ytunnus, "Finnish"),  # Y-tunnus, the business ID
    "IS": _Scheme(kennitala, "Icelandic", _kennitala_is_org),
}
_PERSONAL: dict[str, _Scheme] = {
    "SE": _Scheme(personnummer, "Swedish"),
    "NO": _Scheme(fodselsnummer, "Norwegian"),
    "DK": _Scheme(cpr, "Danish"),
    "FI": _Scheme(hetu, "Finnish"),
    "IS": _Scheme(kennitala, "Icelandic", _kennitala_is_person),
}
# stdnum's per-country aliases. "vat" is left out on purpose: outside the Nordics a VAT number is
# usually not the company registration number, so checking one as the other rejects valid input.
_ORGANIZATION_NAMES = ("orgnr", "businessid")
# "personalid" is stdnum's alias for a country's main personal number; Poland's PESEL has none.
_PERSONAL_NAMES = ("personalid", "pesel")


def organization_number(value: str, country: str, field: tuple[str, ...]) -> str:
    """Check a company registration number for `country` and return its display form.

    Swedish "5560125790" becomes "556012-5790". Nordic countries use explicit stdnum modules,
    others whatever stdnum offers as "orgnr" or "businessid"; without one, 1-32 printable
    characters are accepted as typed. Raises Required, TooLong or Invalid.
    """
    return _check(value, country, field, "organization number", _ORGANIZATION, _ORGANIZATION_NAMES)


def personal_number(value: str, country: str, field: tuple[str, ...]) -> str:
    """Check a personal identity number for `country` and return its display form.

    Swedish "198803200016" becomes "19880320-0016", "8803200016" becomes "880320-0016".
    Date and checksum are verified where stdnum can; other countries as for
    `organization_number`. Raises Required, TooLong or Invalid.
    """
    return _check(value, country, field, "personal identity number", _PERSONAL, _PERSONAL_NAMES)


def account_number(value: str, kind: AccountKind, country: str, field: tuple[str, ...]) -> str:
    """Check the number an account of `kind` is known by: a business's organization number or an
    individual's personal identity number. Raises Required, TooLong or Invalid."""
    check = organization_number if kind is AccountKind.BUSINESS else personal_number
    return check(value, country, field)


def _check(
    value: str,
    country: str,
    field: tuple[str, ...],
    kind: str,
    schemes: dict[str, _Scheme],
    names: tuple[str, ...],
) -> str:
    """Validate `value` with the country's scheme, or as free-form text when there is none."""
    label = _capitalized(kind)
    if not value.strip():
        raise Required(f"{label} is required.", field)
    code = country.strip().upper()
    scheme = schemes.get(code) or _generic_scheme(code, names)
    # Free-form numbers are stored as typed, so they must be printable; a scheme refuses what it cannot read.
    clean = text.printable if scheme is None else text.normalized
    number = clean(value, field, max_len=MAX_FREE_FORM_LENGTH, label=label) or ""  # never blank here
    if scheme is None:
        return number
    if not _passes(scheme, number):
        raise Invalid(_invalid_message(scheme, kind, code), field)
    return _display(scheme.module, number)


def _generic_scheme(code: str, names: tuple[str, ...]) -> _Scheme | None:
    """The first stdnum module under one of `names` for the country, if any."""
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return None
    for name in names:
        module = get_cc_module(code, name)
        if module is not None:
            return _Scheme(module)
    return None


def _passes(scheme: _Scheme, typed: str) -> bool:
    try:
        number = scheme.module.validate(typed)
    except ValidationError:
        return False
    return scheme.accepts is None or scheme.accepts(number)


def _invalid_message(scheme: _Scheme, kind: str, code: str) -> str:
    """Name the country as an adjective where we know one, else by its name."""
    if scheme.adjective:
        return f"This is not a valid {scheme.adjective} {kind}."
    return f"This is not a valid {kind} for {geo.country_name(code)}."


def _display(module: NumberValidationModule, typed: str) -> str:
    """The module's presentation format, or its compact form when it has none (e.g. DK CVR).

    Swedish personal numbers always get the 12-digit form: stdnum keeps whichever form was typed,
    and "8803200016" and "198803200016" must be one number, not two.
    """
    if module is personnummer:
        digits = personnummer.compact(typed).replace("-", "").replace("+", "")
        if len(digits) == 10:
            # The century from the birth date; the digits are kept (coordination numbers add 60 to the day).
            digits = f"{personnummer.get_birth_date(typed).year // 100}{digits}"
        return f"{digits[:8]}-{digits[8:]}"
    render = getattr(module, "format", None) or module.compact
    return str(render(typed))


def _capitalized(kind: str) -> str:
    return kind[0].upper() + kind[1:]
