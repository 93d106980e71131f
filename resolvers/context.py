"""The per-request context every resolver reads: the domain's dependencies, credentials, loaders."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any, TypeVar
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from domain import devices
from domain.deps import Deps
from domain.entities import (
    Account,
    ApiToken,
    Authenticator,
    BillingProfile,
    ContactEmail,
    Session,
    TransferRequest,
    User,
)
from domain.rules.api_tokens import is_well_formed, looks_like_token
from domain.services import accounts, api_tokens, audit, authenticators, billing, contacts, mfa, sessions, transfers
from domain.services.api_tokens import TokenAuthenticated
from domain.services.sessions import NO_READS, Authenticated, Reads
from resolvers.eager import started

log = logging.getLogger("tenantry")
_Found = TypeVar("_Found")
T = TypeVar("T")

# The caller behind a request: a session (cookie or bearer) or an API token (bearer only).
Caller = Authenticated | TokenAuthenticated

# __Host- makes browsers insist on Secure, Path=/ and no Domain: the cookie stays on this host.
COOKIE_NAME = "__Host-tenantry_session"
# A known device (domain.devices): a cookie for browsers, this header for bearer clients.
DEVICE_COOKIE = "__Host-tenantry_device"
DEVICE_HEADER = "x-device-token"
CURRENT = "current"  # Loaders.billing_profile's key


@dataclass
class Credentials:
    token: str | None = None
    via_cookie: bool = False
    # A cookie-authenticated change must come as a JSON POST from an allowed Origin (CSRF).
    cookie_may_write: bool = False
    device_token: str | None = None
    # The FORBIDDEN message when it does not (the server may say more in development).
    write_refusal: str = "Changes made with the session cookie must be JSON POSTs from an allowed origin."


class Loaders:
    """Per-request DataLoaders: N objects asking for the same kind of data cost one statement. Their
    load functions hold the deps, not the Loaders: a loader holding a bound method of its Loaders
    was a reference cycle, so every request's loaders, context and entities waited for the garbage
    collector instead of going when the request did."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    # Each made on first use: most requests use one or two of them, and every request makes a Loaders.
    @cached_property
    def contacts(self) -> DataLoader[UUID, list[ContactEmail]]:
        return DataLoader(partial(self._contacts, self.deps))

    @cached_property
    def recovery_codes_remaining(self) -> DataLoader[UUID, int]:
        return DataLoader(partial(self._recovery_codes_remaining, self.deps))

    @cached_property
    def transfer_requests(self) -> DataLoader[UUID, list[TransferRequest]]:
        return DataLoader(partial(self._transfer_requests, self.deps))

    @cached_property
    def accounts(self) -> DataLoader[UUID, Account]:
        return DataLoader(partial(self._accounts, self.deps))

    @cached_property
    def sessions(self) -> DataLoader[UUID, list[Session]]:
        return DataLoader(partial(self._sessions, self.deps))

    @cached_property
    def authenticators(self) -> DataLoader[UUID, list[Authenticator]]:
        return DataLoader(partial(self._authenticators, self.deps))

    @cached_property
    def audit_actors(self) -> DataLoader[UUID, tuple[User, Account] | None]:
        return DataLoader(partial(self._audit_actors, self.deps))

    @cached_property
    def billing_versions(self) -> DataLoader[int, BillingProfile | None]:
        return DataLoader(partial(self._billing_versions, self.deps))

    @cached_property
    def api_tokens(self) -> DataLoader[UUID, list[ApiToken]]:
        return DataLoader(partial(self._api_tokens, self.deps))

    @cached_property
    def billing_profile(self) -> DataLoader[str, BillingProfile | None]:
        """The profile in force; its only key is CURRENT. A loader so that authenticate can prime it."""
        return DataLoader(partial(self._billing_profile, self.deps))

    def prime(self, found: Caller) -> None:
        """Fill the loaders with what authenticate read in its transaction, so they need no trip."""
        pre = found.preloaded
        if pre.contacts:
            self.contacts.prime_many(pre.contacts)
        if pre.sessions:
            self.sessions.prime_many(pre.sessions)
        if pre.billing_profile:
            self.billing_profile.prime(CURRENT, pre.billing_profile[0])

    @staticmethod
    async def _contacts(deps: Deps, account_ids: list[UUID]) -> list[list[ContactEmail]]:
        found = await run_in_threadpool(contacts.contacts_for_accounts, deps, list(account_ids))
        return [found[a] for a in account_ids]

    @staticmethod
    async def _recovery_codes_remaining(deps: Deps, user_ids: list[UUID]) -> list[int]:
        found = await run_in_threadpool(mfa.recovery_codes_remaining, deps, list(user_ids))
        return [found[u] for u in user_ids]

    @staticmethod
    async def _authenticators(deps: Deps, user_ids: list[UUID]) -> list[list[Authenticator]]:
        found = await run_in_threadpool(authenticators.authenticators_for_users, deps, list(user_ids))
        return [found[u] for u in user_ids]

    @staticmethod
    async def _transfer_requests(deps: Deps, account_ids: list[UUID]) -> list[list[TransferRequest]]:
        found = await run_in_threadpool(transfers.transfers_for_accounts, deps, list(account_ids))
        return [found[a] for a in account_ids]

    @staticmethod
    async def _sessions(deps: Deps, user_ids: list[UUID]) -> list[list[Session]]:
        return [await run_in_threadpool(sessions.list_sessions, deps, user_id) for user_id in user_ids]

    @staticmethod
    async def _audit_actors(deps: Deps, user_ids: list[UUID]) -> list[tuple[User, Account] | None]:
        found = await run_in_threadpool(audit.actors, deps, list(user_ids))
        return [found.get(u) for u in user_ids]

    @staticmethod
    async def _billing_versions(deps: Deps, versions: list[int]) -> list[BillingProfile | None]:
        found = await run_in_threadpool(audit.billing_versions, deps, list(versions))
        return [found.get(v) for v in versions]

    @staticmethod
    async def _api_tokens(deps: Deps, user_ids: list[UUID]) -> list[list[ApiToken]]:
        found = await run_in_threadpool(api_tokens.tokens_for_users, deps, list(user_ids))
        return [found[u] for u in user_ids]

    @staticmethod
    async def _billing_profile(deps: Deps, keys: list[str]) -> list[BillingProfile | None]:
        found = await run_in_threadpool(billing.get_billing_profile, deps)
        return [found for _ in keys]

    @staticmethod
    async def _accounts(deps: Deps, account_ids: list[UUID]) -> list[Account]:
        found = await run_in_threadpool(accounts.accounts_by_id, deps, list(account_ids))
        return [found[a] for a in account_ids]


