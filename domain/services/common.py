"""Loads that several services share, each failing the same way when the row is gone."""

from __future__ import annotations

from uuid import UUID

from domain.entities import Account, User
from domain.errors import NotFound
from domain.ports import UnitOfWork


def load_user(uow: UnitOfWork, user_id: UUID) -> User:
    """The user, or NotFound (e.g. deleted while signed in)."""
    user = uow.users.get(user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def locked_account(uow: UnitOfWork, account_id: UUID) -> Account:
    """The account with its row locked until the unit of work ends, or NotFound.

    Changes to one account that must see each other's result (contact roles, transfer requests)
    take this lock first, so concurrent requests run one after the other.
    """
    account = uow.accounts.lock(account_id)
    if account is None:
        raise NotFound("No such account.")
    return account
