"""The demo: a generated textile history, replayed month by month through the seed-000 program.

Before launch the history is the seller's past sales (no program); from the launch month on, every order
goes through the engine and the ledger exactly as live traffic would, members pay part of later orders
with their bonuses, and each month is closed. The report sets the seed's KPIs before and after launch.
The uplift after launch is an assumption of the generator (see ``generator.py``), not a finding.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources

from sqlalchemy import func, select

from loyalka.analytics.kpis import KpiSummary, summarize
from loyalka.demo.generator import Company, History, Order, generate, month_start
from loyalka.domain.accounts import AccountIn, ContactIn
from loyalka.domain.events import OrderIn
from loyalka.domain.periods import period_of
from loyalka.jobs.period_close import close_month
from loyalka.services.accounts import create_account
from loyalka.services.events import post_orders
from loyalka.services.programs import load_program
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EntryRow, HoldRow, OrderRow

TZ = "Europe/Moscow"
THRESHOLD_MINOR = 750_000  # the seed's 7,500 RUB
ENROL_LOOKBACK_MONTHS = 3  # clients who bought in the 3 months before launch are enrolled at launch
REDEEM_SHARE = 0.6  # share of a member's orders on which it pays with whatever bonuses it may
BATCH = 1000

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class DemoReport:
    companies: int
    orders: int
    launch_month: str
    before: KpiSummary
    after: KpiSummary
    earned_minor: int
    redeemed_minor: int  # money paid with bonuses (captured holds)
    expired_minor: int
    forfeited_minor: int
    members_enrolled: int
    members_active: int
    members_left: int
    closes: int


def program_text() -> str:
    return resources.files("loyalka.examples").joinpath("textile.yaml").read_text(encoding="utf-8")


def run_demo(
    database: Database, *, companies: int = 2000, months: int = 24, seed: int = 2013, progress: Progress | None = None
) -> DemoReport:
    history = generate(companies=companies, months=months, seed=seed)
    by_month = _orders_by_month(history)
    launch = history.launch_month
    with database.unit_of_work() as session:
        load_program(session, program_text(), now=_month_start(history, 0))
    company = {c.code: c for c in history.companies}
    enrolled = _enrol_at_launch(database, history, by_month, company)
    chooser = random.Random(seed + 1)
    known = set(enrolled)
    for index in range(launch, history.months):
        month_orders = by_month.get(index, [])
        newcomers = sorted({o.company_code for o in month_orders} - known)
        _create_accounts(database, [company[c] for c in newcomers], _month_start(history, index))
        known.update(newcomers)
        for start in range(0, len(month_orders), BATCH):
            chunk = month_orders[start : start + BATCH]
            events = [
                OrderIn(
                    event_id=f"demo:{o.order_ref}",
                    account=o.company_code,
                    order_ref=o.order_ref,
                    occurred_at=o.occurred_at,
                    total_minor=o.total_minor,
                    redeem_max=chooser.random() < REDEEM_SHARE,
                )
                for o in chunk
            ]
            with database.unit_of_work() as session:
                post_orders(session, events, now=chunk[-1].occurred_at)
        month_end = _month_start(history, index + 1)
        with database.unit_of_work() as session:
            close_month(
                session, period_of(_month_start(history, index), "month", TZ).key, now=month_end + timedelta(minutes=1)
            )
        if progress:
            progress("replay", index - launch + 1, history.months - launch)
    return _report(database, history, by_month, len(enrolled))


def _month_start(history: History, index: int) -> datetime:
    return month_start(history, index)


def _orders_by_month(history: History) -> dict[int, list[Order]]:
    first = period_of(_month_start(history, 0), "month", TZ)
    result: dict[int, list[Order]] = defaultdict(list)
    for order in history.orders:
        month = period_of(order.occurred_at, "month", TZ)
        result[(month.year - first.year) * 12 + month.index - first.index].append(order)
    return result


def _enrol_at_launch(
    database: Database, history: History, by_month: dict[int, list[Order]], company: dict[str, Company]
) -> list[str]:
    launch = history.launch_month
    recent = sorted(
        {o.company_code for i in range(max(0, launch - ENROL_LOOKBACK_MONTHS), launch) for o in by_month.get(i, [])}
    )
    _create_accounts(database, [company[c] for c in recent], _month_start(history, launch))
    return recent


def _create_accounts(database: Database, companies: list[Company], joined_at: datetime) -> None:
    if not companies:
        return
    with database.unit_of_work() as session:
        for company in companies:
            create_account(
                session,
                AccountIn(
                    code=company.code,
                    name=company.name,
                    inn=company.inn,
                    region=company.region,
                    industry=company.industry,
                    manager=company.manager,
                    tags=(company.segment,),
                    contacts=(
                        ContactIn(
                            code=f"{company.code}-1",
                            name=company.contact_name,
                            email=company.contact_email,
                            birthday=company.contact_birthday,
                        ),
                    ),
                ),
                now=joined_at,
            )


def _month_totals_from_history(
    history: History, by_month: dict[int, list[Order]], indexes: range
) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for index in indexes:
        key = period_of(_month_start(history, index), "month", TZ).key
        totals: dict[str, int] = defaultdict(int)
        for order in by_month.get(index, []):
            totals[order.company_code] += order.total_minor
        result[key] = dict(totals)
    return result


def _report(database: Database, history: History, by_month: dict[int, list[Order]], enrolled: int) -> DemoReport:
    launch = history.launch_month
    before_totals = _month_totals_from_history(history, by_month, range(0, launch))
    with database.unit_of_work() as session:
        after_totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        rows = session.execute(
            select(AccountRow.code, OrderRow.occurred_at, OrderRow.total_minor - OrderRow.returned_minor).join(
                AccountRow, AccountRow.id == OrderRow.account_id
            )
        )
        for code, at, net in rows:
            after_totals[period_of(at, "month", TZ).key][code] += int(net)
        by_type = dict(
            session.execute(select(EntryRow.type, func.sum(EntryRow.amount_minor)).group_by(EntryRow.type)).all()
        )
        redeemed = session.scalar(
            select(func.coalesce(func.sum(HoldRow.money_minor), 0)).where(HoldRow.status == "captured")
        )
        statuses = dict(session.execute(select(AccountRow.status, func.count()).group_by(AccountRow.status)).all())
        orders = session.scalar(select(func.count()).select_from(OrderRow))
    after_keys = [period_of(_month_start(history, i), "month", TZ).key for i in range(launch, history.months)]
    return DemoReport(
        companies=len(history.companies),
        orders=int(orders or 0) + sum(len(by_month.get(i, [])) for i in range(launch)),
        launch_month=after_keys[0] if after_keys else "",
        before=summarize(before_totals, sorted(before_totals), threshold_minor=THRESHOLD_MINOR),
        after=summarize(after_totals, after_keys, threshold_minor=THRESHOLD_MINOR),
        earned_minor=int(by_type.get("earn", 0)),
        redeemed_minor=int(redeemed or 0),
        expired_minor=-int(by_type.get("expire", 0)),
        forfeited_minor=-int(by_type.get("forfeit", 0)),
        members_enrolled=enrolled,
        members_active=int(statuses.get("active", 0)),
        members_left=int(statuses.get("left", 0)),
        closes=history.months - launch,
    )
