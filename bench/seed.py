"""Bench data: the few users the load signs in as, through the domain services, and bulk filler rows.

Filler (accounts with a user, a contact and a live session each, and extra contacts) is about table
size, not the services: on SQLite, SQLite makes the rows itself (a recursive CTE, one transaction)
into a file cached under var/bench/ and copied for each run; on PostgreSQL, Core executemany.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, insert
from stdnum import luhn

from domain.entities import AccountKind, Address, BillingProfile, UserRole
from domain.services import accounts, sessions
from persistence.database import WRITE, make_engine
from persistence.migrate import upgrade
from persistence.tables import accounts_t, contacts_t, sessions_t, users_t
from server.app import Runtime
from server.settings import Settings

BATCH = 5000
_serial = itertools.count(1)
ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench"
FAR = "2999-01-01 00:00:00.000000"  # filler sessions never expire, so housekeeping leaves them alone
FILLER_SQL = (
    """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO accounts (id, kind, country, organization_number, company_name, contact_person,
                      customer_info_version, customer_info_updated_at, created_at)
SELECT printf('a%031x', i), 'BUSINESS', 'SE', 'filler-' || i, 'Filler ' || i || ' AB', 'Filler Person', 1,
       :at, :at FROM n""",
    """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO users (id, account_id, email, email_key, role, password_hash, first_name, last_name, version,
                   updated_at, created_at)
SELECT printf('b%031x', i), printf('a%031x', i), 'filler-' || i || '@example.com',
       'filler-' || i || '@example.com', 'ACCOUNT_ADMIN', 'bcrypt-sha256$never-matches', 'Filler', 'Person', 1,
       :at, :at FROM n""",
    """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO contact_emails (id, account_id, email, email_key, billing, tech, dpo, verified_at, created_at)
SELECT printf('c%031x', i), printf('a%031x', i), 'filler-' || i || '@example.com',
       'filler-' || i || '@example.com', 1, 1, 1, :at, :at FROM n""",
    """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, absolute_expires_at)
