"""The most expensive documents we know how to write within the document limits, next to a plain `me`.

Each case goes through the real app (create_app on a temp SQLite, its lifespan run by Starlette's
TestClient, a signed-in bearer token), called on the server's event loop: a run is parse + validate +
execute and every middleware, timed around the app.
Every run sends a fresh operation name, so neither the parse cache (keyed on the text) nor the
validation cache (keyed on the AST, which a comment would not change) nor the introspection
answers (keyed on the document) hit: an attacker would not let them. One case is the exception,
said in its name: GraphiQL's introspection query, the same text each time, as on every page
load. Prints median and max per case over --runs runs; a case the limits reject shows the error
code it got.

    .venv/bin/python bench/worst_document.py [--runs 30]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/worst_document.py`: the repository root goes first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import json
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from graphql import get_introspection_query
from starlette.testclient import TestClient

from bench.documents import ME
from bench.seed import seed_runtime, seed_user
from server.app import create_app
from server.ratelimit import RateLimiter

USER_FIELDS = ("id", "email", "role", "createdAt", "__typename")
TYPE_REF = "kind name " + "ofType { kind name " * 7 + "}" * 7


def _repeat(unit: str, count: int) -> str:
    return " ".join([unit] * count)


def _many_fragments(count: int) -> str:
    spreads = " ".join(f"...F{i}" for i in range(count))
    return "{ " + spreads + " } " + " ".join(f"fragment F{i} on Query {{ me {{ id }} }}" for i in range(count))


def _fragment_chain(count: int) -> str:
    chain = " ".join(f"fragment F{i} on Query {{ me {{ id }} ...F{i + 1} }}" for i in range(count))
    return "{ ...F0 } " + chain + f" fragment F{count} on Query {{ me {{ id }} }}"


def _varied_subselections(count: int) -> str:
    pairs = [(a, b) for a in USER_FIELDS for b in USER_FIELDS if a != b]
    return "{ " + " ".join(f"me {{ {a} {b} }}" for a, b in (pairs * count)[:count]) + " }"


def _variables(count: int) -> str:
    names = [f"$v{i}: Boolean = true" for i in range(count)]
    uses = " ".join(f"id @include(if: $v{i})" for i in range(count))
    return f"query V({' '.join(names)}) {{ me {{ {uses} }} }}"


def _introspection_aliases() -> str:
    full = get_introspection_query(descriptions=True)
    types = ("User", "Account", "Mutation", "Query", "Profile", "Session", "ContactEmail", "BillingProfile")
    extra = " ".join(f't{i}: __type(name: "{name}") {{ ...FullType }}' for i, name in enumerate(types))
    return full.replace("query IntrospectionQuery {", "query IntrospectionQuery { " + extra, 1)


def _deep_introspection() -> str:
    # Two introspection list levels (the most graphql-core's MaxIntrospectionDepthRule allows),
    # every argument and type reference, under the one `__schema` allowed.
    field = f"name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }}"
    nested = f"type {{ ofType {{ ofType {{ fields {{ {field} }} }} }} }}"
    inputs = f"inputFields {{ name type {{ {TYPE_REF} }} }}"
    return f"{{ __schema {{ types {{ name fields {{ {field} {nested} }} {inputs} }} }} }}"


def _wide_introspection(
    each: str, leaves: str = "description isDeprecated deprecationReason", inner: bool = True
) -> str:
    """Every field, argument and input field of every type, and under each the fields (and, with
    `inner`, the input fields) of its type through two wrappers, with `leaves` on each field and
    `each` on every type reference: the most answer fields we found per selection (the 500
    selections and the 1,000 tokens bound the rest)."""
    ref = f"type {{ name kind {each} ofType {{ name kind {each} ofType {{ name kind {each} }} }} }}"
    sub = f"fields {{ name {leaves} {ref} }}" + (
        f" inputFields {{ name description defaultValue {ref} }}" if inner else ""
    )
    outer = f"name type {{ name kind {sub} ofType {{ name kind {sub} ofType {{ name kind {sub} }} }} }}"
    return f"{{ __schema {{ types {{ name fields {{ {outer} args {{ {outer} }} }} inputFields {{ {outer} }} }} }} }}"


def _type_aliases(count: int) -> str:
    ref = "type { name kind ofType { name kind ofType { name kind } } }"
    fields = f"fields {{ name description args {{ name description {ref} }} {ref} }}"
    return "{ " + " ".join(f'a{i}: __type(name: "Mutation") {{ {fields} }}' for i in range(count)) + " }"


def _introspection_fragments() -> str:
    """One fragment on each introspection type, spread at every level it applies to."""
    return (
        "{ __schema { ...S types { ...T fields { ...F args { ...V type { ...T } } type { ...T ofType { ...T } } } "
        "inputFields { ...V } enumValues { ...E } interfaces { ...T } possibleTypes { ...T } } "
        "directives { ...D args { ...V } } } } "
        "fragment S on __Schema { description queryType { ...T } mutationType { ...T } } "
        "fragment T on __Type { __typename kind name description specifiedByURL isOneOf } "
        "fragment F on __Field { __typename name description isDeprecated deprecationReason } "
        "fragment V on __InputValue { __typename name description defaultValue isDeprecated deprecationReason } "
        "fragment E on __EnumValue { __typename name description isDeprecated deprecationReason } "
        "fragment D on __Directive { __typename name description isRepeatable locations }"
    )


def _aliased_me() -> str:
    body = ME.split("me {", 1)[1].rsplit("}", 2)[0]
    return "{ " + " ".join(f"a{i}: me {{ ...U }}" for i in range(15)) + " } fragment U on User {" + body + "}"


def _graphiql() -> str:
    return get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
        one_of=True,
    )


# The one case sent as a client sends it, every time the same text: GraphiQL's introspection
# query, answered from the answers built at start-up (schema/introspection.py).
GRAPHIQL_AS_SENT = "GraphiQL introspection, the same text each time (answered from the pre-warmed cache)"

# name -> document. Counts are the most that fit the 1,000-token limit, or (the "largest accepted"
# cases) the most the overlap budget or the introspection answer budget lets through.
CASES: dict[str, Callable[[], str]] = {
    "me { id } x249 (issue 10)": lambda: "{ " + _repeat("me { id }", 249) + " }",
    "billingProfile { iban } x249 (issue 10)": lambda: "{ " + _repeat("billingProfile { iban }", 249) + " }",
    "__typename x995": lambda: "{ " + _repeat("__typename", 995) + " }",
    "me { id x990 }": lambda: "{ me { " + _repeat("id", 990) + " } }",
    "me { <2 of 5 fields> } x165": lambda: _varied_subselections(165),
    "largest accepted: me { id } x32": lambda: "{ " + _repeat("me { id }", 32) + " }",
    "largest accepted: me { <2 of 5> } x30": lambda: _varied_subselections(30),
    "largest accepted: 25 fragments with me": lambda: _many_fragments(25),
    "same alias x165": lambda: "{ " + _repeat("a: me { id }", 165) + " }",
    "15 aliases of the full me": _aliased_me,
    "one fragment spread x490": lambda: "{ " + _repeat("...F", 490) + " } fragment F on Query { me { id email } }",
    "80 fragments, each with me": lambda: _many_fragments(80),
    "fragment chain x75": lambda: _fragment_chain(75),
    "fragments spreading the next twice x95": lambda: (
        "{ ...F0 } "
        + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(95))
        + " fragment F95 on Query { me { id } }"
    ),
    "directives: id @include x122": lambda: "{ me { " + _repeat("id @include(if: true)", 122) + " } }",
    "variables x65": lambda: _variables(65),
    GRAPHIQL_AS_SENT: _graphiql,
    "GraphiQL introspection, renamed (no cache hit)": _graphiql,
    "introspection + 8 __type aliases": _introspection_aliases,
    "deep introspection": _deep_introspection,
    "largest accepted: wide introspection (8,658 answer fields)": lambda: _wide_introspection(
        "", leaves="description", inner=False
    ),
    "wide introspection past the answer budget (11,305 fields)": lambda: _wide_introspection(""),
    "largest accepted: __type(name: Mutation) x14 aliases": lambda: _type_aliases(14),
    "__type(name: Mutation) x15 aliases, past the answer budget": lambda: _type_aliases(15),
    "fragments on every introspection type, spread at every level": _introspection_fragments,
    "two __schema aliases": lambda: "{ a: __schema { types { name } } b: __schema { types { name } } }",
}


def unique(document: str, nonce: str) -> str:
    """The document under an operation name of its own: a different AST, so no cache hits."""
    if document.lstrip().startswith("{"):
        return f"query N{nonce} {document}"
    return re.sub(r"^(\s*query\s+)(\w+)", rf"\g<1>\g<2>{nonce}", document, count=1)


def measure(
    client: TestClient, token: str, document: str, runs: int, *, fresh: bool = True
) -> tuple[list[float], list[float], str]:
    """Wall and CPU milliseconds per run, and the outcome. CPU is the event loop thread's, which
    parses, validates and executes (the whole process's CPU would count its other threads too: the
    outbox, the sweeps, the thread pool). `fresh`: a new operation name each run, so no cache hits.
    Each request is timed on the server's event loop, around the app itself: the test client's own
    thread hand-offs (about 5 ms a request here) are not the document's either."""
    times, cpu, outcome = [], [], ""
    app, portal = client.app, client.portal
    assert portal is not None, "the client runs the app (with its lifespan) only inside its `with` block"
    for i in range(runs):
        text = unique(document, f"{i}_{secrets.token_hex(4)}") if fresh else document
        body = json.dumps({"query": text}).encode()
        wall_ms, cpu_ms, answer = portal.call(_timed_post, app, token, body)
        times.append(wall_ms)
        cpu.append(cpu_ms)
        found = json.loads(answer)
        errors = found.get("errors") or []
        outcome = (
            f"rejected: {errors[0].get('extensions', {}).get('code')}: {errors[0]['message'][:60]}"
            if errors and not found.get("data")
            else "accepted"
        )
    return times, cpu, outcome


