"""The referral reward: an order stage that pays when a referred company's first qualifying order arrives.

The first order of the referred company that reaches ``referrals.min_order`` within ``within_days`` of its
joining settles the referral, once ever (event ``referral:<referred id>``): the referrer is credited
``referrals.referrer`` (event ``referral:<referred id>:referrer``, with the program's message) and the
referred company ``referrals.referred`` (event ``referral:<referred id>:referred``). Both are grants: they
follow the kind's activation (a return window) and expiry, like any grant.

A later return or correction of that order does not touch the rewards, and never settles the referral again:
the reward is for bringing a company that placed a qualifying order, which happened; the points it paid for
are the order's own and are settled by the return as usual. A referrer that is not a member when the order
arrives receives nothing for it (the referred company still receives its bonus).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.domain.money import format_minor
from loyalka.engine.referrals import qualifies
from loyalka.ledger.book import Book
from loyalka.program.engagement import Referrals
from loyalka.program.types import PointsGrant
from loyalka.services.grants import expiry_text, grant_points
from loyalka.services.messages import queue_message
from loyalka.services.programs import ActiveProgram
from loyalka.services.stages import OrderStage, Posted
from loyalka.storage.ledger_store import Books
from loyalka.storage.tables import AccountRow, EventRow


class ReferralStage(OrderStage):
    def __init__(self, session: Session, program: ActiveProgram, now: datetime, referrals: Referrals) -> None:
        super().__init__(session, program, now)
        self.referrals = referrals
        self.settled: set[int] = set()  # referred accounts settled in this batch

    def after(self, posted: Posted, books: dict[int, Book]) -> None:
        account = posted.account
        if account.referred_by_id is None or account.status != "active" or account.id in self.settled:
            return
        tz = self.rules.program.timezone
        if not qualifies(self.referrals, account.joined_at, posted.order.occurred_at, posted.view.total_minor, tz):
            return
        if self.session.scalar(select(EventRow.event_id).where(EventRow.event_id == f"referral:{account.id}")):
            self.settled.add(account.id)
            return
        self.settled.add(account.id)
        notes = self._settle(posted, account, cast(Books, books))
        posted.result.setdefault("notes", [])
        cast(list[str], posted.result["notes"]).extend(notes)

    def _settle(self, posted: Posted, account: AccountRow, books: Books) -> list[str]:
        referrer = self.session.get(AccountRow, account.referred_by_id)
        assert referrer is not None
        at, order_ref = posted.order.occurred_at, posted.order.order_ref
        result: dict[str, object] = {
            "type": "referral",
            "order_id": order_ref,
            "account": account.code,
            "referrer": referrer.code,
            "order_total": format_minor(posted.view.total_minor),
        }
        notes = []
        if referrer.status == "active":
            reason = f"referral: {account.code} placed its first qualifying order {order_ref}"
            credit = self._grant(
                referrer, self.referrals.referrer, f"referral:{account.id}:referrer", reason, books, at
            )
            points = str(credit["points"])
            self._message(referrer, account, credit)
            result["referrer_points"] = points
            notes.append(f"referral: {referrer.code} earns {points} for bringing {account.code}")
        else:
            notes.append(f"referral: {referrer.code} is {referrer.status}, not a member, and earns nothing")
        if self.referrals.referred is not None:
            reason = f"referral: first qualifying order {order_ref}, referred by {referrer.code}"
            credit = self._grant(account, self.referrals.referred, f"referral:{account.id}:referred", reason, books, at)
            points = str(credit["points"])
            result["referred_points"] = points
            notes.append(f"referral: {account.code} earns {points} for its first order of {result['order_total']}")
        self.session.add(
            EventRow(
                event_id=f"referral:{account.id}",
                account_id=account.id,
                type="referral",
                occurred_at=at,
                recorded_at=self.now,
                request_hash=hashlib.sha256(posted.order.event_id.encode()).hexdigest(),
                result=result,
            )
        )
        return notes

    def _grant(
        self, account: AccountRow, grant: PointsGrant, event_id: str, reason: str, books: Books, at: datetime
    ) -> dict[str, Any]:
        """The grant's result (its points, when they expire)."""
        kind = self.rules.point_kinds[grant.kind]
        outcome = grant_points(
            self.session,
            account=account,
            program=self.program,
            kind=grant.kind,
            points_minor=kind.units(grant.points),
            event_id=event_id,
            event_type="referral",
            rule_id="referral",
            reason=reason,
            at=at,
            now=self.now,
            books=books,
        )
        return outcome.result

    def _message(self, referrer: AccountRow, referred: AccountRow, credit: dict[str, Any]) -> None:
        if self.referrals.message is None:
            return
        queue_message(
            self.session,
            rules=self.rules,
            program_id=self.program.program_id,
            template_id=self.referrals.message,
            account=referrer,
            dedupe_key=f"referral:{referred.id}:referrer",
            now=self.now,
            values={
                "points": credit["points"],
                "kind": self.rules.point_kinds[self.referrals.referrer.kind].name(referrer.language or "ru"),
                "date": expiry_text(self.rules, credit, referrer.language or "ru"),
            },
        )


def referral_stage(session: Session, program: ActiveProgram, now: datetime) -> OrderStage | None:
    """The stage, for programs with a referral scheme."""
    referrals = program.rules.referrals
    return None if referrals is None else ReferralStage(session, program, now, referrals)
