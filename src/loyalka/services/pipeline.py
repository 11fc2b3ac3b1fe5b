"""The features that take part in the core's work, as explicit lists in the order they run.

* ``ORDER_STAGES`` — posting a batch of orders (see ``services.stages``);
* ``SPENDING_BLOCKS`` — whether an account may pay with points now (an overdue invoice...);
* ``CLOSE_STEPS`` — closing a month (tier evaluation, volume bonuses...), after the core's own work;
* ``ACCOUNT_SECTIONS`` — what the account card shows besides balances (tier, stamp cards, referral code...);
* ``ORDER_CHANGES`` — a return or a corrected document changed a recorded order (stamps follow it).

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
from loyalka.services import b2b, invoice_stage, invoices, stamps, volume
from loyalka.services.order_messages import order_messages
from loyalka.services.programs import ActiveProgram
from loyalka.services.referral_rewards import referral_stage
from loyalka.services.referrals import referral_section
from loyalka.services.stages import SpendingBlock, StageFactory
from loyalka.services.tier_close import evaluate_tiers
from loyalka.services.tier_stage import tier_stage
from loyalka.services.tier_views import tier_section
from loyalka.storage.tables import AccountRow, OrderRow, ProgramRow


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
# each is told, once the order row holds its new lines and returns, which event changed it and when; returns
# what it adds to that event's answer (a key of its own)
OrderChange = Callable[[Session, AccountRow, OrderRow, str, datetime], dict[str, Any]]

ORDER_STAGES: list[StageFactory] = [
    invoice_stage.invoice_stage,  # first: an overdue invoice decides whether the order may spend or earn
    tier_stage,
    referral_stage,
    stamps.stamp_stage,
    volume.volume_stage,  # an order of a period whose volume bonus was awarded already
    order_messages,  # last: the thank-you tells what the order earned
]
SPENDING_BLOCKS: list[SpendingBlock] = [
    invoices.spending_block,
]
CLOSE_STEPS: list[CloseStep] = [
    evaluate_tiers,
    volume.close_volume_bonuses,
]
ACCOUNT_SECTIONS: list[AccountSection] = [
    tier_section,
    referral_section,
    stamps.stamp_card_section,
    b2b.invoices_section,
]
ORDER_CHANGES: list[OrderChange] = [
    stamps.order_changed,
]


def order_changed(
    session: Session, account: AccountRow, order: OrderRow, event_id: str, at: datetime
) -> dict[str, Any]:
    """Tell every feature that ``event_id`` (a return, a corrected document) changed ``order``."""
    added: dict[str, Any] = {}
    for hook in ORDER_CHANGES:
        added.update(hook(session, account, order, event_id, at))
    return added
