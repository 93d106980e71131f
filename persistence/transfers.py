"""Transfer requests: rows <-> entities and the statements the transfer service needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update

from domain.entities import TransferRequest, TransferRequestStatus
from persistence.rows import Repository
from persistence.tables import transfers_t

_SUBMITTED = TransferRequestStatus.SUBMITTED.value


def transfer_from_row(r: Any) -> TransferRequest:
    return TransferRequest(
        id=r["id"],
        account_id=r["account_id"],
        status=TransferRequestStatus(r["status"]),
        requested_number=r["requested_number"],
        new_holder_name=r["new_holder_name"],
        submitted_at=r["submitted_at"],
        current_number=r["current_number"],
        reason=r["reason"],
        submitted_by=r["submitted_by"],
        resolved_at=r["resolved_at"],
        resolved_by=r["resolved_by"],
        resolution_note=r["resolution_note"],
    )


def transfer_to_row(t: TransferRequest) -> dict[str, Any]:
    return {
        "id": t.id,
        "account_id": t.account_id,
        "status": t.status.value,
        "current_number": t.current_number,
        "requested_number": t.requested_number,
        "new_holder_name": t.new_holder_name,
        "reason": t.reason,
        "submitted_by": t.submitted_by,
        "submitted_at": t.submitted_at,
        "resolved_by": t.resolved_by,
        "resolved_at": t.resolved_at,
        "resolution_note": t.resolution_note,
    }


class SqlTransferRequests(Repository):
    def add(self, request: TransferRequest) -> None:
        self.conn.execute(insert(transfers_t).values(**transfer_to_row(request)))

    def get(self, request_id: UUID) -> TransferRequest | None:
        row = self.conn.execute(select(transfers_t).where(transfers_t.c.id == request_id)).mappings().first()
        return transfer_from_row(row) if row else None

    def submitted_exists(self, account_id: UUID) -> bool:
        stmt = select(transfers_t.c.id).where(
            transfers_t.c.account_id == account_id, transfers_t.c.status == _SUBMITTED
        )
        return self.conn.execute(stmt.limit(1)).first() is not None

    def for_accounts(self, account_ids: list[UUID]) -> dict[UUID, list[TransferRequest]]:
        found: dict[UUID, list[TransferRequest]] = {a: [] for a in account_ids}
        if not account_ids:
            return found
        stmt = (
            select(transfers_t)
            .where(transfers_t.c.account_id.in_(account_ids))
            .order_by(transfers_t.c.submitted_at, transfers_t.c.id)
        )
        for row in self.conn.execute(stmt).mappings():
            found[row["account_id"]].append(transfer_from_row(row))
        return found

    def all(self, status: TransferRequestStatus | None) -> list[TransferRequest]:
        stmt = select(transfers_t).order_by(transfers_t.c.submitted_at, transfers_t.c.id)
        if status is not None:
            stmt = stmt.where(transfers_t.c.status == status.value)
        return [transfer_from_row(row) for row in self.conn.execute(stmt).mappings()]

    def close(self, request_id: UUID, status: TransferRequestStatus, at: datetime, by: UUID, note: str | None) -> bool:
        stmt = (
            update(transfers_t)
            .where(transfers_t.c.id == request_id, transfers_t.c.status == _SUBMITTED)
            .values(status=status.value, resolved_at=at, resolved_by=by, resolution_note=note)
        )
        return self.conn.execute(stmt).rowcount == 1
