"""The thank-you after each recorded order (``triggers.order_message``) and the greeting of a company's first
order (``triggers.first_order.message``): an order stage that queues the program's templates to the company,
with the points the order earned. Deduplicated by the order's event id (the greeting: by the account), so a
re-sent order queues nothing; a corrected version of an order is no new order and queues nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from loyalka.ledger.book import Book
from loyalka.services.messages import MessageRequest, queue_messages
from loyalka.services.programs import ActiveProgram
from loyalka.services.stages import OrderStage, Posted


class OrderMessages(OrderStage):
    def __init__(
        self, session: Session, program: ActiveProgram, now: datetime, template: str | None, first: str | None
    ) -> None:
        super().__init__(session, program, now)
        self.template = template  # after every order
        self.first = first  # after the account's first order
        self.posted: list[Posted] = []

    def after(self, posted: Posted, books: dict[int, Book]) -> None:
        if posted.account.status == "active":  # a company that left is thanked by no program message
            self.posted.append(posted)

    def finish(self) -> None:
        thanks, greetings = [], []
        for posted in self.posted:
            values = self._values(posted)
            if self.template is not None:
                thanks.append(MessageRequest(posted.account, f"order:{posted.order.event_id}", values))
            if self.first is not None and posted.view.first_order:
                greetings.append(MessageRequest(posted.account, f"first-order:{posted.account.id}", values))
        for template, requests in ((self.template, thanks), (self.first, greetings)):
            if template is not None:
                queue_messages(
                    self.session,
                    rules=self.rules,
                    program_id=self.program.program_id,
                    template_id=template,
                    requests=requests,
                    now=self.now,
                )
        self.posted.clear()

    def _values(self, posted: Posted) -> dict[str, str]:
        lang = posted.account.language or "ru"
        earned: dict[str, int] = {}
        for accrual in posted.accruals:
            earned[accrual.kind] = earned.get(accrual.kind, 0) + accrual.amount_minor
        return {
            "order": posted.order.order_ref,
            "points": self._points(earned, lang),
            "kind": ", ".join(self.rules.point_kinds[k].name(lang) for k in earned),
        }

    def _points(self, earned: dict[str, int], lang: str) -> str:
        """One kind: its points ("1000"); several: each with its name ("120 Bonus points, 30 Premium points")."""
        if not earned:
            return self.rules.points(self.rules.kind_order[0], 0)
        if len(earned) == 1:
            kind, minor = next(iter(earned.items()))
            return self.rules.points(kind, minor)
        return ", ".join(f"{self.rules.points(k, v)} {self.rules.point_kinds[k].name(lang)}" for k, v in earned.items())


def order_messages(session: Session, program: ActiveProgram, now: datetime) -> OrderStage | None:
    """The stage when the program sends a thank-you for each order or greets a first order, else None."""
    triggers = program.rules.triggers
    template = triggers.order_message
    first = triggers.first_order.message if triggers.first_order is not None else None
    if template is None and first is None:
        return None
    return OrderMessages(session, program, now, template, first)
