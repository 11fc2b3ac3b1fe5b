"""The tables of engagement: the record of every campaign run (who ran it, when, how many it reached)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from loyalka.storage.tables import Base, Id


class CampaignRunRow(Base):
    """One run of a campaign. A run credits only the members not credited by an earlier run, so ``credited``
    and ``messages`` count what this run added; ``members`` is the segment's size at ``run_at``."""

    __tablename__ = "campaign_runs"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    campaign: Mapped[str] = mapped_column(String(64))  # the campaign's id in the program file
    run_at: Mapped[datetime]  # the moment the segment was evaluated and the points dated
    recorded_at: Mapped[datetime]
    run_by: Mapped[str] = mapped_column(String(100))  # who started it (an operator's name, "api")
    program_version_id: Mapped[int] = mapped_column(Id)
    members: Mapped[int] = mapped_column(Integer)
    credited: Mapped[int] = mapped_column(Integer)  # members credited by this run (new grants)
    messages: Mapped[int] = mapped_column(Integer)  # messages this run queued
    summary: Mapped[dict[str, Any]]
    __table_args__ = (Index("ix_campaign_runs_program_campaign", "program_id", "campaign", "run_at"),)
