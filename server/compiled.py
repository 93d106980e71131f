"""The fast path of /graphql: a document with a plan (schema.compiled; queries, and sign-ins) skips
Strawberry's request machinery and graphql-core's execution, and keeps every rule on the way.

It does what the ordinary path does, in the same order and with the same functions: the request's
credentials and CSRF rule (server.transport), persisted documents (server.persisted), the access log's
facts, the read plan (what authenticate reads along), an API token's scopes, the rate-limit charge
(a spent budget refused as ChargeCost refuses it), then the plan's resolvers. Whenever the answer
would not be a plain `data` (a scope refused, an error or a null where there should be none), it
hands the request to the ordinary path with what it has learned: the same context (so the caller
is not looked up twice, nor a sign-in run twice) and the same charge (so the operation is not paid
for twice), and graphql-core writes the answer it always writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLRequestData

from domain.rate import Verdict
from domain.services.api_tokens import TokenAuthenticated
from resolvers.context import Context
from schema.compiled import plan_for
from schema.scopes import refusals
from server.logs import request_facts
from server.operations import note_response
from server.persisted import PersistedQueryRefused
from server.ratelimit import cost_of, current_charge, refusal

if TYPE_CHECKING:
    from server.app import GraphQLView

# Where a request handed to the ordinary path keeps its context (GraphQLView.get_context reads it).
CONTEXT_KEY = "tenantry.context"
# Set on a request the express lane (server.lane) already asked the fast path about.
TRIED_KEY = "tenantry.fast_path_tried"


async def serve(view: GraphQLView, request: Request) -> Response | None:
    """The answer, or None when the ordinary path must answer."""
    if request.method != "POST" or request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return None
    try:
        data = view.decode_json(await request.body())
    except Exception:  # the ordinary path refuses it with its own words
        return None
    assert isinstance(data, dict)
    query, name, variables = data.get("query"), data.get("operationName"), data.get("variables")
    if not (query is None or isinstance(query, str)) or not (name is None or isinstance(name, str)):
        return None
    extensions = data.get("extensions")
    if not all(value is None or isinstance(value, dict) for value in (variables, extensions)):
        return None  # Strawberry refuses it (400) in its own words
    given = view.credentials_of(request)
    if extensions is not None or view.persisted.persisted_only:
        try:
            resolved = view.persisted.resolve(
                GraphQLRequestData(query, variables, name, extensions), via_cookie=given.via_cookie
            )
        except PersistedQueryRefused:
            return None
        query = resolved.query
    plan = plan_for(view.core_schema, query, name) if query else None
    if plan is None:  # before any context is made: most requests without a plan are mutations
        return None
    context = await view.make_context(request, given)
    request.scope[CONTEXT_KEY] = context  # from here on, the ordinary path continues with it
    if (facts := request_facts.get()) is not None:
        facts.operation_type = plan.operation.operation.value
        facts.operation_name = name or (plan.operation.name.value if plan.operation.name else None)
    context.reads = plan.reads
    if context.bears_api_token:
        try:
            caller = await context.auth()
        except Exception:  # a database fault: the ordinary path meets it again and answers as it always does
            return None
        if not context.auth_settled or (isinstance(caller, TokenAuthenticated) and refusals(plan.needs, caller.scopes)):
            return None
    charge = current_charge()
    if charge is None:
        return None
    charge.verdict = verdict = await view.limiter.charge_context(context, plan.cost_of(variables))
    if not verdict.allowed:  # what ChargeCost answers: nothing ran
        context.response.status_code = 429
        return _answered(view, {"data": None, "errors": [refusal(verdict).formatted]}, verdict, context)
    try:
        answer: dict[str, Any] = {"data": await plan.execute(context, variables)}
    except Exception:  # Fallback, or an error graphql-core puts in `errors` (or masks and logs): it answers
        return None
    return _answered(view, answer, verdict, context)


def _answered(view: GraphQLView, answer: dict[str, Any], verdict: Verdict, context: Context) -> Response:
    answer["extensions"] = {"cost": cost_of(verdict)}
    note_response(answer)
    sub = context.response
    response = Response(view.encode_json(answer), status_code=200, media_type="application/json")
    response.headers.raw.extend(sub.headers.raw)
    if sub.status_code:
        response.status_code = sub.status_code
    # Answered: nobody needs the context any more (and the scope holding it would be a cycle). Not
    # before: should anything above fail, the stack answers with this context (a sign-in ran once).
    context.request.scope.pop(CONTEXT_KEY, None)
    return response
