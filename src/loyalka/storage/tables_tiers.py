"""The tiers' own table: every change of an account's tier, with its reason (the account row holds the
current tier, since when, and when it last qualified)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyalka.storage.tables import Base, Id


class TierChangeRow(Base):
    """Append-only. One change per account and event: an order that upgraded it, a close that evaluated it,
    its joining the program."""

    __tablename__ = "tier_changes"
    __table_args__ = (UniqueConstraint("account_id", "event_id", name="uq_tier_changes_account_event"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    from_tier: Mapped[str | None] = mapped_column(String(64))
    to_tier: Mapped[str | None] = mapped_column(String(64))  # None: no level at all (a program without an entry level)
    changed_at: Mapped[datetime]  # when it took effect: the order's time, the evaluated period's end, joining
    recorded_at: Mapped[datetime]
    # joined | entry | qualified_on_order | qualified_at_close | not_qualified
    reason: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(100))  # the order's event id, the close's, or "joined"
    note: Mapped[str | None] = mapped_column(String(300))  # what qualified it, or how long it was kept
