"""Mail delivery: SMTP (or .eml files in development) fed by the transactional outbox."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import Engine

from domain.ports import Clock, Keyring
from persistence import outbox
from server.files import private_dir, write_private
from server.logs import request_id

log = logging.getLogger("tenantry.mail")
MAX_ATTEMPTS = 10


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    """smtp://user:pass@host:port?starttls=1 or smtps://... ; one connection per batch is enough here."""

    def __init__(self, url: str, timeout: float = 15.0) -> None:
        parts = urlsplit(url)
        self.ssl = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.ssl else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[0].lower() in ("1", "true", "yes", "on")
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


class FileTransport:
    """Development without SMTP: every mail becomes an .eml file under var/mail/."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage) -> None:
        private_dir(self.directory)
        path = self.directory / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        write_private(path, bytes(message))  # it holds codes in clear
        log.info("mail to %s written to %s", message["To"], path)


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 4.5 min, ... up to an hour between tries."""
    return timedelta(seconds=min(3600, 30 * attempts * attempts))


class OutboxWorker:
    """Delivers queued mail with retries and backoff. Any number of processes may run one."""

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        transport: Transport,
        clock: Clock,
        *,
        mail_from: str,
        poll_seconds: float,
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.transport = transport
        self.clock = clock
        self.mail_from = mail_from
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after a commit that queued mail)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; a round in progress always finishes (no thread left behind)."""
        self._loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.deliver_due)
            except Exception:
                log.exception("outbox delivery round failed; will retry")
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    def deliver_due(self) -> int:
        """One round: claim due mails and try each once. Returns how many were delivered."""
        delivered = 0
        for mail in outbox.claim_due(self.engine, self.clock()):
            # Every line about this mail carries the id of the request whose change queued it.
            token = request_id.set(mail.request_id or "-")
            try:
                delivered += self._deliver(mail)
            finally:
                request_id.reset(token)
        return delivered

    def _deliver(self, mail: outbox.Claimed) -> int:
        """Try one claimed mail once: 1 if delivered, else 0 (retried later or given up)."""
        try:
            subject, _, text = self.keyring.decrypt("outbox", mail.sealed).decode().partition("\n")
        except Exception as error:  # noqa: BLE001 (sealed under another SECRET_KEY, or damaged)
            # Retrying cannot help, and one such mail must not stop the others behind it.
            log.error("mail %s cannot be unsealed (%s); given up", mail.id, type(error).__name__)
            outbox.mark_retry(self.engine, mail.id, "cannot unseal: SECRET_KEY changed?", None, self.clock())
            return 0
        try:
            self.transport.send(self._message(mail.recipient, subject, text))
        except (OSError, smtplib.SMTPException) as error:
            give_up = mail.attempts >= MAX_ATTEMPTS
            next_at = None if give_up else self.clock() + backoff(mail.attempts)
            log.warning("mail %s not delivered (attempt %d): %s", mail.id, mail.attempts, type(error).__name__)
            outbox.mark_retry(self.engine, mail.id, f"{type(error).__name__}: {error}", next_at, self.clock())
            return 0
        outbox.mark_sent(self.engine, mail.id, self.clock())
        log.info("mail %s delivered (attempt %d)", mail.id, mail.attempts)
        return 1

    def _message(self, recipient: str, subject: str, text: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = format_datetime(self.clock())
        message["Message-ID"] = make_msgid(domain="tenantry.local")
        message.set_content(text)
        return message