@dataclass
class Context:
    request: Request
    response: Response
    deps: Deps
    credentials: Credentials
    client_ip: str | None
    user_agent: str | None
    loaders: Loaders
    # What the document will read besides the session (schema.plan sets it before execution):
    # authenticate reads it in the same transaction and primes the loaders with it.
    reads: Reads = NO_READS
    _auth: asyncio.Future[Caller | None] | None = None
    _outcome: asyncio.Future[Any] | None = None

    async def once(self, run: Callable[[], Awaitable[T]]) -> T:
        """The outcome of the request's sign-in (its result, or the error it raised), run at its first
        call: the fast path (schema.compiled) may run it and then hand the request to the ordinary
        path, whose resolver then answers with that outcome instead of signing in twice. One per
        request: a plan has one mutation field, and the document limits allow one sign-in field."""
        outcome = self._outcome
        if outcome is None:
            outcome = self._outcome = asyncio.get_running_loop().create_future()
            try:
                outcome.set_result(await run())
            except Exception as error:
                outcome.set_exception(error)
            finally:
                if not outcome.done():  # cancelled (the client left): whoever asks again is told so
                    outcome.cancel()
        return outcome.result()  # type: ignore[no-any-return]

    async def auth(self) -> Caller | None:
        """The caller's live session or API token, looked up once per request however many fields ask."""
        found = self._auth
        if found is None:  # on SQLite the look-up reads on the event loop: it finishes at once, no Task
            found = self._auth = started(self._authenticate())
        if found.done():
            return found.result()
        return await asyncio.shield(found)

    @property
    def auth_settled(self) -> bool:
        """Whether the caller's look-up has finished (the server starts it early for API tokens)."""
        return self._auth is not None and self._auth.done() and not self._auth.cancelled()

    def settled_auth(self) -> Caller | None:
        """The caller, once the look-up has finished; None before."""
        return self._auth.result() if self._auth is not None and self.auth_settled else None

    @property
    def bears_api_token(self) -> bool:
        """Whether the request's credential is meant as an API token (decided without a look-up)."""
        token = self.credentials.token
        return bool(token) and looks_like_token(token or "")

    async def _authenticate(self) -> Caller | None:
        found = await authenticate(self.deps, self.credentials, self.client_ip, self.reads)
        if found is not None:
            self.loaders.prime(found)
        return found

    def forget_auth(self, value: Caller | None = None) -> None:
        loop = asyncio.get_running_loop()
        self._auth = loop.create_future()
        self._auth.set_result(value)

    @property
    def device_token(self) -> str | None:
        return self.credentials.device_token

    def set_device_cookie(self, token: str) -> None:
        # Strict: it is only ever needed on this site's own sign-in requests.
        max_age = int(devices.TTL.total_seconds())
        self.response.set_cookie(
            DEVICE_COOKIE, token, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict"
        )

    def set_session_cookie(self, token: str) -> None:
        self.response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=int(self.deps.policy.absolute_ttl.total_seconds()),
            path="/",
            secure=True,
            httponly=True,
            samesite="lax",
        )

    def clear_session_cookie(self) -> None:
        self.response.delete_cookie(
            COOKIE_NAME,
            path="/",
            secure=True,
            httponly=True,
            samesite="lax",
        )


