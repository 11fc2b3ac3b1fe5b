"""Rich renderings of accounts and reports for the terminal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from loyalka.analytics.kpis import percent
from loyalka.demo.replay import DemoReport
from loyalka.domain.money import format_human


def _points(text: str) -> str:
    """ "12345.50" -> "12 345,50"; "1200" -> "1 200" (points keep their kind's decimals)."""
    whole, _, frac = text.partition(".")
    sign = "−" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-')):,}".replace(",", "\u00a0")
    return f"{sign}{grouped},{frac}" if frac else f"{sign}{grouped}"


def account_panel(data: dict[str, Any]) -> Panel:
    head = Table.grid(padding=(0, 2))
    for label, key in (
        ("Компания", "name"),
        ("ИНН", "inn"),
        ("Регион", "region"),
        ("Отрасль", "industry"),
        ("Менеджер", "manager"),
        ("Статус", "status"),
    ):
        head.add_row(label, str(data.get(key) or "—"))
    parts: list[Any] = [head]
    for kind in data["balances"]:
        table = Table(
            title=f"{kind['name']}: доступно {_points(kind['spendable'])}, ожидает {_points(kind['pending'])}",
            title_justify="left",
        )
        for column in ("остаток", "начислено", "доступно с", "сгорает", "правило"):
            table.add_column(column)
        for lot in kind["lots"]:
            table.add_row(
                lot["remaining"],
                lot["earned"],
                lot["available_from"][:16],
                (lot["expires_at"] or "никогда")[:16],
                lot["rule"] or "",
            )
        parts.append(table)
    if data["benefits"]:
        parts.append("Привилегии: " + "; ".join(f"{b['name']} до {b['valid_until'][:10]}" for b in data["benefits"]))
    parts.extend(_features(data))
    return Panel(Group(*parts), title=f"Счёт {data['code']}")


def _features(data: dict[str, Any]) -> list[str]:
    """The account card's sections of the mechanics: tier, referral code, stamp cards, unpaid invoices."""
    lines = []
    tier = data.get("tier")
    if tier:
        progress = ""
        if tier.get("next"):
            progress = f"; до уровня «{tier['next'].get('name', tier['next'].get('id'))}» — см. `loyalka tiers show`"
        lines.append(f"Уровень: {tier['name']} (с {tier['since'][:10]}, множитель {tier['earn_multiplier']}){progress}")
    referral = data.get("referral")
    if referral:
        lines.append(f"Реферальный код: {referral['code']}")
    for card in data.get("stamp_cards") or []:
        offered = ", ".join(f"столбец {g['column']}: {g['gift']}" for g in card.get("gifts_offered") or [])
        lines.append(
            f"{card['name']}: {card['stamps']} из {card['columns'] * card['cells']} штампов"
            + (f"; можно взять подарок ({offered})" if offered else "")
            + f". {card['next_order']['text']}"
        )
    invoices = data.get("invoices") or {}
    if invoices.get("spending_blocked"):
        lines.append(f"Оплата баллами закрыта: {invoices['spending_blocked']}")
    return lines


def _rub(minor: int) -> str:
    return format_human(minor)


def _change(before: int, after: int) -> str:
    if not before:
        return "—"
    return f"{(Decimal(after - before) / before * 100).quantize(Decimal('0.1')):+}%"


def demo_report(report: DemoReport) -> Group:
    kpis = Table(title=f"Seed 000 KPIs before and after the launch ({report.launch_month})", title_justify="left")
    for column in ("KPI", "before launch", "after launch", "change", "seed's case"):
        kpis.add_column(column)
    b, a = report.before, report.after
    kpis.add_row(
        "average monthly purchases per client",
        _rub(b.avg_monthly_purchases_minor),
        _rub(a.avg_monthly_purchases_minor),
        _change(b.avg_monthly_purchases_minor, a.avg_monthly_purchases_minor),
        "7 500 → 11 200 ₽ (+24.4%)",
    )
    kpis.add_row(
        "share of client-months under 7 500 ₽",
        percent(b.share_under_threshold),
        percent(a.share_under_threshold),
        "",
        "65% before",
    )
    kpis.add_row(
        "quarter-to-quarter retention",
        percent(b.quarterly_retention),
        percent(a.quarterly_retention),
        "",
        "67% → 82% (yearly)",
    )
    kpis.add_row("sales", _rub(b.sales_minor), _rub(a.sales_minor), "", "")
    program = Table(title="Program after launch", title_justify="left")
    program.add_column("figure")
    program.add_column("value")
    sales = a.sales_minor or 1
    program.add_row(
        "bonuses earned", f"{_rub(report.earned_minor)} ({percent(Decimal(report.earned_minor) / sales)} of sales)"
    )
    program.add_row(
        "bonuses spent on orders (program cost)",
        f"{_rub(report.redeemed_minor)} ({percent(Decimal(report.redeemed_minor) / sales)} of sales; seed: 5.1%)",
    )
    program.add_row("bonuses expired unspent", _rub(report.expired_minor))
    program.add_row("bonuses forfeited by clients who left", _rub(report.forfeited_minor))
    program.add_row("members enrolled (incl. newcomers)", str(report.members_active + report.members_left))
    program.add_row("members now / left the program", f"{report.members_active} / {report.members_left}")
    program.add_row("companies / orders in the history", f"{report.companies} / {report.orders}")
    program.add_row("months closed", str(report.closes))
    return Group(kpis, program)
