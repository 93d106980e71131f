"""Free-text fields: trimming, Unicode normalization, length limits and forbidden characters."""

from __future__ import annotations

import unicodedata

from domain.errors import Invalid, Required, TooLong

# Cc covers C0/C1 controls including newline and tab; Cf covers invisible formatting such as
# bidi overrides and zero-width characters, which can make one stored value display as another.
# Cs (lone surrogates) cannot be encoded as UTF-8 and would fail in the database driver.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})

# NFC composition can merge several code points into one (base letter plus combining marks), so a
# raw string may shrink; beyond this factor it cannot fit, and we refuse it before normalizing.
_SHRINK_FACTOR = 4


def clean_text(
    value: str | None,
    field: tuple[str, ...],
    *,
    max_len: int,
    min_len: int = 1,
    required: bool = False,
    label: str,
) -> str | None:
    """Trim and NFC-normalize a single-line text field, then check its length in characters.

    Returns None for a missing or blank value unless `required`, in which case `Required` is raised.
    Raises `Invalid` for control or formatting characters or fewer than `min_len` characters, and
    `TooLong` for more than `max_len` characters.
    """
    text = normalized(value, field, max_len=max_len, label=label)
    if text is None:
        if required:
            raise Required(f"{label} is required.", field)
        return None
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in text):
        raise Invalid(f"{label} cannot contain control or formatting characters.", field)
    if len(text) < min_len:
        raise Invalid(f"{label} must be at least {min_len} characters.", field)
    return text


def printable(value: str | None, field: tuple[str, ...], *, max_len: int, label: str) -> str | None:
    """Like an optional `clean_text`, but allow only printable characters (`str.isprintable`).

    Meant for reference strings such as purchase-order numbers that are printed on invoices.
    """
    text = normalized(value, field, max_len=max_len, label=label)
    if text is None:
        return None
    if not text.isprintable():
        raise Invalid(f"{label} can contain only printable characters.", field)
    return text


def multiline(value: str | None, field: tuple[str, ...], *, max_len: int, label: str) -> str | None:
    """Free text over several lines: each line cleaned like `clean_text`, line breaks kept as "\\n".

    "\\r\\n" and "\\r" count as line breaks; blank lines at either end are dropped, and None is
    returned when nothing is left. Raises TooLong past `max_len` characters in all, or Invalid for
    control or formatting characters within a line.
    """
    if value is None:
        return None
    too_long = TooLong(f"{label} can be at most {max_len} characters.", field)
    if len(value) > max_len * _SHRINK_FACTOR:  # refuse a huge input before splitting it up
        raise too_long
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = [clean_text(line, field, max_len=max_len, label=label) or "" for line in lines]
    result = "\n".join(kept).strip("\n")
    if len(result) > max_len:
        raise too_long
    return result or None


def normalized(value: str | None, field: tuple[str, ...], *, max_len: int, label: str) -> str | None:
    """Strip and NFC-normalize `value`, or return None when blank; raises TooLong past `max_len`.

    No characters are refused: for callers that check them their own way (`clean_text`, `printable`).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    too_long = TooLong(f"{label} can be at most {max_len} characters.", field)
    if len(text) > max_len * _SHRINK_FACTOR:
        raise too_long
    text = unicodedata.normalize("NFC", text)
    if len(text) > max_len:
        raise too_long
    return text
