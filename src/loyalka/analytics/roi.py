"""The ROI of a loyalty program for one large client (seed 002), in exact decimals.

Seed 002 names the inputs with letters; here they have names (money in major units, rates as fractions 0..1):

    Z revenue      the yearly revenue of one large client           100 000 RUB
    N years        the horizon                                       3
    W churn        the share of clients who leave in a year          10%
    X churn_cut    how many points the program takes off the churn   5%  (10% -> 5%)
    Y uplift       how much more a client buys with the program      10%
    V cost         the program's cost per year                       20 000 RUB

``seed_model`` reproduces the seed's worked example (28 500 RUB, ROI 42.5%); ``printed_formula`` evaluates the
formula exactly as the seed prints it (it does not give its own example); ``sound_model`` is the model to decide
with: the cost paid every year, churn compounding year after year, margin instead of revenue, discounting, NPV and
the payback month. docs/analytics/roi.md states every formula.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from loyalka.errors import InvalidInput

ZERO, ONE = Decimal(0), Decimal(1)
MAX_YEARS = 50
MAX_UPLIFT = Decimal(10)  # +1000%: beyond that the input is a typo, not a forecast


@dataclass(frozen=True, slots=True)
class RoiInputs:
    revenue: Decimal  # Z: a client's yearly revenue before the program, major units
    years: int  # N
    churn: Decimal  # W: share of clients lost per year, 0..1
    churn_cut: Decimal  # X: points of churn the program removes (W - X is the churn with it), 0..W
    uplift: Decimal  # Y: extra revenue of a client who stays, 0.10 = +10%
    cost: Decimal  # V: the program's cost per year, major units
    margin: Decimal = ONE  # gross margin on the extra revenue; 1 = count revenue, as the seed does
    discount: Decimal = ZERO  # yearly discount rate of the NPV; 0 = none
    setup: Decimal = ZERO  # a one-off cost at the start (implementation), major units

    def __post_init__(self) -> None:
        _check(self)


def _check(i: RoiInputs) -> None:
    def bad(name: str, message: str) -> InvalidInput:
        return InvalidInput(f"{name}: {message}", code="invalid_roi_input", field=name)

    for name in ("revenue", "churn", "churn_cut", "uplift", "cost", "margin", "discount", "setup"):
        value = getattr(i, name)
        if not isinstance(value, Decimal) or not value.is_finite():
            raise bad(name, f"expected a decimal number, got {value!r}")
        if value < 0:
            raise bad(name, f"must not be negative, got {value}")
    if isinstance(i.years, bool) or not isinstance(i.years, int) or not 1 <= i.years <= MAX_YEARS:
        raise bad("years", f"the horizon must be a whole number of years from 1 to {MAX_YEARS}, got {i.years!r}")
    if i.churn > 1:
        raise bad("churn", f"a churn over 100% a year is impossible, got {_pct(i.churn)}")
    if i.churn_cut > i.churn:
        raise bad("churn_cut", f"the program cannot cut churn by {_pct(i.churn_cut)}: churn is only {_pct(i.churn)}")
    if i.uplift > MAX_UPLIFT:
        raise bad("uplift", f"an uplift of {_pct(i.uplift)} is not a forecast; at most {_pct(MAX_UPLIFT)}")
    if i.margin == 0 or i.margin > 1:
        raise bad("margin", f"a margin is above 0% and at most 100%, got {_pct(i.margin)}")
    if i.discount > 1:
        raise bad("discount", f"a discount rate over 100% a year is not plausible, got {_pct(i.discount)}")
    if i.cost == 0 and i.setup == 0:
        raise bad("cost", "the program must cost something: ROI divides by the cost")


SEED_EXAMPLE = RoiInputs(
    revenue=Decimal(100000),
    years=3,
    churn=Decimal("0.10"),
    churn_cut=Decimal("0.05"),
    uplift=Decimal("0.10"),
    cost=Decimal(20000),
)


# --- the seed's model ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SeedResult:
    gain: Decimal  # Z*Y*N*(1 - (W - X)): the example's 28 500
    roi: Decimal  # (gain - V) / V: the example's 0.425
    printed_gain: Decimal  # the formula as printed, with the numbers substituted as the seed does (W = 10, X = 5)
    printed_roi: Decimal
    mixed_gain: Decimal  # the printed formula with W and X as fractions (0.10, 0.05), Y still as 10/100
    mixed_roi: Decimal


def seed_model(i: RoiInputs) -> SeedResult:
    """The seed's worked example: revenue gain = Z*Y*N*(1 - (W - X)), ROI = (gain - V) / V. Setup, margin and
    discount are not part of the seed's model and are ignored here."""
    gain = i.revenue * i.uplift * i.years * (ONE - (i.churn - i.churn_cut))
    printed, mixed = printed_formula(i)
    return SeedResult(
        gain=gain,
        roi=_seed_roi(gain, i.cost),
        printed_gain=printed,
        printed_roi=_seed_roi(printed, i.cost),
        mixed_gain=mixed,
        mixed_roi=_seed_roi(mixed, i.cost),
    )


