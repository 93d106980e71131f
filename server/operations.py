"""What a GraphQL request did, noted on the request's log facts (server.logs.RequestFacts):
the operation's name and type, the caller, and the error codes in the answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from resolvers.context import Caller, Context
from schema.ids import to_global_id
from server.logs import request_facts


class RecordOperation(SchemaExtension):
    """Notes the operation's name and type once the document is parsed and valid."""

    def on_execute(self) -> Iterator[None]:
        facts = request_facts.get()
        if facts is not None:
            facts.operation_name = self.execution_context.operation_name
            facts.operation_type = self.execution_context.operation_type.value
        yield


class LoggedContext(Context):
    """The resolvers' context, noting who the caller turned out to be (by global ID, opaque)."""

    async def auth(self) -> Caller | None:
        found = await super().auth()
        _note_user(found)
        return found

    def forget_auth(self, value: Caller | None = None) -> None:
        super().forget_auth(value)
        _note_user(value)  # a sign-in: the new session's user; a sign-out keeps who it was


def _note_user(found: Caller | None) -> None:
    facts = request_facts.get()
    if facts is not None and found is not None:
        facts.user = to_global_id("User", found.user.id)


def note_response(response: Any) -> None:
    """Error codes of a response: GraphQL errors' extensions.code and the payloads' UserError codes."""
    facts = request_facts.get()
    if facts is None or not isinstance(response, dict):
        return
    codes = [
        str(error.get("extensions", {}).get("code", "ERROR"))
        for error in response.get("errors") or []
        if isinstance(error, dict)
    ]
    facts.add_codes(codes + list(_user_error_codes(response.get("data"))))


def _user_error_codes(data: Any) -> Iterator[str]:
    """The `code` of every UserError the client selected: payloads (and so their `errors`) sit right
    under the root fields, so the rest of the answer (a user's 100 contacts) need not be walked."""
    if not isinstance(data, dict):
        return
    for payload in data.values():
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if isinstance(errors, list):
            yield from (str(e["code"]) for e in errors if isinstance(e, dict) and e.get("code"))
