"""Tables of the exchange feature: transfers between members, issued and activated codes.

One-time grants and referral rewards need no table of their own: each is an event of the ``events`` table,
idempotent by its event id (``grant:<grant>:<account id>``, ``referral:<referred id>:referrer``...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyalka.storage.tables import Base, Id


class TransferRow(Base):
    """Points one member gave another: the record of the transfer, its idempotency key (with a hash of the
    request) and the figure the monthly limit sums. The ledger holds its ``transfer_out`` / ``transfer_in``
    entries under the event id ``transfer:<request_key>``."""

    __tablename__ = "transfers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    request_key: Mapped[str] = mapped_column(String(100))  # the caller's idempotency key
    request_hash: Mapped[str] = mapped_column(String(64))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    from_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    to_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(64))
    points_minor: Mapped[int] = mapped_column(BigInteger)  # in the kind's minor units
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    result: Mapped[dict[str, Any]]  # the first answer, returned again to a repeat of the request
    __table_args__ = (
        UniqueConstraint("request_key", name="uq_transfers_request_key"),
        Index("ix_transfers_from_time", "from_account_id", "occurred_at"),
        Index("ix_transfers_to", "to_account_id"),
    )


class IssuedCodeRow(Base):
    """A code of a set the seller issued (a partner club's card numbers): with ``issued_only`` only these
    activate."""

    __tablename__ = "issued_codes"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    code_set: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))  # normalised: no spaces, upper case
    imported_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("program_id", "code_set", "code", name="uq_issued_codes_code"),)


class CodeActivationRow(Base):
    """A code activated by an account. The unique constraint is what makes a code activate once in the whole
    system, even when two accounts present it at the same moment."""

    __tablename__ = "code_activations"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    code_set: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))  # normalised: no spaces, upper case
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    event_id: Mapped[str] = mapped_column(String(100))  # the grant's event
    activated_at: Mapped[datetime]  # when the code was presented
    recorded_at: Mapped[datetime]
    __table_args__ = (
        UniqueConstraint("program_id", "code_set", "code", name="uq_code_activations_code"),
        Index("ix_code_activations_account", "account_id", "code_set"),
    )