def printed_formula(i: RoiInputs) -> tuple[Decimal, Decimal]:
    """``(Z * Y/100) * N * (1-W+X)/100`` exactly as printed, under its two possible readings: percent numbers
    throughout (the seed substitutes "(1-10+5)/100"), and W, X as fractions with Y still a percent number."""
    y, w, x = i.uplift * 100, i.churn * 100, i.churn_cut * 100  # the percent numbers: 10, 10, 5
    literal = (i.revenue * y / 100) * i.years * (1 - w + x) / 100
    mixed = (i.revenue * y / 100) * i.years * (1 - i.churn + i.churn_cut) / 100
    return literal, mixed


def _seed_roi(gain: Decimal, cost: Decimal) -> Decimal:
    if cost == 0:
        raise InvalidInput("the seed's ROI divides by the yearly cost V: it must be above zero", field="cost")
    return (gain - cost) / cost


# --- the sound model -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class YearRow:
    year: int
    stay_without: Decimal  # expected share of the clients still there this year, without the program
    stay_with: Decimal
    revenue_without: Decimal
    revenue_with: Decimal
    retention_gain: Decimal  # margin on the revenue of the clients the program keeps
    uplift_gain: Decimal  # margin on the extra purchases of the clients who stay with it
    gain: Decimal
    cost: Decimal  # V, plus the setup cost in the first year
    net: Decimal


@dataclass(frozen=True, slots=True)
class MonthRow:
    month: int  # 1..12N
    gain: Decimal  # at the month's end
    cost: Decimal  # at the month's start (the yearly cost in the first month of each year)
    net: Decimal
    present_net: Decimal  # discounted to the start
    cumulative: Decimal  # of present_net (of net when there is no discount)


@dataclass(frozen=True, slots=True)
class SoundResult:
    inputs: RoiInputs
    years: tuple[YearRow, ...]
    months: tuple[MonthRow, ...]
    gain: Decimal
    retention_gain: Decimal
    uplift_gain: Decimal
    cost: Decimal
    net: Decimal
    present_gain: Decimal
    present_cost: Decimal
    npv: Decimal
    roi: Decimal  # npv / present_cost: (gain - cost) / cost when there is no discount
    break_even_cost: Decimal  # the yearly cost V at which the NPV is zero: the most the program may cost a year
    payback_month: int | None  # from which the cumulative (discounted) net stays at or above zero; None: never


def sound_model(i: RoiInputs) -> SoundResult:
    """Expected clients compound: of one client today, (1 - W)^t remain in year t without the program and
    (1 - (W - X))^t with it (churn strikes before each year's purchases, as in the seed's own factor). The gain is
    the margin on the difference of expected revenue; V is paid at the start of every year, the setup at the
    start; the gain accrues evenly over each year's months."""
    with localcontext() as ctx:
        ctx.prec = 40
        rows = [_year(i, t) for t in range(1, i.years + 1)]
        months = _months(i, rows)
        gain = sum((r.gain for r in rows), ZERO)
        cost = sum((r.cost for r in rows), ZERO)
        present_gain, present_cost = gain, cost
        if i.discount:
            present_gain = sum((m.gain * _factor(i.discount, m.month) for m in months), ZERO)
            present_cost = sum((m.cost * _factor(i.discount, m.month - 1) for m in months), ZERO)
        npv = present_gain - present_cost
        return SoundResult(
            inputs=i,
            years=tuple(rows),
            months=months,
            gain=gain,
            retention_gain=sum((r.retention_gain for r in rows), ZERO),
            uplift_gain=sum((r.uplift_gain for r in rows), ZERO),
            cost=cost,
            net=sum((r.net for r in rows), ZERO),
            present_gain=present_gain,
            present_cost=present_cost,
            npv=npv,
            roi=npv / present_cost,
            break_even_cost=(present_gain - i.setup) / sum((_factor(i.discount, 12 * k) for k in range(i.years)), ZERO),
            payback_month=_payback(months),
        )


