"""The lots frame of a live program (liability.py), read from storage: its lots, their entries and its point
kinds, as the ledger stood at any moment.

Entries become the frame's columns by type:

    spent       hold, release, reward — points that paid for something (a pending hold counts as spent; its
                release gives them back, as settlement counts it)
    expired     expire
    forfeited   forfeit (the balance of a client who left)
    earned      everything else: the lot's credit (earn, grant, adjust, transfer_in) less what returns, corrections,
                negative adjustments and transfers to another member took out of it. Those points were never
                the client's to spend (or are now another lot's), so they are not flows of the liability.

So ``earned = remaining + spent + expired + forfeited`` holds for every lot at every moment.

A lot belongs to the frame at ``at`` when it was credited before ``at``; entries count when they occurred before
``at``, except the write-offs of a month close (expire, forfeit), which are dated at the very end of the period
they close (the next month's first instant) and count at that instant too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.analytics.liability import LOTS_COLUMNS
from loyalka.domain.periods import period_of
from loyalka.errors import InvalidInput
from loyalka.program.models import PointKind
from loyalka.services.programs import program_by_code, version_rules
from loyalka.storage.tables import AccountRow, EntryRow, LotRow, ProgramVersionRow

FLOW_OF = {"hold": "spent", "release": "spent", "reward": "spent", "expire": "expired", "forfeit": "forfeited"}
CREDITS = ("earn", "grant", "adjust", "transfer_in")
_UTC = pl.Datetime("us", "UTC")


@dataclass(frozen=True, slots=True)
class Ledger:
    program: str
    timezone: str
    lots: pl.DataFrame  # lot_id, account, kind, available_from, expires_at, value_per_point_minor, decimals
    entries: pl.DataFrame  # lot_id, flow, closing, occurred_at, amount_minor, credit


def read_ledger(session: Session, program: str | None = None) -> Ledger:
    """Every lot and entry of the program's accounts (a NotFound error for an unknown program)."""
    row = program_by_code(session, program)
    kinds = _point_kinds(session, row.id)
    timezone = version_rules(session, _latest_version(session, row.id)).program.timezone
    lot_rows = session.execute(
        select(LotRow.id, AccountRow.code, LotRow.kind, LotRow.available_from, LotRow.expires_at)
        .join(AccountRow, AccountRow.id == LotRow.account_id)
        .where(AccountRow.program_id == row.id)
    ).all()
    entry_rows = session.execute(
        select(EntryRow.lot_id, EntryRow.type, EntryRow.occurred_at, EntryRow.amount_minor)
        .join(AccountRow, AccountRow.id == EntryRow.account_id)
        .where(AccountRow.program_id == row.id)
    ).all()
    lots = pl.DataFrame(
        lot_rows,
        schema={
            "lot_id": pl.Int64,
            "account": pl.String,
            "kind": pl.String,
            "available_from": _UTC,
            "expires_at": _UTC,
        },
        orient="row",
    )
    unit = {k: (kind.value_per_point, kind.decimals) for k, kind in kinds.items()}
    missing = sorted(set(lots["kind"]) - set(unit))
    if missing:
        raise InvalidInput(
            f"lots of point kind(s) {', '.join(missing)} that no version of the program defines", field="program"
        )
    lots = lots.with_columns(
        pl.col("kind")
        .replace_strict({k: v for k, (v, _) in unit.items()}, return_dtype=pl.Int64)
        .alias("value_per_point_minor"),
        pl.col("kind").replace_strict({k: d for k, (_, d) in unit.items()}, return_dtype=pl.Int8).alias("decimals"),
        *(pl.col(c).dt.convert_time_zone(timezone) for c in ("available_from", "expires_at")),
    )
    entries = pl.DataFrame(
        entry_rows,
        schema={"lot_id": pl.Int64, "type": pl.String, "occurred_at": _UTC, "amount_minor": pl.Int64},
        orient="row",
    ).with_columns(
        pl.col("type").replace_strict(FLOW_OF, default="earned").alias("flow"),
        pl.col("type").is_in(("expire", "forfeit")).alias("closing"),
        (pl.col("type").is_in(CREDITS) & (pl.col("amount_minor") > 0)).alias("credit"),
        pl.col("occurred_at").dt.convert_time_zone(timezone),
    )
    return Ledger(row.code, timezone, lots, entries.drop("type"))


def lots_at(ledger: Ledger, at: datetime) -> pl.DataFrame:
    """The lots frame as the ledger stood at ``at`` (an aware instant)."""
    at = at.astimezone(ZoneInfo(ledger.timezone))
    counted = ledger.entries.filter(
        pl.when(pl.col("closing")).then(pl.col("occurred_at") <= at).otherwise(pl.col("occurred_at") < at)
    )
    sums = counted.group_by("lot_id").agg(
        *(
            (pl.col("amount_minor").filter(pl.col("flow") == flow).sum() * sign).alias(f"{flow}_minor")
            for flow, sign in (("earned", 1), ("spent", -1), ("expired", -1), ("forfeited", -1))
        ),
        pl.col("amount_minor").sum().alias("remaining_minor"),
        pl.col("occurred_at").filter(pl.col("credit")).min().alias("earned_at"),
    )
    frame = ledger.lots.join(sums.filter(pl.col("earned_at").is_not_null()), on="lot_id", how="inner")
    return frame.sort("lot_id").select(pl.col(name).cast(dtype) if dtype is not pl.Datetime else pl.col(name)
                                       for name, dtype in LOTS_COLUMNS.items())  # fmt: skip


def month_snapshots(ledger: Ledger, at: datetime) -> Iterator[tuple[str, datetime, pl.DataFrame]]:
    """(month key, the month's end or ``at`` for the last, the lots frame then) from the month of the first credit
    to the month of ``at``'s last instant — one frame at a time, so a long history never holds them all."""
    credits = ledger.entries.filter(pl.col("credit"))
    if credits.is_empty():
        return
    first = credits["occurred_at"].min()
    month = period_of(first, "month", ledger.timezone)  # type: ignore[arg-type]
    last = period_of(at - timedelta(microseconds=1), "month", ledger.timezone)
    while month.start <= last.start:
        end = min(month.end, at)
        yield month.key, end, lots_at(ledger, end)
        month = month.next()


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_at(text: str | None, timezone: str, *, now: datetime) -> datetime:
    """--at YYYY-MM-DD: the end of that day in the program's time zone (its next midnight). None: now."""
    if text is None:
        return now
    raw = text.strip()
    try:
        if not _DATE.match(raw):
            raise ValueError
        day = datetime.strptime(raw, "%Y-%m-%d")
    except ValueError:
        raise InvalidInput(
            f"--at {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-30", code="invalid_date", field="at"
        ) from None
    return (day + timedelta(days=1)).replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _latest_version(session: Session, program_id: int) -> int:
    return session.scalars(
        select(ProgramVersionRow.id)
        .where(ProgramVersionRow.program_id == program_id)
        .order_by(ProgramVersionRow.version.desc())
        .limit(1)
    ).one()


def _point_kinds(session: Session, program_id: int) -> dict[str, PointKind]:
    """Each kind as the newest version defining it sets it (a kind dropped later keeps its last definition)."""
    ids = session.scalars(
        select(ProgramVersionRow.id)
        .where(ProgramVersionRow.program_id == program_id)
        .order_by(ProgramVersionRow.version.desc())
    ).all()
    kinds: dict[str, PointKind] = {}
    for version_id in ids:
        for name, kind in version_rules(session, version_id).point_kinds.items():
            kinds.setdefault(name, kind)
    return kinds
