"""The reports of ``loyalka roi`` (the seed's example beside the sound model, the sensitivity) and of
``loyalka roi economics`` (discount vs bonus)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import polars as pl

from loyalka.analytics import economics as econ
from loyalka.analytics import sensitivity as sens
from loyalka.analytics.report import Report, add_chart, add_table
from loyalka.analytics.roi import RoiInputs, SeedResult, SoundResult, percent, seed_model, sound_model, to_minor


def side_by_side(i: RoiInputs, seed: SeedResult, sound: SoundResult) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The seed's figures and the sound model's, row by row (money in minor units, ROI in percent)."""
    setup = " + setup" if i.setup else ""
    counted = "revenue" if i.margin == 1 else f"margin {percent(i.margin).normalize():f}%"
    rows: list[tuple[str, int | None, int | None, str]] = [
        ("gain over the horizon", to_minor(seed.gain), to_minor(sound.gain), f"seed: revenue; sound: {counted}"),
        ("  of which: clients kept", None, to_minor(sound.retention_gain), "the seed counts only their uplift"),
        ("  of which: more purchases", to_minor(seed.gain), to_minor(sound.uplift_gain), ""),
        ("cost", to_minor(i.cost), to_minor(sound.cost), f"seed: V once; sound: V x {i.years} years{setup}"),
        ("net", to_minor(seed.gain - i.cost), to_minor(sound.net), ""),
        ("break-even yearly cost", to_minor(seed.gain), to_minor(sound.break_even_cost), "the V at which it pays"),
    ]
    if i.discount:
        rows.append(("net present value", None, to_minor(sound.npv), f"at {percent(i.discount).normalize():f}% a year"))
    frame = pl.DataFrame(rows, schema=["figure", "seed_minor", "sound_minor", "note"], orient="row")
    ratios = pl.DataFrame(
        {
            "figure": ["ROI, %" + (" (discounted)" if i.discount else ""), "payback month"],
            "seed": [str(percent(seed.roi)), "—"],
            "sound": [str(percent(sound.roi)), "none" if sound.payback_month is None else str(sound.payback_month)],
        }
    )
    return frame, ratios


def roi_report(
    i: RoiInputs,
    *,
    spread: Decimal = Decimal("0.5"),
    ranges: Mapping[str, tuple[Decimal, Decimal]] | None = None,
    metric: str = "roi",
    grid: tuple[str, str] = ("churn_cut", "uplift"),
    steps: int = 5,
    currency: str = "RUB",
    notes: Sequence[str] = (),
) -> Report:
    """``notes``: where the inputs come from (a history's estimate of Z and W), shown first."""
    seed, sound = seed_model(i), sound_model(i)
    report = Report("Loyalty program ROI (seed 002)", f"per large client, money in {currency}")
    figures, ratios = side_by_side(i, seed, sound)
    section = report.section(
        "The seed's example and the sound model",
        *notes,
        f"Seed's model: gain = Z*Y*N*(1 - (W - X)) = {seed.gain:,.2f}, ROI = (gain - V)/V = {percent(seed.roi)}%.",
        f"The formula as printed, (Z*Y/100)*N*(1-W+X)/100, gives {seed.printed_gain:,.2f} (ROI "
        f"{percent(seed.printed_roi)}%) with W and X as percent numbers, as the seed substitutes them, and "
        f"{seed.mixed_gain:,.2f} (ROI {percent(seed.mixed_roi)}%) with W and X as fractions.",
        "Sound model: clients compound ((1-W)^t without, (1-(W-X))^t with the program), V is paid every year, the "
        "gain is counted on the margin when one is given, discounted when a rate is given.",
    )
    add_table(section, "ROI side by side", figures, "money in minor units shown in major units")
    add_table(section, "ROI ratios", ratios)
    add_table(section, "ROI inputs", inputs_frame(i))
    add_table(section, "sound model by year", years_frame(sound))
    add_table(section, "sound model by month", months_frame(sound))
    rows = sens.tornado(i, spread=spread, ranges=ranges, metric=metric)
    base = sound.roi if metric == "roi" else sound.npv
    shown = f"{percent(base)}%" if metric == "roi" else f"{base:,.2f}"
    title = f"{'ROI' if metric == 'roi' else 'NPV'} of the sound model (base {shown}); each input alone, low to high"
    section = report.section(
        "Sensitivity",
        f"Each input moves alone from its low to its high value (±{percent(spread).normalize():f}% of its base unless "
        "a range is given); the others stay at base. The seed's ROI at the same values is beside it.",
    )
    add_table(section, "tornado", sens.tornado_frame(rows, metric))
    add_chart(section, "tornado", sens.tornado_chart(rows, base, metric, title), title)
    rows_name, cols_name = grid
    grid_title = f"{sens.PARAMETERS[rows_name][0]} by {sens.PARAMETERS[cols_name][0]}"
    add_table(
        section,
        f"two-way {grid_title}",
        sens.two_way(i, rows_name, cols_name, spread=spread, steps=steps, ranges=ranges, metric=metric),
        f"{'ROI, %' if metric == 'roi' else 'NPV'} of the sound model",
    )
    if {rows_name, cols_name} <= set(sens.SEED_INPUTS):
        add_table(
            section,
            f"two-way {grid_title} seed",
            sens.two_way(i, rows_name, cols_name, spread=spread, steps=steps, ranges=ranges, model="seed"),
            "ROI, % of the seed's model",
        )
    return report


