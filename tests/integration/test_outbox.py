"""The transactional outbox: mail leaves only for committed changes, survives SMTP outages, and
is delivered over a real SMTP conversation."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select

from domain.entities import Mail
from persistence.tables import outbox_t
from server.mailer import FileTransport, OutboxWorker, SmtpTransport, backoff
from support import Api, SmtpSink


def queue(api: Api, mail: Mail, *, commit: bool = True) -> None:
    with api.deps.uow() as uow:
        uow.outbox.add(mail)
        if commit:
            uow.commit()


def outbox_row(api: Api, recipient: str) -> dict:
    with api.runtime.engine.connect() as conn:
        return dict(conn.execute(select(outbox_t).where(outbox_t.c.recipient == recipient)).mappings().one())


def test_committed_mail_is_delivered_over_smtp(api: Api) -> None:
    to = f"someone-{secrets.token_hex(4)}@example.com"
    queue(api, Mail(to, "Hello there", "Your code is 123456."))
    api.runtime.worker.wake()
    message = api.smtp.wait_for(to, subject="Hello there")
    assert message["From"] == api.runtime.settings.mail_from
    assert "123456" in message.get_body(("plain",)).get_content()


def test_rolled_back_change_sends_nothing(api: Api) -> None:
    to = f"ghost-{secrets.token_hex(4)}@example.com"
    queue(api, Mail(to, "Never", "This change was rolled back."), commit=False)
    api.runtime.worker.deliver_due()
    assert api.smtp.to(to) == []


def test_queued_mail_is_sealed_at_rest_and_wiped_once_sent(api: Api) -> None:
    to = f"sealed-{secrets.token_hex(4)}@example.com"
    with api.deps.uow() as uow:
        uow.outbox.add(Mail(to, "Code inside", "Your code is 654321."))
        sealed = uow.outbox.conn.execute(select(outbox_t.c.sealed).where(outbox_t.c.recipient == to)).scalar_one()
        uow.commit()
    assert "654321" not in sealed and "Code inside" not in sealed
    api.smtp.wait_for(to)  # the commit woke the worker: no poll interval to wait out
    deadline = time.monotonic() + 10
    while outbox_row(api, to)["sent_at"] is None and time.monotonic() < deadline:
        time.sleep(0.02)
    row = outbox_row(api, to)
    assert row["sent_at"] is not None and row["sealed"] is None


def test_mail_waits_out_an_smtp_outage_and_is_retried_with_backoff(
    database_url: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    to = f"patient-{secrets.token_hex(4)}@example.com"
    bystander = f"bystander-{secrets.token_hex(4)}@example.com"  # as another test's mail would be
    with Api.start(database_url, smtp, tmp_path, smtp_url="smtp://127.0.0.1:1") as down:
        queue(down, Mail(bystander, "Also waiting", "Someone else's mail."))
        queue(down, Mail(to, "Eventually", "Delivered after the outage."))
        down.runtime.worker.wake()
        deadline = time.monotonic() + 10
        while None in (outbox_row(down, to)["last_error"], outbox_row(down, bystander)["last_error"]):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        row = outbox_row(down, to)
        assert row["attempts"] == 1 and row["sent_at"] is None and "ConnectionRefused" in row["last_error"]
        assert row["next_attempt_at"] - row["created_at"] >= backoff(1) - timedelta(seconds=1)
        later = down.deps.clock() + backoff(1) + timedelta(seconds=1)
        sent: list[str] = []

        class Recording(SmtpTransport):
            def send(self, message: EmailMessage) -> None:
                super().send(message)
                sent.append(message["To"])

        live = OutboxWorker(
            down.runtime.engine,
            down.runtime.keyring,
            Recording(f"smtp://127.0.0.1:{smtp.port}"),
            lambda: later,
            mail_from="x@example.com",
            poll_seconds=1,
        )
        # Other tests' mail shares this database and may fall due at `later` too (a round takes at
        # most 20, oldest first): deliver rounds until ours went, and count only ours.
        for _ in range(50):
            live.deliver_due()
            if to in sent:
                break
        assert sent.count(to) == 1
        row = outbox_row(down, to)
        assert row["attempts"] == 2 and row["sent_at"] is not None and row["sealed"] is None
    assert smtp.wait_for(to, subject="Eventually")


def test_without_smtp_mail_is_written_as_eml_files(tmp_path: Path) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["To"] = "dev@example.com"
    message["Subject"] = "Local"
    message.set_content("Body")
    FileTransport(tmp_path / "mail").send(message)
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1 and b"Subject: Local" in files[0].read_bytes()


def test_a_mail_sealed_under_another_key_is_given_up_without_blocking_the_rest(api: Api) -> None:
    from domain.security import Keyring
    from persistence.outbox import SqlOutbox

    lost, fine = (f"{name}-{secrets.token_hex(4)}@example.com" for name in ("lost", "fine"))
    with api.deps.uow() as uow:
        SqlOutbox(uow.outbox.conn, Keyring("another-secret-key-" + "y" * 20), api.deps.clock).add(
            Mail(lost, "Old key", "Sealed before a key rotation.")
        )
        uow.outbox.add(Mail(fine, "New key", "Delivered."))
        uow.commit()
    assert api.smtp.wait_for(fine, subject="New key")
    deadline = time.monotonic() + 10
    while outbox_row(api, lost)["failed_at"] is None and time.monotonic() < deadline:
        time.sleep(0.02)
    row = outbox_row(api, lost)
    assert row["failed_at"] is not None and row["sealed"] is None and "unseal" in row["last_error"]
    assert api.smtp.to(lost) == []
