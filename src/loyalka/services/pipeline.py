"""The features that take part in the core's work, as explicit lists in the order they run.

* ``ORDER_STAGES`` — posting a batch of orders (see ``services.stages``);
* ``SPENDING_BLOCKS`` — whether an account may pay with points now (an overdue invoice...);
* ``CLOSE_STEPS`` — closing a month (tier evaluation, volume bonuses...), after the core's own work;
* ``ACCOUNT_SECTIONS`` — what the account card shows besides balances (tier, stamp cards, referral code...).

A feature joins by adding its function here; this module is the one place that knows them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalka.domain.periods import Period
from loyalka.program.models import Program
from loyalka.services.programs import ActiveProgram
from loyalka.services.stages import SpendingBlock, StageFactory
from loyalka.services.tier_close import evaluate_tiers
from loyalka.services.tier_stage import tier_stage
from loyalka.services.tier_views import tier_section
from loyalka.storage.tables import AccountRow, ProgramRow


@dataclass(frozen=True, slots=True)
class CloseContext:
    session: Session
    program_row: ProgramRow
    program: ActiveProgram
    month: Period
    event_id: str  # the close's own event id; entries it writes point at it
    now: datetime


# each returns what it adds to the close's summary (a key of its own)
CloseStep = Callable[[CloseContext], dict[str, Any]]
# each returns what it adds to the account card (a key of its own)
AccountSection = Callable[[Session, AccountRow, Program, datetime], dict[str, Any]]

ORDER_STAGES: list[StageFactory] = [
    tier_stage,
]
SPENDING_BLOCKS: list[SpendingBlock] = []
CLOSE_STEPS: list[CloseStep] = [
    evaluate_tiers,
]
ACCOUNT_SECTIONS: list[AccountSection] = [
    tier_section,
]
