"""Every domain failure reaches the client as a UserErrorCode, and the enum names no code the domain never raises."""

from __future__ import annotations

from domain import errors
from domain.errors import DomainError
from schema.errors import UserErrorCode


def test_domain_error_codes_equal_the_user_error_code_members() -> None:
    domain_codes = {
        value.code
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, DomainError) and value.__module__ == errors.__name__
    }
    assert domain_codes == {member.value for member in UserErrorCode}
