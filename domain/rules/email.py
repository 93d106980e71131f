"""Email addresses: syntax check, normalization, and the key used for uniqueness."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from domain.errors import Invalid, Required, TooLong

# RFC 5321 caps a forward path at 256 octets including the angle brackets.
MAX_EMAIL_LENGTH = 254


def normalize_email(value: str, field: tuple[str, ...]) -> str:
    """Check an email address's syntax (no DNS lookup) and return its normalized form.

    The domain is lower-cased and IDNA-decoded and the local part NFC-normalized by
    email-validator; the local part keeps its case because mail servers may honour it.
    """
    text = value.strip()
    if not text:
        raise Required("Email address is required.", field)
    if len(text) > MAX_EMAIL_LENGTH:
        raise TooLong(f"Email address can be at most {MAX_EMAIL_LENGTH} characters.", field)
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise Invalid(f"This is not a valid email address. {error}", field) from None
    return result.normalized


def email_key(email: str) -> str:
    """Return the case-insensitive key for an already normalized address.

    Two accounts must not differ only by letter case, even though the local part is stored as
    typed; case folding (not lower()) also matches e.g. German ß with ss.
    """
    return email.casefold()
