"""Phone numbers: parse international or national input and store it as E.164."""

from __future__ import annotations

import phonenumbers

from domain.errors import Invalid, Required, TooLong

# Generous for spaces, dashes and brackets; the longest E.164 number has 15 digits.
MAX_PHONE_INPUT_LENGTH = 40


def normalize_phone(value: str, field: tuple[str, ...], *, country: str | None) -> str:
    """Return the phone number in E.164 form, e.g. "+46701234567".

    `country` is the ISO 3166-1 alpha-2 code used to read national numbers such as
    "070-123 45 67"; without it the number must start with "+" and a country code.
    Raises Required when blank, TooLong past 40 characters, and Invalid otherwise.
    """
    text = value.strip()
    if not text:
        raise Required("Phone number is required.", field)
    if len(text) > MAX_PHONE_INPUT_LENGTH:
        raise TooLong(f"Phone number can be at most {MAX_PHONE_INPUT_LENGTH} characters.", field)
    region = country.upper() if country else None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise Invalid(_hint(region), field) from None
    if number.extension:
        # E.164 cannot carry an extension; dropping it silently would store the wrong number.
        raise Invalid("Phone extensions are not supported; enter the number only.", field)
    if not phonenumbers.is_valid_number(number):
        raise Invalid(_hint(region), field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _hint(region: str | None) -> str:
    """The message for an unreadable number, telling how to enter one we can read."""
    if region is None:
        return "This is not a valid phone number. Include the country code, for example +46 70 123 45 67."
    return f"This is not a valid phone number; numbers without a + country code are read as {region} numbers."
