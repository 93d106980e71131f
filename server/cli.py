"""The `tenantry` command: serve, migrate, create-account, create-user, demo, export-schema."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

from domain.entities import AccountKind, UserRole
from domain.errors import AlreadyExists, DomainError, ValidationFailed
from domain.services import accounts
from persistence.database import make_engine
from persistence.migrate import upgrade
from server.app import Runtime
from server.settings import Settings, SettingsError, load_settings

DEMO_USERS = (
    # (account key, email, role, first, last, password)
    (
        "provider",
        "clara.nilsson@cloud.example.com",
        UserRole.CLOUD_ADMIN,
        "Clara",
        "Nilsson",
        "violet-harbor-lantern-42",
    ),
    (
        "business",
        "anders.berg@acme.example.com",
        UserRole.ACCOUNT_ADMIN,
        "Anders",
        "Berg",
        "amber-meadow-compass-17",
    ),
    ("business", "maja.lind@acme.example.com", UserRole.MEMBER, "Maja", "Lind", "silver-orchard-kettle-88"),
    (
        "individual",
        "ingrid.holm@mail.example.com",
        UserRole.ACCOUNT_ADMIN,
        "Ingrid",
        "Holm",
        "cobalt-river-window-53",
    ),
)
DEMO_ACCOUNTS = {
    "provider": dict(
        kind=AccountKind.BUSINESS,
        number="556036-0793",
        company_name="Tenantry Cloud AB",
        contact_person="Clara Nilsson",
        contact_email="billing@cloud.example.com",
    ),
    "business": dict(
        kind=AccountKind.BUSINESS,
        number="556012-5790",
        company_name="Acme Widgets AB",
        contact_person="Anders Berg",
        contact_email="finance@acme.example.com",
    ),
    "individual": dict(
        kind=AccountKind.INDIVIDUAL,
        number="19880320-0016",
        contact_person="Ingrid Holm",
        contact_email="ingrid.holm@mail.example.com",
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tenantry", description="Tenantry account-settings API.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the API (migrates the embedded SQLite database first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    sub.add_parser("migrate", help="apply database migrations")
    account = sub.add_parser("create-account", help="create an account; prints its ID")
    account.add_argument("--kind", required=True, choices=[k.value for k in AccountKind])
    account.add_argument("--number", required=True, help="organization number or personal number")
    account.add_argument("--country", default="SE")
    account.add_argument("--company-name")
    account.add_argument("--contact-person", required=True)
    account.add_argument("--contact-email", required=True)
    user = sub.add_parser("create-user", help="create a user (password from TENANTRY_PASSWORD or a prompt)")
    user.add_argument("--account", required=True, type=UUID, help="account ID")
    user.add_argument("--email", required=True)
    user.add_argument("--role", required=True, choices=[r.value for r in UserRole])
    user.add_argument("--first-name", default="New")
    user.add_argument("--last-name", default="User")
    sub.add_parser("demo", help="create demo data once and print the demo sign-ins")
    export = sub.add_parser("export-schema", help="print the served GraphQL SDL")
    export.add_argument("--output", type=Path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"tenantry: {error}", file=sys.stderr)
        return 2
    handler = {
        "serve": _serve,
        "migrate": _migrate,
        "create-account": _create_account,
        "create-user": _create_user,
        "demo": _demo,
        "export-schema": _export_schema,
    }[args.command]
    try:
        return handler(settings, args)
    except DomainError as error:
        errors = error.errors if isinstance(error, ValidationFailed) else [error]
        for e in errors:
            where = f" (--{'-'.join(_words(e.field[-1]))})" if e.field else ""
            print(f"tenantry: {e.message}{where}", file=sys.stderr)
        return 2


def _words(name: str) -> list[str]:
    out, word = [], ""
    for ch in name:
        if ch.isupper() and word:
            out.append(word)
            word = ch.lower()
        else:
            word += ch.lower()
    return [*out, word]


def _runtime(settings: Settings) -> Runtime:
    """What the operator commands need; the embedded SQLite database is brought up to date first."""
    if settings.is_sqlite:
        _upgrade(settings)
    return Runtime.build(settings)


def _upgrade(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from server.logs import configure

    # Each worker's start-up migrates the embedded SQLite (serialized by its write lock);
    # PostgreSQL is migrated by `tenantry migrate`, once per release.
    configure(settings.log_level)
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host  # noqa: S104 (a URL to click)
    print(f"Serving http://{shown}:{args.port}/graphql", flush=True)
    uvicorn.run(
        "server.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        proxy_headers=True,
        log_config=None,
    )
    return 0


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    _upgrade(settings)
    print("migrated to the latest revision")
    return 0


def _create_account(settings: Settings, args: argparse.Namespace) -> int:
    runtime = _runtime(settings)
    account = accounts.create_account(
        runtime.deps,
        kind=AccountKind(args.kind),
        number=args.number,
        country=args.country,
        company_name=args.company_name,
        contact_person=args.contact_person,
        contact_email=args.contact_email,
    )
    runtime.close()
    print(account.id)
    return 0


def _create_user(settings: Settings, args: argparse.Namespace) -> int:
    password = os.environ.get("TENANTRY_PASSWORD") or _prompt_password()
    if password is None:
        print("tenantry: the two passwords differ", file=sys.stderr)
        return 2
    runtime = _runtime(settings)
    user = accounts.create_user(
        runtime.deps,
        account_id=args.account,
        email=args.email,
        role=UserRole(args.role),
        password=password,
        first_name=args.first_name,
        last_name=args.last_name,
    )
    runtime.close()
    print(user.id)
    return 0


def _prompt_password() -> str | None:
    first = getpass.getpass("Password: ")
    return first if getpass.getpass("Password again: ") == first else None


def _demo(settings: Settings, _: argparse.Namespace) -> int:
    """Idempotent: accounts and users that exist already are left as they are."""
    if settings.env == "production":
        print("tenantry: demo refuses to run with TENANTRY_ENV=production (its passwords are public)", file=sys.stderr)
        return 2
    runtime = _runtime(settings)
    account_ids: dict[str, UUID] = {}
    with runtime.deps.uow(write=False) as uow:
        existing = {email: uow.users.by_email(email) for _, email, *_ in DEMO_USERS}
    for key, spec in DEMO_ACCOUNTS.items():
        owner = next((existing[u[1]] for u in DEMO_USERS if u[0] == key and existing[u[1]]), None)
        if owner is not None:
            account_ids[key] = owner.account_id
            continue
        try:
            account_ids[key] = accounts.create_account(runtime.deps, **spec).id  # type: ignore[arg-type]
        except AlreadyExists:
            print(f"tenantry: demo account {key} exists without its users; skipped", file=sys.stderr)
    for key, email, role, first, last, password in DEMO_USERS:
        if existing[email] is None and key in account_ids:
            accounts.create_user(
                runtime.deps,
                account_id=account_ids[key],
                email=email,
                role=role,
                password=password,
                first_name=first,
                last_name=last,
            )
    runtime.close()
    print("Demo sign-ins (email / password / role):")
    for _, email, role, _, _, password in DEMO_USERS:
        print(f"  {email:36} {password:28} {role.value}")
    return 0


def _export_schema(_: Settings, args: argparse.Namespace) -> int:
    from schema.schema import sdl

    text = sdl()
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
