"""The `tenantry` command: serve, migrate, create-account, create-user, demo, export-schema."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NotRequired, TypedDict
from uuid import UUID

# Only light modules at load time, so `tenantry --help` answers at once: the app, SQLAlchemy and
# the services are imported inside the commands that need them.
from domain.entities import AccountKind, UserRole, Via
from domain.errors import AlreadyExists, DomainError, ValidationFailed
from schema.ids import from_global_id, to_global_id
from server.settings import Settings, SettingsError, load_settings, unknown_variables

if TYPE_CHECKING:
    from server.app import Runtime

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


class DemoAccount(TypedDict):
    """The arguments of accounts.create_account for one demo account."""

    kind: AccountKind
    number: str
    contact_person: str
    contact_email: str
    company_name: NotRequired[str]


DEMO_ACCOUNTS: dict[str, DemoAccount] = {
    "provider": DemoAccount(
        kind=AccountKind.BUSINESS,
        number="556036-0793",
        company_name="Tenantry Cloud AB",
        contact_person="Clara Nilsson",
        contact_email="billing@cloud.example.com",
    ),
    "business": DemoAccount(
        kind=AccountKind.BUSINESS,
        number="556012-5790",
        company_name="Acme Widgets AB",
        contact_person="Anders Berg",
        contact_email="finance@acme.example.com",
    ),
    "individual": DemoAccount(
        kind=AccountKind.INDIVIDUAL,
        number="19880320-0016",
        contact_person="Ingrid Holm",
        contact_email="ingrid.holm@mail.example.com",
    ),
}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's help ends with its default, or says it is required."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.required:
            return f"{text} (required)".strip()
        if action.default is None or action.default is argparse.SUPPRESS or "%(default)" in text:
            return text
        return super()._get_help_string(action) or ""


def _account_id(value: str) -> UUID:
    """The account's global ID as the API shows it (`me { account { id } }`), or its raw UUID."""
    found = from_global_id(value.strip(), "Account")
    if found is not None:
        return found[1]
    try:
        return UUID(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an account ID: expected the ID the API shows (me {{ account {{ id }} }}) or a UUID"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tenantry", description="Tenantry account-settings API.", formatter_class=_HelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text, formatter_class=_HelpFormatter)

    serve = command("serve", "serve the API (migrates the embedded SQLite database first)")
    serve.add_argument("--host", help="address to listen on (default: TENANTRY_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: TENANTRY_PORT or 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes")
    command("migrate", "apply database migrations")
    account = command("create-account", "create an account; prints its ID as the API shows it")
    account.add_argument("--kind", required=True, choices=[k.value for k in AccountKind], help="kind of account")
    account.add_argument("--number", required=True, help="organization number or personal number")
    account.add_argument("--country", default="SE", help="ISO country code of the number")
    account.add_argument("--company-name", help="company name (default: none; required for BUSINESS)")
    account.add_argument("--contact-person", required=True, help="name of the account's contact person")
    account.add_argument("--contact-email", required=True, help="first contact email (holds every role)")
    user = command(
        "create-user",
        "create a user; prints its ID as the API shows it. The password comes from TENANTRY_PASSWORD, "
        "--password-stdin, or a prompt",
    )
    user.add_argument("--account", required=True, type=_account_id, help="account ID (as the API shows it, or UUID)")
    user.add_argument("--email", required=True, help="the user's sign-in email")
    user.add_argument("--role", required=True, choices=[r.value for r in UserRole], help="the user's role")
    user.add_argument("--first-name", default="New", help="first name")
    user.add_argument("--last-name", default="User", help="last name")
    user.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of standard input"
    )
    command("demo", "create demo data once and print the demo sign-ins")
    export = command("export-schema", "print the served GraphQL SDL")
    export.add_argument("--output", type=Path, help="write to this file (default: standard output)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"tenantry: {error}", file=sys.stderr)
        return 2
    if args.command != "serve":  # serve logs them, in the log's format
        for warning in unknown_variables():
            print(f"tenantry: warning: {warning}", file=sys.stderr)
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
            print(f"tenantry: {e.message}{_where(e.field)}", file=sys.stderr)
        return 2


def _where(field: Sequence[str] | None) -> str:
    """Where the operator gave the value: a flag, or for the password the variable or stdin."""
    if not field:
        return ""
    if field[-1] == "password":
        return " (TENANTRY_PASSWORD or --password-stdin)"
    return f" (--{'-'.join(_words(field[-1]))})"


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
    from server.app import Runtime

    if settings.is_sqlite:
        _upgrade(settings)
    return Runtime.build(settings)


def _upgrade(settings: Settings) -> None:
    from persistence.database import make_engine
    from persistence.migrate import upgrade

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
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    # The workers read their settings from the environment: this is how they learn the served
    # host and port, whose origins are the allowed ones unless TENANTRY_ALLOWED_ORIGINS says otherwise.
    os.environ["TENANTRY_HOST"], os.environ["TENANTRY_PORT"] = host, str(port)
    configure(settings.log_level, settings.log_format)
    log = logging.getLogger("tenantry")
    for warning in unknown_variables():
        log.warning(warning)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host  # noqa: S104
    if settings.log_format == "json":  # stdout stays one JSON object per line
        log.info("GraphQL API and GraphiQL: http://%s:%d/graphql", shown, port)
    else:
        print(f"Serving http://{shown}:{port}/graphql", flush=True)
    uvicorn.run(
        "server.asgi:app",
        host=host,
        port=port,
        workers=args.workers,
        access_log=False,
        proxy_headers=True,
        log_config=None,
        http="server.wire:HttpToolsProtocol",  # uvicorn's own, each answer in one write
    )
    return 0


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    _upgrade(settings)
    print("migrated to the latest revision")
    return 0


def _create_account(settings: Settings, args: argparse.Namespace) -> int:
    from domain.services import accounts

    runtime = _runtime(settings)
    account = accounts.create_account(
        runtime.deps,
        kind=AccountKind(args.kind),
        number=args.number,
        country=args.country,
        company_name=args.company_name,
        contact_person=args.contact_person,
        contact_email=args.contact_email,
        via=Via.CLI,
    )
    runtime.close()
    print(to_global_id("Account", account.id))
    return 0


def _create_user(settings: Settings, args: argparse.Namespace) -> int:
    from domain.services import accounts

    password, problem = _password(args.password_stdin)
    if password is None:
        print(f"tenantry: {problem}", file=sys.stderr)
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
        via=Via.CLI,
    )
    runtime.close()
    print(to_global_id("User", user.id))
    return 0


def _password(from_stdin: bool) -> tuple[str | None, str]:
    """The new user's password, or None and why not."""
    if from_stdin:
        line = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        return (line, "") if line else (None, "--password-stdin: standard input held no password")
    if os.environ.get("TENANTRY_PASSWORD"):
        return os.environ["TENANTRY_PASSWORD"], ""
    if not sys.stdin.isatty():  # getpass would read the pipe and then fail at the second prompt
        return None, "no password: set TENANTRY_PASSWORD, or pipe it with --password-stdin"
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        return None, "the two passwords differ"
    return first, ""


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    """Idempotent: accounts and users that exist already are left as they are."""
    if settings.env == "production":
        print("tenantry: demo refuses to run with TENANTRY_ENV=production (its passwords are public)", file=sys.stderr)
        return 2
    from domain.services import accounts

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
            account_ids[key] = accounts.create_account(runtime.deps, **spec).id
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
