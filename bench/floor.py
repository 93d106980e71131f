"""The floor: the bench's documents answered by a bare Starlette route over plain sqlite3.

No GraphQL, no SQLAlchemy, no domain objects: the least this stack (uvicorn + Starlette + sqlite3)
can do to give the same answer, byte for byte, from the same SQLite file with the same statements
Tenantry runs for them:

- `me` (bench/documents.ME): the session by its token's keyed digest joined with its user (and
  profile) and account; the session's `last_seen_at` written when a minute old (as Tenantry does);
  the account's contacts (which Tenantry skips while the account's contacts stamp is unchanged);
  the user's sessions.
- `billingProfile` (bench/documents.BILLING): the session lookup, then the one profile row.

`--hop` runs each request's database work in one trip to Starlette's thread pool (the audit's
"plus one thread-pool hop"); without it the statements run on the event loop.

    python bench/floor.py --port 8001 --database var/bench/x.db [--hop]

TENANTRY_SECRET_KEY must be the server's secret: the token digest is keyed with it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import base64
import hashlib
import hmac
import json
import os
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.documents import BILLING, ME

IDLE_TTL = timedelta(hours=1)  # domain.deps.Policy defaults
TOUCH_INTERVAL = timedelta(minutes=1)
SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite

SESSION = """
SELECT s.id, s.last_seen_at, s.absolute_expires_at,
       u.id, u.email, u.role, u.first_name, u.last_name, u.phone, u.pending_email, u.location_country,
       u.location_city, u.language, u.timezone, u.job_title, u.version, u.updated_at,
       a.id, a.kind, a.organization_number, a.personal_number, a.country, a.company_name, a.contact_person,
       a.address_line1, a.address_line2, a.address_postal_code, a.address_city, a.address_region,
       a.address_country, a.purchase_order_number, a.customer_info_version, a.customer_info_updated_at
FROM sessions s JOIN users u ON s.user_id = u.id JOIN accounts a ON u.account_id = a.id
WHERE s.token_hash = ?
"""
TOUCH = "UPDATE sessions SET last_seen_at = ? WHERE id = ?"
CONTACTS = """
SELECT id, email, verified_at, billing, tech, dpo, created_at FROM contact_emails
WHERE account_id IN (?) ORDER BY created_at, id
"""
SESSIONS = """
SELECT id, last_seen_at, absolute_expires_at FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id
"""
PROFILE = """
SELECT legal_name, address_line1, address_line2, address_postal_code, address_city, address_region,
       address_country, vat_number, registration_number, bank_name, account_holder, iban, bic,
       payment_terms_days, payment_instructions, invoice_email, version, updated_at
FROM billing_profile WHERE id = 1
"""


def digest_key(secret_key: str) -> bytes:
    """domain.security.Keyring's key for the "session" purpose."""
    root = hashlib.sha256(secret_key.encode()).digest()
    return hmac.new(root, b"tenantry/session", hashlib.sha256).digest()


def global_id(type_name: str, hex_id: str) -> str:
    """schema.ids.to_global_id from the 32 hex digits SQLAlchemy's Uuid stores on SQLite."""
    h = hex_id
    raw = f"{type_name}:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def iso(stored: str | None) -> str | None:
    """datetime.isoformat() of a stored UTC time: "2026-01-02 03:04:05.000006" -> "...T03:04:05.000006+00:00"."""
    if stored is None:
        return None
    day, time_of_day = stored[:10], stored[11:]
    if time_of_day.endswith(".000000"):
        time_of_day = time_of_day[:-7]
    return f"{day}T{time_of_day}+00:00"


def parse(stored: str) -> datetime:
    return datetime.strptime(stored, SQLITE_FORMAT).replace(tzinfo=UTC)


def roles(billing: int, tech: int, dpo: int) -> list[str]:
    return [name for name, on in (("BILLING", billing), ("TECH", tech), ("DPO", dpo)) if on]