def inputs_frame(i: RoiInputs) -> pl.DataFrame:
    names = ["revenue", "years", "churn", "churn_cut", "uplift", "cost", "margin", "discount", "setup"]
    return pl.DataFrame(
        {
            "input": [f"{sens.PARAMETERS[n][0]} ({sens.PARAMETERS[n][1]})" for n in names],
            "value": [sens.label(n, Decimal(getattr(i, n))) for n in names],
        }
    )


def years_frame(sound: SoundResult) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "year": [r.year for r in sound.years],
            "clients_without": [r.stay_without for r in sound.years],
            "clients_with": [r.stay_with for r in sound.years],
            "revenue_without_minor": [to_minor(r.revenue_without) for r in sound.years],
            "revenue_with_minor": [to_minor(r.revenue_with) for r in sound.years],
            "retention_gain_minor": [to_minor(r.retention_gain) for r in sound.years],
            "uplift_gain_minor": [to_minor(r.uplift_gain) for r in sound.years],
            "gain_minor": [to_minor(r.gain) for r in sound.years],
            "cost_minor": [to_minor(r.cost) for r in sound.years],
            "net_minor": [to_minor(r.net) for r in sound.years],
        },
        strict=False,
    ).with_columns(pl.col("clients_without", "clients_with").cast(pl.Float64))


def months_frame(sound: SoundResult) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "month": [m.month for m in sound.months],
            "gain_minor": [to_minor(m.gain) for m in sound.months],
            "cost_minor": [to_minor(m.cost) for m in sound.months],
            "present_net_minor": [to_minor(m.present_net) for m in sound.months],
            "cumulative_minor": [to_minor(m.cumulative) for m in sound.months],
        }
    )


def economics_report(offer: econ.Offer, max_rate: Decimal | None = None) -> Report:
    report = Report("Discount vs bonus (seed 001)", "what each costs the seller, per 1 of sales at list price")
    table = econ.table(offer)
    equivalent = econ.equivalent_bonus_rate(offer)
    section = report.section(
        "The costs at the given rate",
        f"Price = cost x (1 + {percent(offer.markup).normalize():f}%): the gross margin is "
        f"{percent(offer.margin)}% of the price. A bonus is a point per unit of money of the sale, worth 1 unit; "
        f"{percent(offer.redemption).normalize():f}% of the points are spent, "
        f"{percent(offer.breakage).normalize():f}% expire or are forfeited unspent (breakage).",
        "At face value: the points pay for purchases the client would have made anyway (the prudent figure); at cost "
        "of goods: they pay for purchases the client would not have made.",
        (
            f"The bonus rate costing (at face value) what a {percent(offer.rate).normalize():f}% discount costs: "
            f"{percent(equivalent)}%."
        )
        if equivalent is not None
        else "No point is ever spent: the bonus costs nothing (and is worth nothing to the client).",
    )
    add_table(section, "discount vs bonus", table)
    data = econ.curve(offer, max_rate)
    add_table(section, "costs by rate", data)
    add_chart(section, "economics", econ.chart(offer, data), "cost as a share of the gross margin, by rate")
    seed = report.section(
        "Seed 001: 'a 10% discount at a 30% markup eats at least 32.5% of your income'",
        "Each reading of the claim with the given markup and rate (docs/analytics/roi.md says which is right).",
    )
    add_table(seed, "seed 001 readings", econ.readings_frame(offer.markup, offer.rate))
    return report