async def authenticate(
    deps: Deps, credentials: Credentials, client_ip: str | None, reads: Reads = NO_READS
) -> Caller | None:
    """The live session or API token behind a request's credentials, or None. A session's `reads`
    (what the document will read) come in the same transaction."""
    token = credentials.token
    if not token:
        return None
    if looks_like_token(token):
        # Bearer-only: never a browser's ambient credential. A malformed one costs no thread hop and
        # no connection; the look-up on the loop then does not check the checksum again.
        if credentials.via_cookie or not is_well_formed(token):
            return None
        if quick := await _on_loop(_WELL_FORMED_LOOK_UP, deps, token, client_ip, reads):
            found, due = quick
            return await run_in_threadpool(api_tokens.touch, deps, found, client_ip) if found and due else found
        return await run_in_threadpool(api_tokens.authenticate, deps, token, client_ip, reads)
    if seen := await _on_loop(sessions.look_up, deps, token, reads):
        session, session_due = seen
        if session is not None and session_due:
            await run_in_threadpool(sessions.touch, deps, session)
        return session
    return await run_in_threadpool(sessions.authenticate, deps, token, reads)


_WELL_FORMED_LOOK_UP = partial(api_tokens.look_up, checked=True)


async def _on_loop(look_up: Callable[..., _Found], deps: Deps, *args: Any) -> _Found | None:
    """A look-up's read on the event loop, or None when there is no way to read there or the read
    failed there (the thread pool then tries it again): on SQLite through deps.loop_uow (its reads
    take microseconds and never wait for writers), on PostgreSQL through deps.loop_reads (each
    statement awaited). Neither takes a thread hop."""
    try:
        if deps.loop_uow is not None:
            return look_up(deps, *args, uow=deps.loop_uow)
        if deps.loop_reads is not None:
            return await deps.loop_reads(lambda uow: look_up(deps, *args, uow=uow))
    except Exception:
        log.warning("a look-up on the event loop failed; trying it in the thread pool", exc_info=True)
    return None
