"""The demo history generator: deterministic, valid data, and the seed-000 figures before launch."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from loyalka.demo.generator import CATEGORIES, History, generate, month_start
from loyalka.domain.inn import is_valid_inn

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture(scope="module")
def history() -> History:
    return generate()


@pytest.fixture(scope="module")
def history_no_uplift() -> History:
    return generate(uplift=False)


def month_index(h: History, at: datetime) -> int:
    return (at.year - h.start.year) * 12 + at.month - h.start.month


def monthly_purchases(h: History) -> dict[tuple[str, int], int]:
    """Kopecks bought per (company, month) for every month in which the company ordered."""
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for order in h.orders:
        totals[(order.company_code, month_index(h, order.occurred_at))] += order.total_minor
    return totals


def average_rub(h: History, *, post: bool) -> float:
    values = [v for (_, m), v in monthly_purchases(h).items() if (m >= h.launch_month) == post]
    return sum(values) / len(values) / 100


def test_same_arguments_give_the_same_history() -> None:
    a = generate(companies=300, months=12, launch_month=6, seed=7)
    b = generate(companies=300, months=12, launch_month=6, seed=7)
    assert a == b
    assert a.orders  # not trivially equal
    c = generate(companies=300, months=12, launch_month=6, seed=8)
    assert c != a
    assert [o.total_minor for o in c.orders[:50]] != [o.total_minor for o in a.orders[:50]]


def test_company_base(history: History) -> None:
    companies = history.companies
    assert len(companies) == 2000
    assert [c.code for c in companies[:2]] == ["C00001", "C00002"]
    assert len({c.code for c in companies}) == 2000
    assert len({c.name for c in companies}) == 2000
    shares = Counter(c.segment for c in companies)
    assert 0.40 < shares["salon"] / 2000 < 0.50
    assert 0.30 < shares["shop"] / 2000 < 0.40
    assert 0.15 < shares["designer"] / 2000 < 0.25
    regions = Counter(c.region for c in companies)
    assert regions.most_common(1)[0][0] == "Москва"
    assert len(regions) >= 12
    assert 6 <= len({c.manager for c in companies}) <= 10
    late = [c for c in companies if c.first_month > 0]
    assert 0.2 * 2000 < len(late) < 0.6 * 2000
    assert all(0 <= c.first_month < history.months for c in companies)
    for c in companies:
        assert c.contact_email == f"{c.code.lower()}@example.ru" and c.contact_email.isascii()
        assert date(1950, 1, 1) < c.contact_birthday < date(2005, 1, 1)
        assert c.industry in {"Салон интерьерного текстиля", "Магазин тканей", "Частный дизайнер"}
        assert len(c.contact_name.split()) == 3


def test_every_inn_is_valid_and_unique(history: History) -> None:
    for c in history.companies:
        assert is_valid_inn(c.inn), c
        assert len(c.inn) == (12 if c.segment == "designer" else 10), c
    assert len({c.inn for c in history.companies}) == len(history.companies)
    assert not is_valid_inn(history.companies[0].inn[:-1] + str((int(history.companies[0].inn[-1]) + 1) % 10))


def test_orders_are_well_formed(history: History) -> None:
    orders = history.orders
    assert len(orders) > 30_000
    assert len({o.order_ref for o in orders}) == len(orders)
    assert all(o.order_ref.startswith(f"O-{o.occurred_at.year}-") for o in orders)
    assert all(type(o.total_minor) is int and o.total_minor >= 300_00 for o in orders)
    assert all(o.category in CATEGORIES for o in orders)
    assert [o.occurred_at for o in orders] == sorted(o.occurred_at for o in orders)
    codes = {c.code for c in history.companies}
    assert all(o.company_code in codes for o in orders)
    begin, end = month_start(history, 0), month_start(history, history.months)
    for o in orders:
        assert o.occurred_at.tzinfo is not None and o.occurred_at.utcoffset() is not None
        assert o.occurred_at.tzinfo == MOSCOW
        assert begin <= o.occurred_at < end
        assert 9 <= o.occurred_at.hour < 19
    weekdays = sum(o.occurred_at.weekday() < 5 for o in orders)
    assert weekdays / len(orders) > 0.9


def test_no_company_orders_before_it_becomes_a_client(history: History) -> None:
    first = {c.code: c.first_month for c in history.companies}
    assert all(month_index(history, o.occurred_at) >= first[o.company_code] for o in history.orders)


def test_month_start() -> None:
    h = generate(companies=5, months=3, start=date(2024, 11, 1), launch_month=1)
    assert month_start(h, 0) == datetime(2024, 11, 1, tzinfo=MOSCOW)
    assert month_start(h, 2) == datetime(2025, 1, 1, tzinfo=MOSCOW)
    assert month_start(h, 14) == datetime(2026, 1, 1, tzinfo=MOSCOW)


def test_before_launch_the_figures_match_the_case(history: History) -> None:
    pre = [v for (_, m), v in monthly_purchases(history).items() if m < history.launch_month]
    average = sum(pre) / len(pre) / 100
    assert 6_500 <= average <= 8_500
    under = sum(v < 7_500_00 for v in pre) / len(pre)
    assert under > 0.6
    # not every company buys every month
    active = {(code, m) for code, m in monthly_purchases(history)}
    base = sum(1 for c in history.companies if c.first_month == 0)
    assert len({code for code, m in active if m == 1}) < 0.9 * base


def test_companies_churn(history: History) -> None:
    last: dict[str, int] = {}
    for o in history.orders:
        last[o.company_code] = month_index(history, o.occurred_at)
    early = [c for c in history.companies if c.first_month == 0]
    gone = [c for c in early if last.get(c.code, -1) < history.months - 6]
    assert 0.1 * len(early) < len(gone) < 0.6 * len(early)


def test_seasonality(history_no_uplift: History) -> None:
    per_month = [0] * history_no_uplift.months
    for o in history_no_uplift.orders:
        per_month[month_index(history_no_uplift, o.occurred_at)] += o.total_minor
    # the start is November 2024: indexes 7..9 are June..August 2025, 10..11 September..October
    summer = sum(per_month[7:10]) / 3
    autumn = sum(per_month[10:12]) / 2
    assert autumn > 1.2 * summer


def test_uplift_raises_the_average_after_launch(history: History) -> None:
    pre, post = average_rub(history, post=False), average_rub(history, post=True)
    assert post > 1.08 * pre


def test_without_uplift_the_average_stays_put(history: History, history_no_uplift: History) -> None:
    pre, post = average_rub(history_no_uplift, post=False), average_rub(history_no_uplift, post=True)
    assert abs(post / pre - 1) <= 0.08
    # the same companies and the same orders before launch, whichever the setting
    launch = month_start(history, history.launch_month)
    assert history_no_uplift.companies == history.companies
    assert [o for o in history_no_uplift.orders if o.occurred_at < launch] == [
        o for o in history.orders if o.occurred_at < launch
    ]


def test_uplift_reduces_churn(history: History, history_no_uplift: History) -> None:
    def still_buying(h: History) -> int:
        late = {o.company_code for o in h.orders if month_index(h, o.occurred_at) >= h.months - 3}
        return len(late)

    assert still_buying(history) > still_buying(history_no_uplift)
