"""Property test on storage: random orders, returns, redemptions, holds and month closes of the textile
program, then the ledger's invariants checked in the database itself, and every event replayed once more."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from loyalka.domain.accounts import AccountIn
from loyalka.domain.events import OrderIn, ReturnIn
from loyalka.domain.periods import parse_month
from loyalka.errors import LoyaltyError
from loyalka.jobs.period_close import close_month
from loyalka.services.accounts import create_account
from loyalka.services.events import post_orders
from loyalka.services.programs import load_program
from loyalka.services.redemption import hold_points, resolve_hold
from loyalka.services.returns import post_return
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EntryRow, EventRow, HoldRow, LotRow, OrderRow
from tests.conftest import EXAMPLES, empty, moscow

START = moscow(2026, 10, 1, 10)
END = moscow(2026, 12, 31, 20)
ACCOUNTS = ("A", "B", "C")
MONTHS = ("2026-10", "2026-11", "2026-12")
TABLES = (EntryRow, LotRow, OrderRow, EventRow, HoldRow)
# refusals the random traffic may provoke; anything else is a failure
EXPECTED = {
    "insufficient_points",
    "redemption_cap_exceeded",
    "redemption_limit_exceeded",
    "nothing_to_redeem",
    "return_exceeds_order",
}

hours = st.integers(min_value=0, max_value=91 * 24)  # when, in hours after START: spread over the three months
orders = st.tuples(
    st.just("order"),
    st.sampled_from(ACCOUNTS),
    st.integers(min_value=1, max_value=4_000_000),  # kopecks: up to 40,000 RUB
    st.one_of(st.just(0), st.just(0), st.integers(min_value=1, max_value=300_000)),  # paid with points
    hours,
)
returns = st.tuples(st.just("return"), st.integers(min_value=0, max_value=1_000), st.integers(1, 110), hours)
holds = st.tuples(
    st.just("hold"),
    st.sampled_from(ACCOUNTS),
    st.integers(min_value=100_000, max_value=2_000_000),
    st.sampled_from(("capture", "release", "leave")),
    hours,
)
closes = st.tuples(st.just("close"), hours)
steps = st.lists(st.one_of(orders, orders, orders, returns, holds, closes), min_size=8, max_size=40).map(
    lambda script: sorted(script, key=lambda step: step[-1])  # time moves forward
)


@dataclass
class Run:
    now: datetime = START
    orders: list[OrderIn] = field(default_factory=list)
    returns: list[ReturnIn] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # order ref -> what is left to return
    closed: int = 0
    refused: list[str] = field(default_factory=list)
    seq: int = 0

    def tick(self, hours_after_start: int) -> datetime:
        self.now = max(self.now, min(START + timedelta(hours=hours_after_start), END))
        self.seq += 1
        return self.now


def counts(db: Database) -> tuple[int, ...]:
    with db.unit_of_work() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in TABLES)


def attempt(db: Database, run: Run, action: Any) -> bool:
    """Run one command in its own unit of work; a refusal must be an expected one and write nothing."""
    before = counts(db)
    try:
        with db.unit_of_work() as s:
            action(s)
    except LoyaltyError as exc:
        assert exc.code in EXPECTED, f"unexpected refusal {exc.code}: {exc.message}"
        assert counts(db) == before, f"a refused command ({exc.code}) wrote something"
        run.refused.append(exc.code)
        return False
    return True


def play(db: Database, run: Run, step: tuple[Any, ...]) -> None:
    kind = step[0]
    if kind == "order":
        _, account, total, redeem, when = step
        at = run.tick(when)
        ref = f"O-{run.seq}"
        order = OrderIn(f"e-{run.seq}", account, ref, at, total, redeem_minor=redeem)
        if attempt(db, run, lambda s: post_orders(s, [order], now=at)):
            run.orders.append(order)
            run.totals[ref] = total
    elif kind == "return":
        _, pick, percent, when = step
        if not run.orders:
            return
        at = run.tick(when)
        ref = run.orders[pick % len(run.orders)].order_ref
        left = run.totals[ref]
        amount = left * percent // 100 if percent <= 100 else left + percent  # above 100%: too much on purpose
        if amount <= 0:
            return
        ret = ReturnIn(f"r-{run.seq}", ref, at, amount)
        if attempt(db, run, lambda s: post_return(s, ret, now=at)):
            run.returns.append(ret)
            run.totals[ref] -= amount
        else:
            assert amount > left
    elif kind == "hold":
        _, account, total, then, when = step
        at = run.tick(when)
        key = f"h-{run.seq}"

        def place(s: Any) -> None:
            hold_points(
                s,
                key=key,
                request_hash=key,
                account_code=account,
                order_ref=f"N-{run.seq}",
                order_total_minor=total,
                money_minor=None,
                contact_code=None,
                at=at,
            )

        if attempt(db, run, place) and then != "leave":
            attempt(db, run, lambda s: resolve_hold(s, key, capture=then == "capture", at=at))
    else:
        at = run.tick(step[1])  # close every month that has ended, in order
        while run.closed < len(MONTHS) and parse_month(MONTHS[run.closed], "Europe/Moscow").end <= at:
            with db.unit_of_work() as s:
                summary = close_month(s, MONTHS[run.closed], now=at)
            assert summary["already_closed"] is False
            run.closed += 1


def check_invariants(db: Database) -> dict[str, Any]:
    with db.unit_of_work() as s:
        accounts = dict(s.execute(select(AccountRow.id, AccountRow.debts)).all())
        lots = s.scalars(select(LotRow)).all()
        entries = s.scalars(select(EntryRow)).all()
        hold_rows = s.scalars(select(HoldRow)).all()
        order_rows = s.scalars(select(OrderRow)).all()
    lot_by_id = {lot.id: lot for lot in lots}
    by_account_entries: dict[int, int] = defaultdict(int)
    by_account_lots: dict[int, int] = defaultdict(int)
    earn_entries: dict[int, list[int]] = defaultdict(list)
    for lot in lots:
        assert 0 <= lot.remaining_minor <= lot.earned_minor, (lot.id, lot.remaining_minor, lot.earned_minor)
        assert lot.earned_minor > 0
        if lot.closed:
            assert lot.remaining_minor == 0
        by_account_lots[lot.account_id] += lot.remaining_minor
    for entry in entries:
        assert entry.event_id, entry.id
        assert entry.lot_id is not None and entry.lot_id in lot_by_id, entry.id
        assert lot_by_id[entry.lot_id].account_id == entry.account_id
        assert lot_by_id[entry.lot_id].kind == entry.kind
        by_account_entries[entry.account_id] += entry.amount_minor
        if entry.type == "earn":
            earn_entries[entry.lot_id].append(entry.amount_minor)
            assert entry.event_id == lot_by_id[entry.lot_id].event_id
    for account_id, debts in accounts.items():
        assert by_account_entries[account_id] == by_account_lots[account_id], account_id
        assert by_account_lots[account_id] >= 0
        assert all(int(v) > 0 for v in (debts or {}).values()), debts
    for lot in lots:  # every lot has exactly one earn entry, of its whole amount
        assert earn_entries[lot.id] == [lot.earned_minor], lot.id

    hold_sum: dict[int, int] = defaultdict(int)
    release_sum: dict[int, int] = defaultdict(int)
    for entry in entries:
        if entry.type == "hold":
            assert entry.hold_id is not None
            hold_sum[entry.hold_id] += entry.amount_minor
        elif entry.type == "release":
            assert entry.hold_id is not None
            release_sum[entry.hold_id] += entry.amount_minor
    captured_money: dict[int, int] = defaultdict(int)
    for hold in hold_rows:
        points = sum(int(v) for v in hold.points.values())
        assert points > 0 and hold.money_minor == points  # 1 bonus ruble pays 1 ruble
        assert -hold_sum[hold.id] == points, hold.request_key  # what the hold took...
        given_back = release_sum[hold.id]
        assert given_back == (points if hold.status in ("released", "expired") else 0), hold.request_key
        assert sum(part for _, part in hold.allocations) == points
        if hold.status == "captured" and hold.request_key.startswith("order:"):
            captured_money[hold.account_id] += hold.money_minor
    paid: dict[int, int] = defaultdict(int)
    for order in order_rows:
        paid[order.account_id] += order.points_paid_minor
        assert 0 <= order.returned_minor <= order.total_minor
    for account_id in accounts:  # one-phase redemptions: an order's points paid is its captured hold's money
        assert paid[account_id] == captured_money[account_id], account_id
    # the captured holds' money equals what their hold entries took, less nothing given back
    captured = [h for h in hold_rows if h.status == "captured"]
    assert sum(h.money_minor for h in captured) == -sum(hold_sum[h.id] for h in captured) - sum(
        release_sum[h.id] for h in captured
    )
    return {
        "entries": len(entries),
        "balance": dict(by_account_lots),
        "lots": sorted((lot.id, lot.remaining_minor, lot.closed) for lot in lots),
        "debts": accounts,
    }


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(script=steps)
def test_random_traffic_keeps_the_ledger_consistent_and_replays_change_nothing(db: Database, script: list) -> None:
    empty(db)
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "textile.yaml").read_text(encoding="utf-8"), now=START)
        for code in ACCOUNTS:
            create_account(s, AccountIn(code=code, name=f"Салон {code}", region="Москва"), now=START)
    run = Run()
    for step in script:
        play(db, run, step)
    state = check_invariants(db)
    rows = counts(db)

    if run.orders:
        with db.unit_of_work() as s:
            outcomes = post_orders(s, run.orders, now=run.now)
        assert all(o.replayed for o in outcomes)
    for ret in run.returns:
        with db.unit_of_work() as s:
            assert post_return(s, ret, now=run.now).replayed is True
    assert counts(db) == rows
    assert check_invariants(db) == state
