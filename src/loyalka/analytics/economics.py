"""Discount vs bonus (seed 001): what each costs the seller, as a share of the sale and of the gross margin.

A price is the cost marked up: price = cost * (1 + markup), so the gross margin is markup / (1 + markup) of the
price. Per 1 of sales at list price:

    discount d                    costs d of the sale; d * (1 + markup) / markup of the gross margin
    bonus b, redemption r         the client spends r of the points (1 - r is breakage: points that expire or are
                                  forfeited unspent). Points spent on purchases the client would have paid for
                                  anyway cost their face value: b * r of the sale, b * r * (1 + markup) / markup
                                  of the margin. Points spent on purchases the client would not have made cost
                                  only the goods: b * r / (1 + markup) of the sale, b * r / markup of the margin.
                                  The truth lies between; the face value is the prudent figure.

Seed 001 says a 10% discount at a 30% markup "eats at least 32.5% of your income"; ``seed_001_readings`` computes
it under each reading (docs/analytics/roi.md says which is right).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
from matplotlib.figure import Figure

from loyalka.errors import InvalidInput

ONE = Decimal(1)
PLACES = Decimal("0.000001")  # shares are kept to 1e-6 (0.0001%)


@dataclass(frozen=True, slots=True)
class Offer:
    markup: Decimal  # 0.30 = price is cost + 30%
    rate: Decimal  # the discount rate, and the bonus rate (points per 1 of sale, a point worth 1)
    redemption: Decimal  # share of the bonus points eventually spent

    def __post_init__(self) -> None:
        if not isinstance(self.markup, Decimal) or self.markup <= 0:
            raise InvalidInput("the markup must be above 0%", code="invalid_rate", field="markup")
        if self.markup > 100:
            raise InvalidInput("a markup above 10000% is not plausible", code="invalid_rate", field="markup")
        if not 0 <= self.rate <= 1:
            raise InvalidInput("the rate must be from 0% to 100%", code="invalid_rate", field="rate")
        if not 0 <= self.redemption <= 1:
            raise InvalidInput("the redemption must be from 0% to 100%", code="invalid_rate", field="redemption")

    @property
    def breakage(self) -> Decimal:
        return ONE - self.redemption

    @property
    def margin(self) -> Decimal:
        """The gross margin as a share of the list price."""
        return self.markup / (ONE + self.markup)


@dataclass(frozen=True, slots=True)
class Cost:
    mechanic: str
    of_sale: Decimal  # the seller's cost per 1 of sales at list price
    of_margin: Decimal  # the same as a share of the gross margin (1 = the whole margin)
    margin_left: Decimal  # the gross margin left, per 1 of sales at list price


def costs(offer: Offer) -> list[Cost]:
    """The three rows of the table: the discount, the bonus at face value, the bonus at the cost of goods."""
    k, d, r = offer.markup, offer.rate, offer.redemption
    rows = [
        ("discount", d),
        ("bonus, points at face value", d * r),
        ("bonus, points at cost of goods", d * r / (ONE + k)),
    ]
    return [Cost(name, cost, cost * (ONE + k) / k, offer.margin - cost) for name, cost in rows]


def equivalent_bonus_rate(offer: Offer) -> Decimal | None:
    """The bonus rate that costs (at face value) what the discount costs: rate / redemption."""
    return None if offer.redemption == 0 else offer.rate / offer.redemption


def seed_001_readings(
    markup: Decimal = Decimal("0.30"), rate: Decimal = Decimal("0.10")
) -> list[tuple[str, str, Decimal]]:
    """(reading, formula, share of the margin the discount takes)."""
    k, d = markup, rate
    return [
        ("markup on cost (price = cost x 1.3): the discount's share of the gross margin", "d(1+k)/k", d * (1 + k) / k),
        ("'30%' read as a margin on the price (cost = 0.7 x price)", "d/k", d / k),
        (
            "the seed's 32.5%: the discount over markup + discount, two bases added",
            "d(1+k)/(k+d)",
            d * (1 + k) / (k + d),
        ),
    ]


def readings_frame(markup: Decimal, rate: Decimal) -> pl.DataFrame:
    readings = seed_001_readings(markup, rate)
    return pl.DataFrame(
        {
            "reading": [r[0] for r in readings],
            "formula": [r[1] for r in readings],
            "margin_share": [_q(r[2]) for r in readings],
        }
    )


def table(offer: Offer) -> pl.DataFrame:
    rows = costs(offer)
    return pl.DataFrame(
        {
            "mechanic": [c.mechanic for c in rows],
            "offer_rate": [_q(offer.rate)] * len(rows),
            "redemption_rate": [None, _q(offer.redemption), _q(offer.redemption)],
            "cost_of_sale_share": [_q(c.of_sale) for c in rows],
            "cost_of_margin_share": [_q(c.of_margin) for c in rows],
            "margin_left_share": [_q(c.margin_left) for c in rows],
        },
        strict=False,
    )


def curve(offer: Offer, max_rate: Decimal | None = None, step: Decimal = Decimal("0.005")) -> pl.DataFrame:
    """The three costs as shares of the gross margin, for rates from 0 to ``max_rate`` (default: the larger of 25%
    and twice the rate, at most 100%)."""
    top = max_rate if max_rate is not None else min(max(Decimal("0.25"), offer.rate * 2), ONE)
    count = int((top / step).to_integral_value(ROUND_HALF_UP))
    rates = [step * n for n in range(count + 1)]
    by_rate = [costs(Offer(offer.markup, rate, offer.redemption)) for rate in rates]
    return pl.DataFrame(
        {
            "offer_rate": [_q(r) for r in rates],
            "discount_margin_share": [_q(c[0].of_margin) for c in by_rate],
            "bonus_face_margin_share": [_q(c[1].of_margin) for c in by_rate],
            "bonus_goods_margin_share": [_q(c[2].of_margin) for c in by_rate],
        },
        strict=False,
    )


def chart(offer: Offer, data: pl.DataFrame) -> Figure:
    figure = Figure(figsize=(7.5, 4.2))
    axes = figure.add_subplot()
    x = [float(v) * 100 for v in data["offer_rate"]]
    series = (
        ("discount_margin_share", "discount", "#c44e52", "-"),
        ("bonus_face_margin_share", f"bonus, {_pct(offer.redemption)} redeemed, at face value", "#4c72b0", "-"),
        ("bonus_goods_margin_share", f"bonus, {_pct(offer.redemption)} redeemed, at cost of goods", "#4c72b0", "--"),
    )
    for column, name, colour, style in series:
        axes.plot(x, [float(v) * 100 for v in data[column]], style, color=colour, label=name)
    axes.axhline(100, color="#333333", linewidth=0.8)
    axes.text(x[-1], 102, "the whole gross margin", fontsize=8, color="#333333", ha="right")
    at = costs(offer)
    for cost in at[:2]:
        axes.plot([float(offer.rate) * 100], [float(cost.of_margin) * 100], "o", color="#333333", markersize=4)
    if offer.markup == Decimal("0.3") and offer.rate == Decimal("0.1"):
        axes.plot([10], [32.5], "x", color="#8c564b")
        axes.annotate("seed 001: 32.5%", (10, 32.5), (11.5, 35), fontsize=8, color="#8c564b")
    axes.set_xlabel("discount or bonus rate, % of the sale")
    axes.set_ylabel("cost, % of the gross margin")
    axes.set_ylim(0, max(115.0, min(200.0, max(float(v) * 100 for v in data["discount_margin_share"]))))
    axes.set_title(f"What a discount and a bonus cost at a {_pct(offer.markup)} markup", fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    return figure


def _q(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.01')).normalize():f}%"
