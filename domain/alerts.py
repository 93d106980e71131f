"""Security mails: the alert for a sign-in from a new device, and the "This wasn't me" link that
every security mail carries.

A device is the known-device token (domain.devices) when the request carries one, else the
browser family with the client's network (/24 for IPv4, /64 for IPv6). Only keyed digests of
them are stored, per user, with when each was last seen. The first sign-in of a user sends no
alert; later, a device not seen for 90 days does.

The link holds a random single-use token valid 7 days, stored as a keyed digest, and nothing
else; it sits in the URL's fragment, which browsers never send to a server or in a Referer.
"""

from __future__ import annotations

import functools
import ipaddress
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ua_parser import parse

from domain import devices, mails
from domain.deps import Deps
from domain.entities import Mail, User
from domain.ports import UnitOfWork
from domain.security import new_token

SEEN_FOR = timedelta(days=90)
REPORT_TTL = timedelta(days=7)
REPORT_PURPOSE = "report-activity"
_DEVICE_PURPOSE = "known-device"


def report_link(deps: Deps, uow: UnitOfWork, user_id: UUID) -> str:
    """A new "This wasn't me" link for the user, stored (as a digest) in the caller's transaction."""
    token = new_token()
    now = deps.clock()
    uow.recovery.add_report_token(deps.keyring.digest(REPORT_PURPOSE, token), user_id, now, now + REPORT_TTL)
    return f"{deps.public_url}/report-activity#token={token}"


def note_sign_in(
    deps: Deps,
    uow: UnitOfWork,
    user: User,
    carried: devices.Device | None,
    issued: devices.Device | None,
    ip: str | None,
    user_agent: str | None,
) -> None:
    """Remember the device a session was opened from; mail the user when it is new to them.

    `carried` is the user's known-device token the sign-in came with; without one the browser
    and network decide, and the token `issued` with this session is remembered for next time.
    """
    now = deps.clock()
    network = _digest(deps, user.id, f"net:{browser_family(user_agent)}|{network_of(ip)}")
    current = _digest(deps, user.id, f"token:{carried.nonce}") if carried is not None else network
    remembered = {current, network}
    if issued is not None:
        remembered.add(_digest(deps, user.id, f"token:{issued.nonce}"))
    seen = uow.devices.last_seen(user.id)
    last = seen.get(current)
    new = bool(seen) and (last is None or now - last >= SEEN_FOR)
    uow.devices.see(user.id, sorted(remembered), now)
    if new:
        uow.outbox.add(new_sign_in_mail(deps, uow, user, ip, user_agent, now))


def new_sign_in_mail(
    deps: Deps, uow: UnitOfWork, user: User, ip: str | None, user_agent: str | None, at: datetime
) -> Mail:
    return mails.render(
        "new_sign_in",
        user.email,
        first_name=user.profile.first_name,
        at_utc=f"{at:%Y-%m-%d %H:%M} UTC",
        at_local=local_time(at, user.profile.timezone),
        ip=ip or "unknown",
        device=describe_agent(user_agent),
        report_link=report_link(deps, uow, user.id),
    )


def local_time(at: datetime, timezone: str | None) -> str:
    """`at` in the user's profile time zone, or a note that the profile has none."""
    if not timezone:
        return "(set a time zone in your profile to see your local time here)"
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return "(your profile's time zone is not known here)"
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M} {timezone}"


@functools.lru_cache(maxsize=1024)
def describe_agent(user_agent: str | None) -> str:
    """Browser and operating system in words, e.g. "Firefox 120 on Ubuntu"."""
    found = parse(user_agent) if user_agent else None
    browser = found.user_agent if found else None
    system = found.os if found else None
    name = " ".join(p for p in (browser.family, browser.major) if p) if browser else "An unknown browser or app"
    where = " ".join(p for p in (system.family, system.major) if p) if system else "an unknown system"
    return f"{name} on {where}"


def browser_family(user_agent: str | None) -> str:
    found = parse(user_agent) if user_agent else None
    if found is not None and found.user_agent is not None:
        return str(found.user_agent.family)
    return (user_agent or "")[:40]


def network_of(ip: str | None) -> str:
    """The client's network: its IPv4 /24 or IPv6 /64."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network((address, prefix), strict=False))


def _digest(deps: Deps, user_id: UUID, key: str) -> str:
    return deps.keyring.digest(_DEVICE_PURPOSE, f"{user_id}\n{key}")
