"""Bench data: the few users the load signs in as, through the domain services, and bulk filler rows.

Filler (accounts with a user, a contact and a live session each, and extra contacts) goes in with
SQLAlchemy Core executemany on the product's tables: the point is table size, not the services.
"""

from __future__ import annotations

import itertools
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, insert
from stdnum import luhn

from domain.entities import AccountKind, UserRole
from domain.services import accounts, sessions
from persistence.database import WRITE
from persistence.migrate import upgrade
from persistence.tables import accounts_t, contacts_t, sessions_t, users_t
from server.app import Runtime
from server.settings import Settings

BATCH = 5000
_serial = itertools.count(1)


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