def _year(i: RoiInputs, t: int) -> YearRow:
    stay_without = (ONE - i.churn) ** t
    stay_with = (ONE - (i.churn - i.churn_cut)) ** t
    revenue_without = i.revenue * stay_without
    revenue_with = i.revenue * (ONE + i.uplift) * stay_with
    retention_gain = i.margin * i.revenue * (stay_with - stay_without)
    uplift_gain = i.margin * i.revenue * i.uplift * stay_with
    gain = retention_gain + uplift_gain  # == margin * (revenue_with - revenue_without)
    cost = i.cost + (i.setup if t == 1 else ZERO)
    return YearRow(
        t, stay_without, stay_with, revenue_without, revenue_with, retention_gain, uplift_gain, gain, cost, gain - cost
    )


def _months(i: RoiInputs, rows: list[YearRow]) -> tuple[MonthRow, ...]:
    out: list[MonthRow] = []
    before = ZERO  # the cumulative at the end of the previous year
    for row in rows:
        cumulative = before
        for j in range(1, 13):
            month = (row.year - 1) * 12 + j
            gain = row.gain / 12
            cost = row.cost if j == 1 else ZERO
            if i.discount == 0:  # exact: a cumulative that is zero compares as zero (the payback month)
                present = gain - cost
                cumulative = before + row.gain * j / 12 - row.cost
            else:
                present = gain * _factor(i.discount, month) - cost * _factor(i.discount, month - 1)
                cumulative += present
            out.append(MonthRow(month, gain, cost, gain - cost, present, cumulative))
        before = before + row.net if i.discount == 0 else cumulative
    return tuple(out)


def _factor(rate: Decimal, month: int) -> Decimal:
    """The present value of 1 paid ``month`` months from the start at a yearly ``rate``: (1 + rate)^(-month/12)."""
    if rate == 0 or month == 0:
        return ONE
    return (ONE + rate) ** (Decimal(-month) / 12)


def _payback(months: tuple[MonthRow, ...]) -> int | None:
    """The first month whose cumulative (discounted) net is at or above zero and stays so to the horizon: a later
    year's cost may pull the cumulative below zero again, and a payback that does not last is none."""
    payback = None
    for row in months:
        if row.cumulative < 0:
            payback = None
        elif payback is None:
            payback = row.month
    return payback


# --- helpers -------------------------------------------------------------------------------------------------
def with_value(i: RoiInputs, name: str, value: Decimal | int) -> RoiInputs:
    """``i`` with one input changed, kept in its domain: rates clamped to 0..100% (the churn cut to the churn),
    the horizon to a whole number of years from 1, money to zero or more."""
    if name == "years":
        value = max(1, min(MAX_YEARS, int(Decimal(value).to_integral_value(ROUND_HALF_UP))))
        return replace(i, years=value)
    value = max(Decimal(value), ZERO)
    if name in ("churn", "margin", "discount"):
        value = min(value, ONE)
    if name == "margin" and value == 0:
        value = Decimal("0.0001")
    if name == "uplift":
        value = min(value, MAX_UPLIFT)
    changed = {name: value}
    churn = value if name == "churn" else i.churn
    if name == "churn_cut":
        changed[name] = min(value, churn)
    elif name == "churn" and i.churn_cut > churn:
        changed["churn_cut"] = churn
    return replace(i, **changed)


def to_minor(amount: Decimal) -> int:
    """Money in major units -> minor units, half up (for tables; the models keep the exact decimals)."""
    return int((amount * 100).to_integral_value(ROUND_HALF_UP))


def percent(value: Decimal, places: int = 2) -> Decimal:
    """A fraction as a percent rounded half up: 0.425 -> 42.50."""
    return (value * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _pct(value: Decimal) -> str:
    return f"{percent(value, 4).normalize():f}%"


def parse_rate(text: str, *, field: str, label: str | None = None, allow_over_100: bool = False) -> Decimal:
    """ "10%" -> Decimal("0.10"). The percent sign is required, so "10" can never be read as 1000%."""
    name = label or field
    raw = text.strip().replace(",", ".")
    if not raw.endswith("%"):
        raise InvalidInput(
            f'write {name} as a percentage such as "10%", got {text!r}', code="invalid_rate", field=field
        )
    try:
        value = Decimal(raw[:-1].strip()) / 100
    except InvalidOperation:
        raise InvalidInput(f"{name}: {text!r} is not a percentage", code="invalid_rate", field=field) from None
    if not value.is_finite():
        raise InvalidInput(f"{name}: {text!r} is not a percentage", code="invalid_rate", field=field)
    if value < 0:
        raise InvalidInput(f"{name} must not be negative, got {text!r}", code="negative_rate", field=field)
    if value > 1 and not allow_over_100:
        raise InvalidInput(f"{name} must be at most 100%, got {text!r}", code="invalid_rate", field=field)
    return value