SELECT printf('d%031x', i), printf('b%031x', i), printf('%064x', i), :at, :far, :far FROM n""",
)


@dataclass(frozen=True)
class Seeded:
    """A user of the bench: a live session token, and the password for sign-in floods."""

    email: str
    password: str
    token: str
    contacts: int


def seed_runtime(database_url: str, var_dir: Path, secret_key: str, rounds: int = 12) -> Runtime:
    settings = Settings(
        env="test",
        var_dir=var_dir,
        database_url=database_url,
        secret_key=secret_key,
        bcrypt_rounds=rounds,
        access_log=False,
    )
    runtime = Runtime.build(settings)
    upgrade(runtime.engine)
    return runtime


def seed_user(runtime: Runtime, contacts: int) -> Seeded:
    """An account with `contacts` contact emails and one admin user, signed in once."""
    deps = runtime.deps
    tag = secrets.token_hex(4)
    account = accounts.create_account(
        deps,
        kind=AccountKind.BUSINESS,
        number=_orgnr(),
        company_name=f"Bench {tag} AB",
        contact_person="Alva Ekström",
        contact_email=f"billing-{tag}@example.com",
    )
    add_contacts(runtime.engine, account.id, contacts - 1)
    email, password = f"bench-{tag}@example.com", f"quiet-{tag}-garden-path"
    user = accounts.create_user(
        deps,
        account_id=account.id,
        email=email,
        role=UserRole.ACCOUNT_ADMIN,
        password=password,
        first_name="Alva",
        last_name="Ekström",
    )
    with deps.uow() as uow:
        signed_in = sessions.open_session(deps, uow, user, ip="127.0.0.1", user_agent="tenantry-bench")
        uow.commit()
    return Seeded(email, password, signed_in.token, contacts)


def add_contacts(engine: Engine, account_id: UUID, count: int) -> None:
    """`count` more contacts, created after the first one so the order is stable."""
    start = datetime.now(UTC) + timedelta(seconds=1)
    rows = [
        {
            "id": uuid.uuid4(),
            "account_id": account_id,
            "email": f"contact-{i}@example.com",
            "email_key": f"contact-{i}@example.com",
            "billing": i % 3 == 0,
            "tech": i % 2 == 0,
            "dpo": i % 5 == 0,
            "verified_at": start if i % 2 else None,
            "created_at": start + timedelta(seconds=i),
        }
        for i in range(count)
    ]
    _insert(engine, [(contacts_t, rows)])


def add_filler(engine: Engine, count: int) -> None:
    """`count` accounts, each with a user, a contact and a live session (never used by the load)."""
    for chunk in _chunks(count):
        parts: dict[str, list[dict[str, Any]]] = {"a": [], "u": [], "c": [], "s": []}
        now = datetime.now(UTC)
        for _ in range(chunk):
            for key, row in zip("aucs", _filler_rows(now), strict=True):
                parts[key].append(row)
        _insert(
            engine,
            [(accounts_t, parts["a"]), (users_t, parts["u"]), (contacts_t, parts["c"]), (sessions_t, parts["s"])],
        )


def _filler_rows(now: datetime) -> tuple[dict[str, Any], ...]:
    n = next(_serial)
    account_id, user_id = uuid.uuid4(), uuid.uuid4()
    email = f"filler-{n}-{account_id.hex[:8]}@example.com"
    account = {
        "id": account_id,
        "kind": "BUSINESS",
        "country": "SE",
        "organization_number": f"filler-{n}",
        "company_name": f"Filler {n} AB",
        "contact_person": "Filler Person",
        "customer_info_version": 1,
        "customer_info_updated_at": now,
        "created_at": now,
    }
    user = {
        "id": user_id,
        "account_id": account_id,
        "email": email,
        "email_key": email,
        "role": "ACCOUNT_ADMIN",
        "password_hash": "bcrypt-sha256$never-matches",
        "first_name": "Filler",
        "last_name": "Person",
        "version": 1,
        "updated_at": now,
        "created_at": now,
    }
    contact = {
        "id": uuid.uuid4(),
        "account_id": account_id,
        "email": email,
        "email_key": email,
        "billing": True,
        "tech": True,
        "dpo": True,
        "verified_at": now,
        "created_at": now,
    }
    session = {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "token_hash": secrets.token_hex(32),
        "created_at": now,
        "last_seen_at": now,
        "absolute_expires_at": now + timedelta(hours=12),
    }
    return account, user, contact, session


def _insert(engine: Engine, batches: list[tuple[Any, list[dict[str, Any]]]]) -> None:
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        for table, rows in batches:
            if rows:
                conn.execute(insert(table), rows)


def _chunks(count: int) -> Iterator[int]:
    while count > 0:
        yield min(BATCH, count)
        count -= BATCH


def _orgnr() -> str:
    digits = f"55{secrets.randbelow(10**7):07d}"
    return f"{digits[:6]}-{digits[6:]}{luhn.calc_check_digit(digits)}"


def filler_file(count: int) -> Path:
    """A migrated SQLite file with `count` filler accounts, cached under var/bench/ between runs.

    The name carries the count and a digest of the migrations and this seeding, so a schema change
    makes a new file (older ones are removed).
    """
    versions = sorted((ROOT / "persistence" / "migrations" / "versions").glob("*.py"))
    key = hashlib.sha256(b"".join(p.read_bytes() for p in versions) + repr(FILLER_SQL).encode()).hexdigest()[:12]
    path = CACHE / f"filler-{count}-{key}.db"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True, mode=0o700)
    for old in CACHE.glob(f"filler-{count}-*.db*"):
        old.unlink()
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{building}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    conn = sqlite3.connect(building, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file to copy
        conn.execute("BEGIN")
        for statement in FILLER_SQL:
            conn.execute(statement, {"count": count, "far": FAR, "at": "2026-01-01 00:00:00.000000"})
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    building.rename(path)
    print(f"[bench] seeded {count} filler accounts in {time.perf_counter() - started:.0f}s: {path}", flush=True)
    return path


def copy_filler(count: int, target: Path) -> None:
    """A fresh copy of the cached filler file at `target` (the run's users go into the copy)."""
    shutil.copyfile(filler_file(count), target)


def seed_billing_profile(runtime: Runtime) -> None:
    """The provider's payee details, so that `billingProfile` has a row to answer."""
    profile = BillingProfile(
        legal_name="Tenantry Cloud AB",
        address=Address(line1="Sveavägen 1", postal_code="111 57", city="Stockholm", country="SE"),
        bank_name="Bench Bank",
        account_holder="Tenantry Cloud AB",
        iban="SE4550000000058398257466",
        bic="ESSESESS",
        payment_terms_days=30,
        vat_number="SE556012579001",
        invoice_email="billing@example.com",
        updated_at=datetime.now(UTC),
        updated_by=uuid.uuid4(),  # a provider admin, who needs no row here
    )
    with runtime.deps.uow() as uow:
        uow.billing.add(profile)
        uow.commit()
