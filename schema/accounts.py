"""Customer accounts: the Account type, with its customer info, contacts and transfer requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.entities import Account, AccountKind
from domain.entities import ApiScope as S
from resolvers import audit
from resolvers.access import FIELD_SESSIONS_ONLY, scope, signed_in
from resolvers.api_tokens import account_api_tokens
from resolvers.context import Context
from schema.api_tokens import ApiTokenType
from schema.audit import AuditEventConnection, AuditLogFilter
from schema.common import NodeType
from schema.contacts import ContactEmailType
from schema.customer import CustomerInfoType
from schema.enums import AccountKindEnum  # noqa: F401  (registers the enum)
from schema.ids import to_global_id
from schema.permissions import field

if TYPE_CHECKING:  # schema.transfers imports this module; strawberry.lazy resolves the type later
    from schema.transfers import TransferRequestType


@strawberry.type(name="Account", description="A customer account: a business or an individual.")
class AccountType(NodeType):
    id: strawberry.ID = strawberry.field(description="The account's global ID.")
    kind: AccountKind = strawberry.field(description="Business or individual: which of the two numbers it has.")
    organization_number: str | None = field(
        access=scope(S.ACCOUNT_READ, S.ACCOUNT_WRITE, S.TRANSFERS_WRITE, S.TRANSFERS_RESOLVE),
        description="Business accounts; changed only through a transfer request.",
    )
    personal_number: str | None = field(
        access=scope(S.ACCOUNT_READ, S.ACCOUNT_WRITE, S.TRANSFERS_WRITE, S.TRANSFERS_RESOLVE),
        description="Individual accounts; changed only through a transfer request.",
    )
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country whose rules check the number.")
    customer_info: CustomerInfoType = field(
        access=scope(S.ACCOUNT_READ, S.ACCOUNT_WRITE),
        description="Who the customer is, as printed on their invoices; ACCOUNT_ADMIN edits it.",
    )
    raw_id: strawberry.Private[UUID]

    @field(access=scope(S.ACCOUNT_READ, S.ACCOUNT_WRITE), description="The account's contact emails, oldest first.")  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
    async def contacts(self, info: Info[Context, None]) -> list[ContactEmailType]:
        if not await _may_see(info, self.raw_id):
            return []
        return ContactEmailType.from_entities(await info.context.loaders.contacts.load(self.raw_id))

    @field(  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
        access=scope(S.ACCOUNT_READ, S.TRANSFERS_WRITE, S.TRANSFERS_RESOLVE),
        description="The account's requests to change its number, oldest first.",
    )
    async def transfer_requests(
        self, info: Info[Context, None]
    ) -> list[Annotated[TransferRequestType, strawberry.lazy("schema.transfers")]]:
        from schema.transfers import TransferRequestType

        if not await _may_see(info, self.raw_id):
            return []
        requests = await info.context.loaders.transfer_requests.load(self.raw_id)
        return [TransferRequestType.from_entity(t) for t in requests]

    @field(  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
        access=scope(S.AUDIT_READ),
        description="ACCOUNT_ADMIN only: every change made in the account, newest first. "
        "Who: ACCOUNT_ADMIN of this account, or CLOUD_ADMIN (else FORBIDDEN).",
    )
    async def audit_log(
        self,
        info: Info[Context, None],
        first: int | None = 20,
        after: str | None = None,
        filter: AuditLogFilter | None = None,
    ) -> AuditEventConnection:
        return await audit.account_audit_log(info, self.raw_id, first, after, filter)

    @field(  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
        access=FIELD_SESSIONS_ONLY,
        description="The API tokens of every user of the account, newest first; revoked and expired ones stay "
        "listed for 30 days. Who: ACCOUNT_ADMIN of this account (else FORBIDDEN).",
    )
    async def api_tokens(self, info: Info[Context, None]) -> list[ApiTokenType]:
        return await account_api_tokens(info, self.raw_id)

    @staticmethod
    def from_entity(a: Account) -> AccountType:
        return AccountType(
            id=strawberry.ID(to_global_id("Account", a.id)),
            kind=a.kind,
            organization_number=a.organization_number,
            personal_number=a.personal_number,
            country=a.country,
            customer_info=CustomerInfoType.from_entity(a.customer_info),
            raw_id=a.id,
        )


async def _may_see(info: Info[Context, None], account_id: UUID) -> bool:
    """An account's contacts and requests are for its own users and cloud admins only, however
    the account was reached."""
    found = await signed_in(info)
    return found.actor(info.context.client_ip).may_see_account(account_id)
