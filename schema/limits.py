"""Validation rules that bound what one document may ask for.

Built once at import: ValidationCache keys on the rule classes, so rules created per request
(as the stock limiter extensions do) would make every request a cache miss.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLError, StringValueNode, ValidationRule
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000
SIGN_IN_FIELDS = frozenset({"login", "completeMfaLogin"})


class OneSignInPerDocument(ValidationRule):
    """A request may carry at most one sign-in mutation, so credentials are guessed one per request."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.seen = 0

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.context.get_parent_type()
        # The parent type decides, so sign-ins hidden in fragments on Mutation count too.
        if parent is not None and parent.name == "Mutation" and node.name.value in SIGN_IN_FIELDS:
            self.seen += 1
            if self.seen == 2:
                self.report_error(GraphQLError("A request may carry at most one sign-in mutation.", node))


class EncodableStrings(ValidationRule):
    """String literals may hold neither NUL (PostgreSQL text cannot) nor unpaired surrogates (not
    encodable as UTF-8). Variables get the same check when the request body is decoded."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if not is_encodable(node.value):
            self.report_error(GraphQLError(UNENCODABLE, node))


UNENCODABLE = "Strings may not contain NUL characters or unpaired surrogates."


def is_encodable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


RULES: tuple[type[ValidationRule], ...] = (
    depth_validator(MAX_DEPTH, None, None),
    aliases_validator(MAX_ALIASES),
    OneSignInPerDocument,
    EncodableStrings,
)
