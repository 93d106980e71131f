"""The unit of work: one connection, one transaction, the repositories bound to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ports import (
    AccountRepository,
    ApiTokenRepository,
    AttemptCounters,
    AuditLog,
    AuthenticatorRepository,
    BillingProfileRepository,
    Clock,
    ContactRepository,
    Keyring,
    KnownDeviceRepository,
    MfaRepository,
    Outbox,
    ProfileRepository,
    RecoveryRepository,
    SessionRepository,
    TransferRequestRepository,
    UnitOfWorkFactory,
    UserRepository,
)
from persistence.accounts import SqlAccounts
from persistence.api_tokens import SqlApiTokens
from persistence.attempts import SqlAttemptCounters
from persistence.audit import SqlAuditLog
from persistence.authenticators import SqlAuthenticators
from persistence.billing import SqlBillingProfiles
from persistence.contacts import SqlContacts
from persistence.database import WRITE, FifoLock, begin_read, rollback_on_driver, writer_queue
from persistence.devices import SqlKnownDevices
from persistence.mfa import SqlMfa
from persistence.outbox import SqlOutbox
from persistence.profiles import SqlProfiles
from persistence.recovery import SqlRecovery
from persistence.sessions import SqlSessions
from persistence.transfers import SqlTransferRequests
from persistence.users import SqlUsers

# As long as SQLite's own busy timeout (persistence.database): a writer waits at most this long for its turn.
WRITER_WAIT = 30.0


class SqlUnitOfWork:
    """`with uow:` opens a transaction: a write one, or a read-only one with `write=False`.

    Leaving the block without `commit()` rolls everything back, so a failed check never leaves
    half a change behind. A unit of work is entered inside the worker thread that runs the service,
    and never shared between requests.
    """

    # The domain's UnitOfWork port; the repositories are bound to the connection on entering.
    accounts: AccountRepository
    users: UserRepository
    profiles: ProfileRepository
    sessions: SessionRepository
    contacts: ContactRepository
    transfers: TransferRequestRepository
    outbox: Outbox
    attempts: AttemptCounters
    audit: AuditLog
    mfa: MfaRepository
    authenticators: AuthenticatorRepository
    billing: BillingProfileRepository
    devices: KnownDeviceRepository
    recovery: RecoveryRepository
    api_tokens: ApiTokenRepository
    _outbox: SqlOutbox  # the same outbox, typed for what only commit() reads (queued)

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        clock: Clock,
        *,
        write: bool = True,
        on_mail_committed: Callable[[], None] | None = None,
        request_id: Callable[[], str | None] | None = None,
        connection: Connection | None = None,
        read_engine: Engine | None = None,
        driver_transaction: bool = True,
    ) -> None:
        self.engine = engine
        self.read_engine = read_engine  # PostgreSQL's read-only, autocommit connections (database.read_engine)
        # A given connection's read begins and rolls back on the driver (SQLite's loop reader); False:
        # through SQLAlchemy (PostgreSQL's autocommit connections, where neither reaches the wire).
        self.driver_transaction = driver_transaction
        self.keyring = keyring
        self.clock = clock
        self.write = write
        self._given = connection  # kept by its factory across units of work (the event loop's reads)
        self.on_mail_committed = on_mail_committed
        self.request_id = request_id
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None
        self._queued: FifoLock | None = None

    def __enter__(self) -> SqlUnitOfWork:
        queue = writer_queue(self.engine) if self.write else None
        if queue is not None and not queue.acquire(timeout=WRITER_WAIT):
            raise TimeoutError(f"no turn to write within {WRITER_WAIT} s")
        self._queued = queue
        try:
            return self._open()
        except BaseException:
            self._leave_queue()
            raise

    def _open(self) -> SqlUnitOfWork:
        if self._given is not None and not self.write and self.driver_transaction:
            # The event loop's reads (SQLite): the driver's own BEGIN, without SQLAlchemy's transaction
            # objects and events, which cost more than the read. A statement through SQLAlchemy
            # (rather than the driver's cursor) still works: it begins SQLAlchemy's transaction
            # inside this one (database.loop_reader), and __exit__ rolls that back instead.
            conn = self._given
            self._conn, self._tx = conn, None
            begin_read(conn)
        elif self._given is None and not self.write and self.read_engine is not None:
            conn = self._conn = self.read_engine.connect()
            self._tx = conn.begin()  # autocommit: no BEGIN, no ROLLBACK on the wire
        else:
            conn = (self._given or self.engine.connect()).execution_options(**{WRITE: self.write})
            self._conn = conn
            self._tx = conn.begin()
        self._outbox = SqlOutbox(conn, self.keyring, self.clock, self.request_id)
        self.accounts = SqlAccounts(conn)
        self.users = SqlUsers(conn)
        self.profiles = SqlProfiles(conn)
        # Contacts stamps are used only where nothing can change the contacts (persistence.rows).
        stamps: dict[UUID, int] | None = None if self.write else {}
        self.sessions = SqlSessions(conn, stamps)
        self.contacts = SqlContacts(conn, stamps)
        self.transfers = SqlTransferRequests(conn)
        self.outbox = self._outbox
        self.attempts = SqlAttemptCounters(conn)
        self.audit = SqlAuditLog(conn, self.clock)
        self.mfa = SqlMfa(conn)
        self.authenticators = SqlAuthenticators(conn)
        self.billing = SqlBillingProfiles(conn)
        self.devices = SqlKnownDevices(conn)
        self.recovery = SqlRecovery(conn)
        self.api_tokens = SqlApiTokens(conn, stamps)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._conn is not None
        try:
            if self._tx is None:  # the event loop's read (see _open)
                if self._conn.in_transaction():
                    self._conn.rollback()
                else:
                    rollback_on_driver(self._conn)
            elif self._tx.is_active:
                self._tx.rollback()
        finally:
            if self._given is None:
                self._conn.close()
            self._conn = self._tx = None
            self._leave_queue()

    def _leave_queue(self) -> None:
        if self._queued is not None:
            self._queued.release()
            self._queued = None

    def commit(self) -> None:
        assert self._tx is not None
        self._tx.commit()
        if self._outbox.queued and self.on_mail_committed is not None:
            self.on_mail_committed()


_Read = TypeVar("_Read")


class AwaitedReads:
    """deps.loop_reads on PostgreSQL: SQLAlchemy's asyncio bridge runs the read (the synchronous
    repositories, unchanged) in a greenlet on the event loop, and each statement awaits psycopg's
    asynchronous connection: no thread hop, no GIL handed back and forth between threads. The
    connections are database.loop_read_engine's: read-only, in autocommit."""

    def __init__(self, engine: AsyncEngine, keyring: Keyring, clock: Clock) -> None:
        self.engine = engine
        self.keyring = keyring
        self.clock = clock

    async def __call__(self, read: Callable[[UnitOfWorkFactory], _Read]) -> _Read:
        async with self.engine.connect() as conn:
            return await conn.run_sync(self._read, read)

    def _read(self, conn: Connection, read: Callable[[UnitOfWorkFactory], _Read]) -> _Read:
        def reads(*, write: bool = True) -> SqlUnitOfWork:
            if write:
                raise RuntimeError("the event loop's reads cannot write")
            return SqlUnitOfWork(
                conn.engine, self.keyring, self.clock, write=False, connection=conn, driver_transaction=False
            )

        return read(reads)


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per service call (they hold a connection while entered)."""

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        clock: Clock,
        *,
        on_mail_committed: Callable[[], None] | None = None,
        request_id: Callable[[], str | None] | None = None,
        keep_connection: bool = False,
        read_engine: Engine | None = None,
    ) -> None:
        self.engine = engine
        self.read_engine = read_engine
        self.keyring = keyring
        self.clock = clock
        # One connection for every unit of work it makes: only for a single thread's short reads
        # (the event loop's, on SQLite), which then skip the pool's check-out and check-in.
        self.keep_connection = keep_connection
        self._kept: Connection | None = None
        self.on_mail_committed = on_mail_committed
        # The id of the request being served, stored with queued mail so its delivery can be traced.
        self.request_id = request_id

    def __call__(self, *, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            self.keyring,
            self.clock,
            write=write,
            on_mail_committed=self.on_mail_committed,
            request_id=self.request_id,
            connection=self._connection() if self.keep_connection else None,
            read_engine=self.read_engine,
        )

    def _connection(self) -> Connection:
        if self._kept is None or self._kept.closed or self._kept.invalidated:
            self._kept = self.engine.connect()
        return self._kept

    def close(self) -> None:
        if self._kept is not None:
            self._kept.close()
            self._kept = None
