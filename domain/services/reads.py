"""Read models for the API: each loads what a query needs in a constant number of statements."""

from __future__ import annotations

from uuid import UUID

from domain.entities import ContactEmail
from domain.services.auth import Deps


def contacts_for_accounts(deps: Deps, account_ids: list[UUID]) -> dict[UUID, list[ContactEmail]]:
    """Every contact of each account, oldest first, in one statement for all accounts."""
    with deps.uow(write=False) as uow:
        return uow.contacts.for_accounts(account_ids)
