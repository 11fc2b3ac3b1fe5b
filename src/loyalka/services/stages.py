"""The parts features play when a batch of orders is posted (tiers, payment discipline, stamps, referrals).

Posting a batch (``services.events.post_orders``) runs, for each program in the batch, one instance of every
stage listed in ``services.pipeline.ORDER_STAGES``:

0. ``prepare`` — once, with the batch's new orders of the program: load what the stage needs in bulk;
1. ``before`` — for each order, before it pays and earns: the tier it earns at (an upgrade happens here),
   whether the account may spend (an overdue invoice) or earn;
2. ``after`` — for each order, once it is recorded in the book: stamps, referral rewards, invoices;
3. ``finish`` — once for the batch, before it commits: bulk writes.

A stage works inside the batch's unit of work and must write nothing that the batch could not roll back.
Its ``after`` may credit other accounts than the order's (a referrer): the batch locks the referrers of its
accounts with them, and ``books`` gives every locked account's book.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from loyalka.domain.events import OrderIn
from loyalka.engine.earning import Accrual
from loyalka.engine.views import OrderView
from loyalka.ledger.book import Book
from loyalka.program.models import Program
from loyalka.services.programs import ActiveProgram
from loyalka.storage.tables import AccountRow


@dataclass(slots=True)
class Verdict:
    """What the stages decide about one order before it pays and earns."""

    tier: str | None
    spending_blocked: str | None = None  # why the account may not pay with points now
    earning_blocked: str | None = None  # why the order earns nothing
    notes: list[str] = field(default_factory=list)  # shown in the order's result (an upgrade...)


@dataclass(slots=True)
class Posted:
    """One order as posted: what the stages see after it is recorded."""

    order: OrderIn
    account: AccountRow
    view: OrderView
    accruals: list[Accrual]
    book: Book
    result: dict[str, object]


class OrderStage:
    """A feature's part in posting orders; every method does nothing unless the feature overrides it."""

    def __init__(self, session: Session, program: ActiveProgram, now: datetime) -> None:
        self.session = session
        self.program = program
        self.rules = program.rules
        self.now = now

    def prepare(self, orders: Sequence[tuple[AccountRow, OrderIn]]) -> None:
        """See the batch's new orders of the program (with their locked accounts) before the first is posted."""

    def before(self, account: AccountRow, order: OrderIn, view: OrderView, verdict: Verdict) -> None:
        """Adjust ``verdict`` for ``order`` (which ``view`` shows with its lines, before any payment)."""

    def after(self, posted: Posted, books: dict[int, Book]) -> None:
        """React to a recorded order; ``books`` holds the books of every locked account of the batch."""

    def finish(self) -> None:
        """Write what the batch gathered."""


StageFactory = Callable[[Session, ActiveProgram, datetime], OrderStage | None]
SpendingBlock = Callable[[Session, AccountRow, Program, datetime], str | None]


def stages_for(session: Session, program: ActiveProgram, now: datetime) -> list[OrderStage]:
    from loyalka.services.pipeline import ORDER_STAGES

    made = (factory(session, program, now) for factory in ORDER_STAGES)
    return [stage for stage in made if stage is not None]
