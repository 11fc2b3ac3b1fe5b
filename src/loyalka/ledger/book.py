"""One account's lots and the entries that change them.

A ``Book`` is loaded with the account's open lots, asked to do ledger operations, and hands back what
they wrote: new lots, new entries and the lots whose remaining amount changed. Storage persists exactly
that; the property tests drive the same class in memory. Invariants (tests/ledger):

* every change of a balance is an entry; entries are never edited;
* sum of an account's entries == sum of its lots' remaining amounts;
* no lot's remaining amount is below zero, so no balance is;
* spending takes the spendable lots that expire first (never-expiring last), then the oldest.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from loyalka.errors import InsufficientPoints

_NEVER = float("inf")


class EntryType(enum.StrEnum):
    EARN = "earn"  # a lot is created
    REVERSE = "reverse"  # earning taken back (a return); points at the earn entry it corrects
    HOLD = "hold"  # points reserved for an order being checked out
    RELEASE = "release"  # a hold given back
    EXPIRE = "expire"  # a lot reached its expiry
    FORFEIT = "forfeit"  # written off when the client left the program
    ADJUST = "adjust"  # audited manual correction (a lot when positive, a debit when negative)
    GRANT = "grant"  # points not earned by a purchase: triggers, campaigns, one-time grants, codes, referrals
    TRANSFER_IN = "transfer_in"  # points received from another member (a lot that keeps the sender's dates)
    TRANSFER_OUT = "transfer_out"  # points given to another member
    REWARD = "reward"  # points exchanged for a reward of the catalog


# entry types that create a lot (and carry its whole amount)
CREDIT_TYPES = frozenset({EntryType.EARN, EntryType.ADJUST, EntryType.GRANT, EntryType.TRANSFER_IN})


@dataclass(slots=True, eq=False)
class Lot:
    account_id: int
    kind: str
    earned_minor: int
    remaining_minor: int
    available_from: datetime
    expires_at: datetime | None
    event_id: str
    rule_id: str | None = None
    program_version: int | None = None
    id: int | None = None
    closed: bool = False  # expired or forfeited: nothing more can be spent or clawed back from it

    def spendable_at(self, at: datetime) -> bool:
        return not self.closed and self.available_from <= at and (self.expires_at is None or at < self.expires_at)

    def expired_at(self, at: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= at

    def sort_key(self) -> tuple[float, float, int]:
        """Expiring first (never-expiring last), then the oldest; instants compared across time zones."""
        expires = self.expires_at.timestamp() if self.expires_at else _NEVER
        return (expires, self.available_from.timestamp(), self.id or 0)

    def age_key(self) -> tuple[float, float, int]:
        """The oldest first (then the one expiring first)."""
        expires = self.expires_at.timestamp() if self.expires_at else _NEVER
        return (self.available_from.timestamp(), expires, self.id or 0)


@dataclass(slots=True, eq=False)
class Entry:
    account_id: int
    kind: str
    amount_minor: int
    type: EntryType
    event_id: str
    occurred_at: datetime
    lot: Lot
    hold_id: int | None = None
    rule_id: str | None = None
    program_version: int | None = None
    reason: str | None = None
    corrects: str | None = None  # the event whose entries this one corrects (a return points at its order)


@dataclass(slots=True)
class Book:
    account_id: int
    lots: list[Lot]
    new_lots: list[Lot] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    changed: dict[int, Lot] = field(default_factory=dict)  # by id(lot)

    # --- reading -------------------------------------------------------------------------------------
    def balance(self, kind: str | None = None) -> int:
        return sum(lot.remaining_minor for lot in self.lots if kind is None or lot.kind == kind)

    def spendable(self, kind: str, at: datetime) -> int:
        return sum(lot.remaining_minor for lot in self.lots if lot.kind == kind and lot.spendable_at(at))

    def pending(self, kind: str, at: datetime) -> int:
        return sum(
            lot.remaining_minor for lot in self.lots if lot.kind == kind and not lot.closed and lot.available_from > at
        )

    # --- writing -------------------------------------------------------------------------------------
    def credit(
        self,
        lot: Lot,
        *,
        occurred_at: datetime,
        reason: str | None = None,
        type: EntryType = EntryType.EARN,
        event_id: str | None = None,
        corrects: str | None = None,
    ) -> Entry:
        """Add a new lot. ``event_id`` names the event that credits it when that is not the lot's own (a
        corrected document adds to its order's points; the lot keeps the order's event id)."""
        if lot.earned_minor <= 0 or lot.remaining_minor != lot.earned_minor:
            raise ValueError("a new lot carries its whole positive amount")
        if type not in CREDIT_TYPES:
            raise ValueError(f"{type} does not create a lot")
        self.lots.append(lot)
        self.new_lots.append(lot)
        return self._write(
            lot,
            lot.earned_minor,
            type,
            event_id or lot.event_id,
            occurred_at,
            rule_id=lot.rule_id,
            program_version=lot.program_version,
            reason=reason,
            corrects=corrects,
            creates=True,
        )

    def debit(
        self,
        kinds: list[str],
        amount_minor: int,
        *,
        at: datetime,
        event_id: str,
        type: EntryType,
        hold_id: int | None = None,
        reason: str | None = None,
        oldest_first: bool = False,
    ) -> list[tuple[Lot, int]]:
        """Take ``amount_minor`` from spendable lots of ``kinds`` (in that order), expiring first (or the
        oldest first)."""
        if amount_minor <= 0:
            raise ValueError("debit amount must be positive")
        taken: list[tuple[Lot, int]] = []
        left = amount_minor
        order = Lot.age_key if oldest_first else Lot.sort_key
        for kind in dict.fromkeys(kinds):  # each kind once, in the order given
            for lot in sorted((lt for lt in self.lots if lt.kind == kind and lt.spendable_at(at)), key=order):
                if left == 0:
                    break
                part = min(left, lot.remaining_minor)
                if part:
                    taken.append((lot, part))
                    left -= part
        if left:
            have = amount_minor - left
            raise InsufficientPoints(
                f"needs {amount_minor} (minor units) but only {have} are spendable now", field="amount"
            )
        for lot, part in taken:
            self._write(lot, -part, type, event_id, at, hold_id=hold_id, reason=reason)
        return taken

    def debit_lots(
        self,
        lots: list[Lot],
        amount_minor: int,
        *,
        at: datetime,
        event_id: str,
        type: EntryType,
        reason: str | None = None,
    ) -> list[tuple[Lot, int]]:
        """Take ``amount_minor`` from ``lots`` in the order given (whether spendable yet or not), all or nothing:
        refused when their remainders do not cover it. A manual adjustment chooses its own lots."""
        if amount_minor <= 0:
            raise ValueError("debit amount must be positive")
        taken: list[tuple[Lot, int]] = []
        left = amount_minor
        for lot in lots:
            part = 0 if lot.closed else min(left, lot.remaining_minor)
            if part:
                taken.append((lot, part))
                left -= part
        if left:
            raise InsufficientPoints(
                f"needs {amount_minor} (minor units) but the lots hold only {amount_minor - left}", field="points"
            )
        for lot, part in taken:
            self._write(lot, -part, type, event_id, at, reason=reason)
        return taken

    def restore(
        self,
        allocations: list[tuple[Lot, int]],
        *,
        at: datetime,
        event_id: str,
        hold_id: int | None,
        reason: str | None = None,
    ) -> None:
        """Give back what a hold took, to the very lots it came from (a closed lot is expired again)."""
        for lot, part in allocations:
            self._write(lot, part, EntryType.RELEASE, event_id, at, hold_id=hold_id, reason=reason)
            if lot.closed:
                self._write(lot, -part, EntryType.EXPIRE, event_id, at, reason="released after expiry")

    def claw_back(
        self,
        origin: list[Lot],
        kinds: list[str],
        amount_minor: int,
        *,
        at: datetime,
        event_id: str,
        corrects: str,
        reason: str,
        rule_id: str | None = None,
    ) -> int:
        """Take back earned points: first from the lots the earning created, then from other open lots of the
        same kinds, expiring first. Returns the shortfall that could not be taken (already spent)."""
        if amount_minor <= 0:
            raise ValueError("claw-back amount must be positive")
        left = amount_minor
        candidates = [lot for lot in origin if not lot.closed]
        others = sorted(
            (
                lt
                for lt in self.lots
                if lt.kind in kinds and not lt.closed and lt not in origin and not lt.expired_at(at)
            ),
            key=Lot.sort_key,
        )
        for lot in candidates + others:
            if left == 0:
                break
            part = min(left, lot.remaining_minor)
            if part:
                self._write(
                    lot, -part, EntryType.REVERSE, event_id, at, reason=reason, corrects=corrects, rule_id=rule_id
                )
                left -= part
        return left

    def close_lots(self, lots: list[Lot], *, at: datetime, event_id: str, type: EntryType, reason: str) -> int:
        """Expire or forfeit whole lots; returns the amount written off."""
        total = 0
        for lot in lots:
            if lot.closed:
                continue
            if lot.remaining_minor:
                total += lot.remaining_minor
                self._write(lot, -lot.remaining_minor, type, event_id, at, reason=reason)
            lot.closed = True
            self.changed[id(lot)] = lot
        return total

    def expire_due(self, at: datetime, *, event_id: str) -> int:
        due = [lot for lot in self.lots if not lot.closed and lot.expired_at(at)]
        return self.close_lots(due, at=at, event_id=event_id, type=EntryType.EXPIRE, reason="expired")

    def _write(
        self,
        lot: Lot,
        amount: int,
        type: EntryType,
        event_id: str,
        at: datetime,
        *,
        creates: bool = False,
        **extra: object,
    ) -> Entry:
        if lot.remaining_minor + amount < 0:
            raise InsufficientPoints("a lot cannot go below zero")
        if not creates:  # a new lot already carries its amount
            lot.remaining_minor += amount
            self.changed[id(lot)] = lot
        entry = Entry(self.account_id, lot.kind, amount, type, event_id, at, lot, **extra)  # type: ignore[arg-type]
        self.entries.append(entry)
        return entry
