"""The ledger's invariants under any sequence of operations, and the order in which lots are spent.

A state machine drives one Book with random credits, debits, holds and their release, claw-backs,
expiry and forfeits while a clock moves forward; after every step the invariants of book.py hold.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from loyalka.errors import InsufficientPoints
from loyalka.ledger.book import Book, EntryType, Lot

KINDS = ["bonus", "premium"]
START = datetime(2026, 1, 1, tzinfo=UTC)


def make_lot(
    amount: int,
    *,
    available_from: datetime,
    expires_at: datetime | None,
    kind: str = "bonus",
    lot_id: int | None = None,
) -> Lot:
    return Lot(
        account_id=1,
        kind=kind,
        earned_minor=amount,
        remaining_minor=amount,
        available_from=available_from,
        expires_at=expires_at,
        event_id=f"earn-{lot_id}",
        id=lot_id,
    )


def snapshot(book: Book) -> tuple[int, list[int], list[bool], set[int]]:
    return (
        len(book.entries),
        [lot.remaining_minor for lot in book.lots],
        [lot.closed for lot in book.lots],
        set(book.changed),
    )


def spending_order(lot: Lot) -> tuple[bool, datetime, datetime, int]:
    """Written apart from Lot.sort_key on purpose: expiring first, never-expiring last, then oldest."""
    return (lot.expires_at is None, lot.expires_at or START, lot.available_from, lot.id or 0)


def is_due(lot: Lot, at: datetime) -> bool:
    return lot.expires_at is not None and lot.expires_at <= at


def is_spendable(lot: Lot, at: datetime) -> bool:
    return not lot.closed and lot.available_from <= at and not is_due(lot, at)


kind_lists = st.sampled_from([["bonus"], ["premium"], ["bonus", "premium"], ["premium", "bonus"]])


class BookMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.book = Book(account_id=1, lots=[])
        self.now = START
        self.next_id = 1
        self.holds: list[tuple[int, list[tuple[Lot, int]]]] = []

    def _event(self, prefix: str) -> str:
        self.next_id += 1
        return f"{prefix}-{self.next_id}"

    def _spendable(self, kinds: list[str]) -> int:
        return sum(self.book.spendable(kind, self.now) for kind in kinds)

    def _check_allocations(self, kinds: list[str], amount: int, before: dict[int, int], taken: list[tuple[Lot, int]]):
        """The allocation takes, kind by kind, a prefix of the spendable lots sorted expiring first."""
        assert sum(part for _, part in taken) == amount
        assert all(part > 0 for _, part in taken)
        expected_order: list[Lot] = []
        for kind in kinds:
            candidates = [lot for lot in self.book.lots if lot.kind == kind and is_spendable(lot, self.now)]
            expected_order += [lot for lot in sorted(candidates, key=spending_order) if before[id(lot)] > 0]
        assert [lot for lot, _ in taken] == expected_order[: len(taken)]
        for lot, part in taken[:-1]:
            assert part == before[id(lot)], "only the last lot taken may be left partly unspent"
        for lot, part in taken:
            assert lot.remaining_minor == before[id(lot)] - part

    # --- operations ---------------------------------------------------------------------------------------
    @rule(
        kind=st.sampled_from(KINDS),
        amount=st.integers(min_value=1, max_value=10**6),
        available_offset_h=st.integers(min_value=-72, max_value=72),
        life_h=st.none() | st.integers(min_value=1, max_value=24 * 60),
    )
    def credit(self, kind: str, amount: int, available_offset_h: int, life_h: int | None) -> None:
        available_from = self.now + timedelta(hours=available_offset_h)
        expires_at = None if life_h is None else available_from + timedelta(hours=life_h)
        lot = make_lot(amount, available_from=available_from, expires_at=expires_at, kind=kind, lot_id=self.next_id)
        self.next_id += 1
        balance = self.book.balance(kind)
        entry = self.book.credit(lot, occurred_at=self.now)
        assert entry.type is EntryType.EARN
        assert entry.amount_minor == amount
        assert entry.lot is lot
        assert lot in self.book.new_lots
        assert self.book.balance(kind) == balance + amount

    @rule(minutes=st.integers(min_value=0, max_value=60 * 24 * 20))
    def advance_clock(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @precondition(lambda self: any(is_spendable(lot, self.now) and lot.expires_at for lot in self.book.lots))
    @rule()
    def advance_clock_to_the_next_expiry(self) -> None:
        self.now = min(lot.expires_at for lot in self.book.lots if is_spendable(lot, self.now) and lot.expires_at)

    @rule(kinds=kind_lists, data=st.data())
    def debit_spendable(self, kinds: list[str], data: st.DataObject) -> None:
        spendable = self._spendable(kinds)
        if spendable == 0:
            return
        amount = data.draw(st.integers(min_value=1, max_value=spendable), label="amount")
        before = {id(lot): lot.remaining_minor for lot in self.book.lots}
        entries = len(self.book.entries)
        taken = self.book.debit(kinds, amount, at=self.now, event_id=self._event("order"), type=EntryType.ADJUST)
        self._check_allocations(kinds, amount, before, taken)
        assert self._spendable(kinds) == spendable - amount
        new = self.book.entries[entries:]
        assert [(e.lot, -e.amount_minor) for e in new] == taken
        assert all(e.type is EntryType.ADJUST for e in new)

    @rule(kinds=kind_lists, excess=st.integers(min_value=1, max_value=10**6))
    def debit_more_than_spendable_changes_nothing(self, kinds: list[str], excess: int) -> None:
        amount = self._spendable(kinds) + excess
        before = snapshot(self.book)
        with pytest.raises(InsufficientPoints) as info:
            self.book.debit(kinds, amount, at=self.now, event_id=self._event("order"), type=EntryType.HOLD)
        assert info.value.code == "insufficient_points"
        assert info.value.field == "amount"
        assert snapshot(self.book) == before

    @rule(kinds=kind_lists, data=st.data())
    def hold(self, kinds: list[str], data: st.DataObject) -> None:
        spendable = self._spendable(kinds)
        if spendable == 0:
            return
        amount = data.draw(st.integers(min_value=1, max_value=spendable), label="amount")
        before = {id(lot): lot.remaining_minor for lot in self.book.lots}
        hold_id = self.next_id
        taken = self.book.debit(
            kinds, amount, at=self.now, event_id=self._event("hold"), type=EntryType.HOLD, hold_id=hold_id
        )
        self._check_allocations(kinds, amount, before, taken)
        self.holds.append((hold_id, taken))

    @precondition(lambda self: self.holds)
    @rule(data=st.data())
    def release_hold(self, data: st.DataObject) -> None:
        hold_id, taken = self.holds.pop(data.draw(st.integers(min_value=0, max_value=len(self.holds) - 1)))
        before = {id(lot): (lot.remaining_minor, lot.closed) for lot, _ in taken}
        entries = len(self.book.entries)
        self.book.restore(taken, at=self.now, event_id=self._event("release"), hold_id=hold_id)
        expected_types: list[EntryType] = []
        for lot, part in taken:
            remaining, closed = before[id(lot)]
            if closed:  # the points came back after their lot had been closed: they go again at once
                assert lot.remaining_minor == remaining == 0
                expected_types += [EntryType.RELEASE, EntryType.EXPIRE]
            else:
                assert lot.remaining_minor == remaining + part
                expected_types.append(EntryType.RELEASE)
        assert [e.type for e in self.book.entries[entries:]] == expected_types

    @rule(
        kinds=st.sampled_from([[], ["bonus"], ["premium"], KINDS]),
        amount=st.integers(min_value=1, max_value=2 * 10**6),
        data=st.data(),
    )
    def claw_back(self, kinds: list[str], amount: int, data: st.DataObject) -> None:
        lots = self.book.lots
        origin = data.draw(st.lists(st.sampled_from(lots), unique_by=id, max_size=2), label="origin") if lots else []
        origin_ids = {id(lot) for lot in origin}
        available = sum(lot.remaining_minor for lot in origin if not lot.closed) + sum(
            lot.remaining_minor
            for lot in lots
            if lot.kind in kinds and not lot.closed and id(lot) not in origin_ids and not is_due(lot, self.now)
        )
        balance = self.book.balance()
        entries = len(self.book.entries)
        shortfall = self.book.claw_back(
            origin, kinds, amount, at=self.now, event_id=self._event("return"), corrects="order-1", reason="return"
        )
        assert shortfall == max(0, amount - available)
        assert self.book.balance() == balance - (amount - shortfall)
        new = self.book.entries[entries:]
        assert all(e.type is EntryType.REVERSE and e.corrects == "order-1" and e.amount_minor < 0 for e in new)

    @rule()
    def expire_due(self) -> None:
        due = [lot for lot in self.book.lots if not lot.closed and is_due(lot, self.now)]
        expected = sum(lot.remaining_minor for lot in due)
        assert self.book.expire_due(self.now, event_id=self._event("expiry")) == expected
        assert all(lot.closed and lot.remaining_minor == 0 for lot in due)
        assert not [lot for lot in self.book.lots if not lot.closed and is_due(lot, self.now)]

    @rule(data=st.data())
    def forfeit(self, data: st.DataObject) -> None:
        lots = self.book.lots
        chosen = data.draw(st.lists(st.sampled_from(lots), unique_by=id, max_size=3), label="lots") if lots else []
        expected = sum(lot.remaining_minor for lot in chosen if not lot.closed)
        entries = len(self.book.entries)
        total = self.book.close_lots(
            chosen, at=self.now, event_id=self._event("exit"), type=EntryType.FORFEIT, reason="left the program"
        )
        assert total == expected
        assert all(lot.closed and lot.remaining_minor == 0 for lot in chosen)
        assert all(e.type is EntryType.FORFEIT for e in self.book.entries[entries:])

    # --- invariants ---------------------------------------------------------------------------------------
    @invariant()
    def entries_sum_to_the_lots_remaining(self) -> None:
        assert sum(e.amount_minor for e in self.book.entries) == sum(lot.remaining_minor for lot in self.book.lots)

    @invariant()
    def each_lots_entries_sum_to_its_remaining(self) -> None:
        per_lot: dict[int, int] = {}
        for entry in self.book.entries:
            per_lot[id(entry.lot)] = per_lot.get(id(entry.lot), 0) + entry.amount_minor
        for lot in self.book.lots:
            assert per_lot.get(id(lot), 0) == lot.remaining_minor

    @invariant()
    def no_lot_is_below_zero_or_above_what_it_earned(self) -> None:
        for lot in self.book.lots:
            assert 0 <= lot.remaining_minor <= lot.earned_minor

    @invariant()
    def a_closed_lot_holds_nothing(self) -> None:
        assert all(lot.remaining_minor == 0 for lot in self.book.lots if lot.closed)

    @invariant()
    def no_entry_is_of_zero_amount(self) -> None:
        assert all(e.amount_minor != 0 for e in self.book.entries)

    @invariant()
    def spendable_and_pending_follow_activation_and_expiry(self) -> None:
        for kind in KINDS:
            own = [lot for lot in self.book.lots if lot.kind == kind and not lot.closed]
            spendable = sum(lot.remaining_minor for lot in own if is_spendable(lot, self.now))
            pending = sum(lot.remaining_minor for lot in own if lot.available_from > self.now)
            assert self.book.spendable(kind, self.now) == spendable
            assert self.book.pending(kind, self.now) == pending

    @invariant()
    def balances_are_never_negative_and_spendable_never_exceeds_them(self) -> None:
        assert self.book.balance() >= 0
        assert self.book.balance() == sum(self.book.balance(kind) for kind in KINDS)
        for kind in KINDS:
            spendable = self.book.spendable(kind, self.now)
            pending = self.book.pending(kind, self.now)
            assert 0 <= spendable <= self.book.balance(kind)
            assert spendable + pending <= self.book.balance(kind)


TestABookKeepsItsInvariantsUnderAnySequenceOfOperations = BookMachine.TestCase
TestABookKeepsItsInvariantsUnderAnySequenceOfOperations.settings = settings(
    max_examples=75, stateful_step_count=40, deadline=None, database=None
)


# --- plain examples ----------------------------------------------------------------------------------------

MSK = ZoneInfo("Europe/Moscow")


def test_debit_takes_the_lot_expiring_first_and_never_expiring_lots_last() -> None:
    forever = make_lot(1000, available_from=START, expires_at=None, lot_id=1)
    december = make_lot(1000, available_from=START, expires_at=datetime(2026, 12, 1, tzinfo=UTC), lot_id=2)
    november = make_lot(1000, available_from=START, expires_at=datetime(2026, 11, 1, tzinfo=UTC), lot_id=3)
    book = Book(account_id=1, lots=[forever, december, november])
    at = datetime(2026, 10, 15, tzinfo=UTC)

    taken = book.debit(["bonus"], 1500, at=at, event_id="order-1", type=EntryType.HOLD)
    assert taken == [(november, 1000), (december, 500)]
    assert forever.remaining_minor == 1000

    taken = book.debit(["bonus"], 1000, at=at, event_id="order-2", type=EntryType.HOLD)
    assert taken == [(december, 500), (forever, 500)]


def test_lots_expiring_together_are_spent_oldest_first() -> None:
    expires = datetime(2026, 12, 1, tzinfo=UTC)
    newer = make_lot(100, available_from=datetime(2026, 10, 1, tzinfo=UTC), expires_at=expires, lot_id=1)
    older = make_lot(100, available_from=datetime(2026, 9, 1, tzinfo=UTC), expires_at=expires, lot_id=2)
    book = Book(account_id=1, lots=[newer, older])
    taken = book.debit(["bonus"], 150, at=datetime(2026, 11, 1, tzinfo=UTC), event_id="o", type=EntryType.HOLD)
    assert taken == [(older, 100), (newer, 50)]


def test_debit_takes_the_kinds_in_the_order_given() -> None:
    bonus = make_lot(100, available_from=START, expires_at=datetime(2026, 12, 1, tzinfo=UTC), lot_id=1)
    premium = make_lot(100, available_from=START, expires_at=datetime(2026, 2, 1, tzinfo=UTC), kind="premium", lot_id=2)
    book = Book(account_id=1, lots=[bonus, premium])
    taken = book.debit(["bonus", "premium"], 150, at=START, event_id="o", type=EntryType.HOLD)
    assert taken == [(bonus, 100), (premium, 50)]


def test_pending_expired_and_closed_lots_are_not_spendable() -> None:
    at = datetime(2026, 11, 15, tzinfo=UTC)
    pending = make_lot(100, available_from=datetime(2026, 12, 1, tzinfo=UTC), expires_at=None, lot_id=1)
    expired = make_lot(200, available_from=START, expires_at=at, lot_id=2)  # expiry is exclusive
    closed = make_lot(400, available_from=START, expires_at=None, lot_id=3)
    live = make_lot(800, available_from=at, expires_at=None, lot_id=4)  # activation is inclusive
    book = Book(account_id=1, lots=[pending, expired, closed, live])
    book.close_lots([closed], at=at, event_id="exit", type=EntryType.FORFEIT, reason="left")
    assert book.spendable("bonus", at) == 800
    assert book.pending("bonus", at) == 100
    assert book.balance("bonus") == 100 + 200 + 800


def test_debit_of_more_than_spendable_raises_before_writing_anything() -> None:
    at = datetime(2026, 11, 15, tzinfo=UTC)
    live = make_lot(500, available_from=START, expires_at=datetime(2026, 12, 1, tzinfo=UTC), lot_id=1)
    forever = make_lot(300, available_from=START, expires_at=None, lot_id=2)
    pending = make_lot(10_000, available_from=datetime(2026, 12, 1, tzinfo=UTC), expires_at=None, lot_id=3)
    book = Book(account_id=1, lots=[live, forever, pending])
    before = snapshot(book)

    with pytest.raises(InsufficientPoints, match="needs 801 .* only 800 are spendable") as info:
        book.debit(["bonus"], 801, at=at, event_id="order-1", type=EntryType.HOLD)

    assert info.value.field == "amount"
    assert snapshot(book) == before
    assert book.entries == []
    assert book.changed == {}


@pytest.mark.parametrize("amount", [0, -1])
def test_a_debit_must_be_positive(amount: int) -> None:
    book = Book(account_id=1, lots=[make_lot(100, available_from=START, expires_at=None, lot_id=1)])
    with pytest.raises(ValueError, match="positive"):
        book.debit(["bonus"], amount, at=START, event_id="o", type=EntryType.HOLD)
    assert book.entries == []


def test_credit_refuses_a_lot_that_does_not_carry_its_whole_positive_amount() -> None:
    book = Book(account_id=1, lots=[])
    empty = make_lot(0, available_from=START, expires_at=None)
    half_spent = make_lot(100, available_from=START, expires_at=None)
    half_spent.remaining_minor = 50
    for lot in (empty, half_spent):
        with pytest.raises(ValueError, match="whole positive amount"):
            book.credit(lot, occurred_at=START)
    assert book.lots == [] and book.entries == []


def test_a_released_hold_goes_back_to_the_very_lots_it_came_from() -> None:
    first = make_lot(100, available_from=START, expires_at=datetime(2026, 2, 1, tzinfo=UTC), lot_id=1)
    second = make_lot(100, available_from=START, expires_at=None, lot_id=2)
    book = Book(account_id=1, lots=[first, second])
    taken = book.debit(["bonus"], 150, at=START, event_id="hold-1", type=EntryType.HOLD, hold_id=7)
    book.restore(taken, at=START, event_id="release-1", hold_id=7)
    assert (first.remaining_minor, second.remaining_minor) == (100, 100)
    assert [(e.type, e.amount_minor, e.hold_id) for e in book.entries] == [
        (EntryType.HOLD, -100, 7),
        (EntryType.HOLD, -50, 7),
        (EntryType.RELEASE, 100, 7),
        (EntryType.RELEASE, 50, 7),
    ]


def test_points_released_after_their_lot_expired_expire_again() -> None:
    expires = datetime(2026, 2, 1, tzinfo=UTC)
    lot = make_lot(100, available_from=START, expires_at=expires, lot_id=1)
    book = Book(account_id=1, lots=[lot])
    taken = book.debit(["bonus"], 60, at=START, event_id="hold-1", type=EntryType.HOLD, hold_id=1)
    assert book.expire_due(expires, event_id="close") == 40
    book.restore(taken, at=expires, event_id="release-1", hold_id=1)
    assert lot.closed and lot.remaining_minor == 0
    assert [(e.type, e.amount_minor) for e in book.entries[-2:]] == [(EntryType.RELEASE, 60), (EntryType.EXPIRE, -60)]


def test_claw_back_takes_from_the_origin_lot_first_and_returns_what_was_already_spent() -> None:
    origin = make_lot(100, available_from=START, expires_at=None, lot_id=2)
    other = make_lot(100, available_from=START, expires_at=datetime(2026, 3, 1, tzinfo=UTC), lot_id=1)
    book = Book(account_id=1, lots=[other, origin])
    book.debit(["bonus"], 150, at=START, event_id="order-2", type=EntryType.ADJUST)  # other 0, origin 50
    shortfall = book.claw_back(
        [origin], ["bonus"], 80, at=START, event_id="return-1", corrects="order-1", reason="return"
    )
    assert shortfall == 30
    assert origin.remaining_minor == 0 and other.remaining_minor == 0
    assert [(e.lot, e.amount_minor, e.corrects) for e in book.entries[-1:]] == [(origin, -50, "order-1")]


def test_claw_back_never_touches_an_expired_lot_of_another_order() -> None:
    expired = make_lot(100, available_from=START, expires_at=datetime(2026, 2, 1, tzinfo=UTC), lot_id=1)
    book = Book(account_id=1, lots=[expired])
    at = datetime(2026, 3, 1, tzinfo=UTC)
    assert book.claw_back([], ["bonus"], 50, at=at, event_id="r", corrects="o", reason="return") == 50
    assert expired.remaining_minor == 100


def test_closing_a_lot_twice_writes_it_off_once() -> None:
    lot = make_lot(100, available_from=START, expires_at=None, lot_id=1)
    book = Book(account_id=1, lots=[lot])
    assert book.close_lots([lot], at=START, event_id="exit", type=EntryType.FORFEIT, reason="left") == 100
    assert book.close_lots([lot], at=START, event_id="exit", type=EntryType.FORFEIT, reason="left") == 0
    assert [(e.type, e.amount_minor) for e in book.entries] == [(EntryType.FORFEIT, -100)]


def test_a_lot_expires_exactly_at_its_expiry_instant() -> None:
    expires = datetime(2026, 2, 1, tzinfo=UTC)
    lot = make_lot(100, available_from=START, expires_at=expires, lot_id=1)
    book = Book(account_id=1, lots=[lot])
    assert book.expire_due(expires - timedelta(microseconds=1), event_id="e") == 0
    assert not lot.closed
    assert book.expire_due(expires, event_id="e") == 100
    assert lot.closed


# --- regressions: mistakes found by these tests and fixed ------------------------------------------


def test_expiring_first_compares_instants_not_wall_clock_readings_of_different_zones() -> None:
    # storage loads lots in UTC while the engine makes new lots in the program's zone (Europe/Moscow)
    from_storage = make_lot(100, available_from=START, expires_at=datetime(2026, 11, 30, 21, 0, tzinfo=UTC), lot_id=1)
    from_engine = make_lot(100, available_from=START, expires_at=datetime(2026, 11, 30, 23, 0, tzinfo=MSK), lot_id=2)
    assert from_engine.expires_at < from_storage.expires_at  # 20:00 UTC is before 21:00 UTC
    book = Book(account_id=1, lots=[from_storage, from_engine])
    taken = book.debit(["bonus"], 50, at=datetime(2026, 11, 1, tzinfo=UTC), event_id="o", type=EntryType.HOLD)
    assert taken == [(from_engine, 50)]


def test_debit_with_a_kind_named_twice_raises_before_writing_anything() -> None:
    # a kind named twice must not allocate the same lot twice and leave a half-written debit
    lot = make_lot(100, available_from=START, expires_at=None, lot_id=1)
    book = Book(account_id=1, lots=[lot])
    with pytest.raises(InsufficientPoints):
        book.debit(["bonus", "bonus"], 150, at=START, event_id="o", type=EntryType.HOLD)
    assert book.entries == []
    assert lot.remaining_minor == 100
