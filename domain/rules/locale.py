"""Language tags and time zones."""

from __future__ import annotations

import functools
import zoneinfo

import langcodes
from langcodes.tag_parser import LanguageTagError

from domain.errors import Invalid, Required, TooLong

# RFC 5646 section 4.4.1 asks implementations to handle at least 35 characters; extensions can
# make tags longer, but nothing an account setting needs comes close to this.
MAX_LANGUAGE_TAG_LENGTH = 64

# "localtime" names the server's own zone and "Factory" means "no zone configured": both appear in
# available_timezones() on Linux, and neither means anything as a user's setting.
_NOT_USER_ZONES = frozenset({"localtime", "Factory"})


def language_tag(value: str, field: tuple[str, ...]) -> str:
    """Return the standardized BCP 47 tag, e.g. "sv-se" -> "sv-SE", "iw" -> "he".

    Raises Required when blank, TooLong past 64 characters, Invalid when the tag is
    malformed or its language subtag is not registered.
    """
    tag = value.strip()
    if not tag:
        raise Required("Language is required.", field)
    if len(tag) > MAX_LANGUAGE_TAG_LENGTH:
        raise TooLong(f"Language can be at most {MAX_LANGUAGE_TAG_LENGTH} characters.", field)
    invalid = Invalid("This is not a valid language tag; use one such as sv-SE.", field)
    if not langcodes.tag_is_valid(tag):
        raise invalid
    try:
        standard = langcodes.standardize_tag(tag)
    except LanguageTagError:
        raise invalid from None
    if len(standard) > MAX_LANGUAGE_TAG_LENGTH:  # standardizing can lengthen a tag
        raise TooLong(f"Language can be at most {MAX_LANGUAGE_TAG_LENGTH} characters.", field)
    return standard


def timezone(value: str, field: tuple[str, ...]) -> str:
    """Return the IANA time zone name unchanged if it is known, e.g. "Europe/Stockholm".

    Names are case-sensitive as in the tz database. Raises Required when blank, Invalid otherwise.
    """
    name = value.strip()
    if not name:
        raise Required("Time zone is required.", field)
    if name not in _time_zones():
        raise Invalid("This is not a known time zone; use an IANA name such as Europe/Stockholm.", field)
    return name


@functools.cache
def _time_zones() -> frozenset[str]:
    """All zone names the tz database offers users; read once since it scans the disk."""
    return frozenset(zoneinfo.available_timezones()) - _NOT_USER_ZONES
