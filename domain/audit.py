"""The audit log as the services read it: sign-in events, the page query and its opaque cursors.

A page is keyset-paginated on (occurred_at, id), newest first: a cursor names the last event
shown, so events written after the first page never shift or repeat later pages.
"""

from __future__ import annotations

import base64
import binascii
import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.entities import AuditEvent, User, Via
from domain.errors import Invalid

MAX_PAGE = 100
MAX_ACTIONS = 20
MAX_ACTION_LENGTH = 80
DEFAULT_RETENTION = timedelta(days=400)


class FailedSignIn(enum.StrEnum):
    """Why a sign-in of a known user was refused (the `reason` of a session.create_failed event)."""

    WRONG_PASSWORD = "WRONG_PASSWORD"  # noqa: S105 (a reason, not a password)
    LOCKED = "LOCKED"
    MFA_FAILED = "MFA_FAILED"
    PASSWORD_RESET_REQUIRED = "PASSWORD_RESET_REQUIRED"  # noqa: S105


def sign_in_event(
    action: str,
    user: User,
    ip: str | None,
    user_agent: str | None,
    *,
    target: tuple[str, object] | None = None,
    fields: tuple[str, ...] = (),
    reason: FailedSignIn | None = None,
) -> AuditEvent:
    """An event of a sign-in step for `user`, in their account and their security log. A refused
    attempt has no actor: whoever tried has not proven to be the user."""
    kind, target_id = target or ("User", user.id)
    return AuditEvent(
        action,
        kind,
        str(target_id),
        None if reason else user.id,
        fields,
        ip,
        account_id=user.account_id,
        user_id=user.id,
        via=None if reason else Via.SESSION,
        user_agent=(user_agent or "")[:300] or None,
        reason=reason.value if reason else None,
    )


@dataclass(frozen=True)
class Cursor:
    """The position after which a page starts: the last event shown."""

    occurred_at: datetime
    id: UUID

    def encode(self) -> str:
        raw = f"{self.occurred_at.astimezone(UTC).isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")

    @staticmethod
    def decode(value: str, field: tuple[str, ...] = ("after",)) -> Cursor:
        """The cursor behind `value`; Invalid for anything this API did not hand out."""
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
            at, _, event_id = raw.partition("|")
            at_time = datetime.fromisoformat(at)
            if at_time.tzinfo is None:
                raise ValueError("no time zone")
            # In UTC, as stored: a far-off offset at the edge of the calendar fails here, not in the database.
            return Cursor(at_time.astimezone(UTC), UUID(event_id))
        except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
            raise Invalid("The cursor is not one this API handed out.", field) from None

    @staticmethod
    def of(event: AuditEvent) -> Cursor:
        assert event.occurred_at is not None and event.id is not None
        return Cursor(event.occurred_at, event.id)


@dataclass(frozen=True)
class AuditQuery:
    """Which events a page holds. `account_id`/`user_id` None: not restricted by it. `actions` are
    exact names or prefixes ending in a dot; `until` is exclusive."""

    limit: int
    account_id: UUID | None = None
    user_id: UUID | None = None
    actions: tuple[str, ...] = ()
    actor_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: Cursor | None = None


@dataclass(frozen=True)
class AuditFilter:
    """What the caller asked to see; checked by `check_filter`."""

    actions: tuple[str, ...] = ()
    actor_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


def check_page(first: int, after: str | None) -> tuple[int, Cursor | None]:
    """`first` from 0 to 100 and a cursor this API handed out; Invalid otherwise."""
    if not 0 <= first <= MAX_PAGE:
        raise Invalid(f"`first` must be from 0 to {MAX_PAGE}.", ("first",))
    return first, Cursor.decode(after) if after else None


def check_filter(f: AuditFilter) -> AuditFilter:
    """At most 20 actions of up to 80 characters each, and a time range that is not reversed."""
    if len(f.actions) > MAX_ACTIONS:
        raise Invalid(f"Give at most {MAX_ACTIONS} actions.", ("filter", "actions"))
    if any(not a or len(a) > MAX_ACTION_LENGTH for a in f.actions):
        raise Invalid(f"Each action is 1 to {MAX_ACTION_LENGTH} characters.", ("filter", "actions"))
    since, until = _in_utc(f.since, "since"), _in_utc(f.until, "until")
    if since and until and since > until:
        raise Invalid("`since` must not be after `until`.", ("filter", "since"))
    return AuditFilter(f.actions, f.actor_id, since, until)


def _in_utc(value: datetime | None, name: str) -> datetime | None:
    try:
        return value.astimezone(UTC) if value is not None else None
    except (OverflowError, ValueError):
        raise Invalid("This time is out of range.", ("filter", name)) from None


def action_matches(action: str, wanted: tuple[str, ...]) -> bool:
    """Whether `action` is one of `wanted`: an exact name, or a prefix that ends in a dot."""
    return not wanted or any(action.startswith(w) if w.endswith(".") else action == w for w in wanted)