async def _timed_post(app: Any, token: str, body: bytes) -> tuple[float, float, bytes]:
    """One POST /graphql through the whole app (every middleware), timed where it runs."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443),
        "state": {},
    }
    sent, chunks = False, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never leaves
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    started, started_cpu = time.perf_counter(), time.thread_time()
    await app(scope, receive, send)
    return (time.perf_counter() - started) * 1000, (time.thread_time() - started_cpu) * 1000, b"".join(chunks)


Row = tuple[str, float, float, float, float, str]  # name, median, max, CPU median, CPU max, outcome


def run(runs: int) -> list[Row]:
    """Every case (the plain `me` first), measured through the real app on a temporary SQLite."""
    with tempfile.TemporaryDirectory(prefix="tenantry-worst-") as tmp:
        var_dir = Path(tmp)
        runtime = seed_runtime(f"sqlite:///{var_dir / 'bench.db'}", var_dir, secrets.token_urlsafe(48), rounds=4)
        user = seed_user(runtime, contacts=3)
        # Every document is charged as usual, but the bench's hundreds of requests must not run out.
        runtime.settings = replace(runtime.settings, rate_limit_points=10**9, rate_limit_anonymous_points=10**9)
        runtime.limiter = RateLimiter.build(runtime.settings, runtime.deps)
        app = create_app(runtime.settings, runtime=runtime)
        rows: list[Row] = []
        with TestClient(app, base_url="https://testserver") as client:
            for name, build in {"plain signed-in `me` (bench/documents.ME)": lambda: ME, **CASES}.items():
                fresh = name != GRAPHIQL_AS_SENT
                measure(client, user.token, build(), 3, fresh=fresh)  # warm up
                times, cpu, outcome = measure(client, user.token, build(), runs, fresh=fresh)
                rows.append((name, statistics.median(times), max(times), statistics.median(cpu), max(cpu), outcome))
    return rows


def worst_accepted(rows: list[Row]) -> Row | None:
    """The most expensive accepted document of those sent with no cache hits."""
    accepted = [row for row in rows[1:] if row[5] == "accepted" and row[0] != GRAPHIQL_AS_SENT]
    return max(accepted, key=lambda row: row[3]) if accepted else None


def table(rows: list[Row], runs: int) -> list[str]:
    out = [
        f"| document ({runs} runs, no cache hits unless said) | median ms | max ms | CPU median | CPU max | outcome |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, median, worst, cpu_median, cpu_worst, outcome in rows:
        out.append(f"| {name} | {median:.1f} | {worst:.1f} | {cpu_median:.1f} | {cpu_worst:.1f} | {outcome} |")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    rows = run(args.runs)
    print("\n".join(table(rows, args.runs)))
    worst = worst_accepted(rows)
    if worst:
        print(f"\nworst accepted document: {worst[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