class Floor:
    """One sqlite3 connection per thread, in autocommit mode with explicit BEGIN like Tenantry's engine."""

    def __init__(self, database: str, secret_key: str) -> None:
        self.database = database
        self.key = digest_key(secret_key)
        self.local = threading.local()

    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self.local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.database, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")
            self.local.conn = conn
        return conn

    def session(self, token: str | None) -> tuple[Any, ...] | None:
        if not token or len(token) > 200:
            return None
        digest = hmac.new(self.key, token.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        conn = self.conn()
        conn.execute("BEGIN")
        try:
            row: tuple[Any, ...] | None = conn.execute(SESSION, (digest,)).fetchone()
        finally:
            conn.execute("COMMIT")
        if row is None:
            return None
        now = datetime.now(UTC)
        last_seen, absolute = parse(row[1]), parse(row[2])
        if now >= min(absolute, last_seen + IDLE_TTL):
            return None
        if now - last_seen >= TOUCH_INTERVAL:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(TOUCH, (now.strftime(SQLITE_FORMAT), row[0]))
            conn.execute("COMMIT")
        return row

    def me(self, token: str | None) -> dict[str, Any] | None:
        row = self.session(token)
        if row is None:
            return None
        conn = self.conn()
        conn.execute("BEGIN")
        try:
            contacts = conn.execute(CONTACTS, (row[17],)).fetchall()
            sessions = conn.execute(SESSIONS, (row[3],)).fetchall()
        finally:
            conn.execute("COMMIT")
        now = datetime.now(UTC)
        live = [s for s in sessions if min(parse(s[2]), parse(s[1]) + IDLE_TTL) > now]
        return {
            "id": global_id("User", row[3]),
            "email": row[4],
            "role": row[5],
            "profile": {
                "firstName": row[6],
                "lastName": row[7],
                "phone": row[8],
                "pendingEmail": row[9],
                "location": {"country": row[10], "city": row[11]} if row[10] else None,
                "language": row[12],
                "timezone": row[13],
                "jobTitle": row[14],
                "version": row[15],
                "updatedAt": iso(row[16]),
            },
            "account": {
                "id": global_id("Account", row[17]),
                "kind": row[18],
                "organizationNumber": row[19],
                "personalNumber": row[20],
                "country": row[21],
                "customerInfo": {
                    "companyName": row[22],
                    "contactPerson": row[23],
                    "address": None
                    if row[24] is None
                    else {
                        "line1": row[24],
                        "line2": row[25],
                        "postalCode": row[26],
                        "city": row[27],
                        "region": row[28],
                        "country": row[29],
                    },
                    "purchaseOrderNumber": row[30],
                    "version": row[31],
                    "updatedAt": iso(row[32]),
                },
                "contacts": [
                    {
                        "id": global_id("ContactEmail", c[0]),
                        "email": c[1],
                        "verified": c[2] is not None,
                        "verifiedAt": iso(c[2]),
                        "roles": roles(c[3], c[4], c[5]),
                        "createdAt": iso(c[6]),
                    }
                    for c in contacts
                ],
            },
            "sessions": [
                {"id": global_id("Session", s[0]), "current": s[0] == row[0], "lastSeenAt": iso(s[1])} for s in live
            ],
        }

    def billing_profile(self, token: str | None) -> dict[str, Any] | None:
        if self.session(token) is None:
            raise PermissionError
        conn = self.conn()
        conn.execute("BEGIN")
        try:
            p = conn.execute(PROFILE).fetchone()
        finally:
            conn.execute("COMMIT")
        if p is None:
            return None
        return {
            "legalName": p[0],
            "address": {
                "line1": p[1],
                "line2": p[2],
                "postalCode": p[3],
                "city": p[4],
                "region": p[5],
                "country": p[6],
            },
            "vatNumber": p[7],
            "registrationNumber": p[8],
            "bankName": p[9],
            "accountHolder": p[10],
            "iban": p[11],
            "bic": p[12],
            "paymentTermsDays": p[13],
            "paymentInstructions": p[14],
            "invoiceEmail": p[15],
            "version": p[16],
            "updatedAt": iso(p[17]),
        }


def encode(answer: dict[str, Any]) -> bytes:
    """As Tenantry's GraphQLView.encode_json: compact, UTF-8, non-ASCII kept."""
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()


def bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def create_app(database: str, secret_key: str, hop: bool) -> Starlette:
    floor = Floor(database, secret_key)

    async def run(work: Callable[[], Any]) -> Any:
        return await run_in_threadpool(work) if hop else work()

    async def graphql(request: Request) -> Response:
        body = json.loads(await request.body())
        token = bearer(request)
        if body.get("query") == ME:
            answer = {"data": {"me": await run(lambda: floor.me(token))}}
        elif body.get("query") == BILLING:
            try:
                answer = {"data": {"billingProfile": await run(lambda: floor.billing_profile(token))}}
            except PermissionError:
                return Response(b'{"errors":[{"message":"UNAUTHENTICATED"}]}', 401, media_type="application/json")
        else:
            return Response(b'{"errors":[{"message":"the floor answers only the bench documents"}]}', 400)
        return Response(encode(answer), media_type="application/json")

    async def healthz(_: Request) -> Response:
        return Response(b"ok")

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True, help="the SQLite file Tenantry serves")
    parser.add_argument("--hop", action="store_true", help="database work in one thread-pool trip per request")
    args = parser.parse_args()
    app = create_app(args.database, os.environ["TENANTRY_SECRET_KEY"], args.hop)
    uvicorn.run(app, host="127.0.0.1", port=args.port, access_log=False, log_config=None)


if __name__ == "__main__":
    main()
