"""The words of the published rules: numbers, money, points with number agreement, periods, dates, in
Russian (the contract's language) and in English. Pure functions; no program logic here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from loyalka.domain.dates import long_date
from loyalka.program.models import Program
from loyalka.program.publication import Units

NBSP = "\u00a0"
Lang = Literal["ru", "en"]
LANGS: tuple[Lang, ...] = ("ru", "en")

CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£", "KZT": "₸", "BYN": "Br"}

DEFAULT_UNITS = Units(ru=["балл", "балла", "баллов"], en=["point", "points"])
DAY = Units(ru=["день", "дня", "дней"], en=["day", "days"])
MONTH = Units(ru=["месяц", "месяца", "месяцев"], en=["month", "months"])
TIMES = Units(ru=["раз", "раза", "раз"], en=["time", "times"])
PERIOD_UNITS = {
    "month": MONTH,
    "quarter": Units(ru=["квартал", "квартала", "кварталов"], en=["quarter", "quarters"]),
    "half_year": Units(ru=["полугодие", "полугодия", "полугодий"], en=["half-year", "half-years"]),
    "year": Units(ru=["год", "года", "лет"], en=["year", "years"]),
}


def plural_ru(n: int | Decimal, forms: Sequence[str]) -> str:
    """The Russian form for a count: 1 балл, 2 балла, 5 баллов, 11 баллов, 21 балл; 1,5 балла."""
    if isinstance(n, Decimal) and n != n.to_integral_value():
        return forms[1]
    rest = abs(int(n)) % 100
    if 11 <= rest <= 14:
        return forms[2]
    rest %= 10
    if rest == 1:
        return forms[0]
    return forms[1] if 2 <= rest <= 4 else forms[2]


def plural_en(n: int | Decimal, forms: Sequence[str]) -> str:
    return forms[0] if n == 1 else forms[1]


def number(value: int | Decimal, lang: Lang, *, cents: bool = False) -> str:
    """1000000 -> "1 000 000" (non-breaking spaces) / "1,000,000"; fractions only when there are any, with two
    digits for money (``cents``): 500000.01 -> "500 000,01", 0.5 -> "0,5"."""
    value = Decimal(value)
    sign = "−" if value < 0 else ""
    value = abs(value)
    whole = int(value)
    fraction = value - whole
    grouped = f"{whole:,}".replace(",", NBSP if lang == "ru" else ",")
    if not fraction:
        return f"{sign}{grouped}"
    digits = f"{fraction:.2f}"[2:] if cents else format(fraction.normalize(), "f")[2:]
    return f"{sign}{grouped}{',' if lang == 'ru' else '.'}{digits}"


@dataclass(frozen=True, slots=True)
class Words:
    """A language bound to a program: its currency, its category names, its point kinds' units."""

    lang: Lang
    program: Program

    def say(self, ru: str, en: str) -> str:
        return ru if self.lang == "ru" else en

    # --- numbers and amounts ---------------------------------------------------------------------------
    def count(self, n: int | Decimal, units: Units, *, cents: bool = False) -> str:
        """A number with its noun in agreement: "5 дней", "1 day"."""
        forms = units.ru if self.lang == "ru" else units.en
        word = plural_ru(n, forms) if self.lang == "ru" else plural_en(n, forms)
        return f"{number(n, self.lang, cents=cents)}{NBSP}{word}"

    def money(self, minor: int) -> str:
        """123456 -> "1 234,56 ₽" / "1,234.56 RUB"; kopecks only when there are any."""
        currency = self.program.program.currency
        amount = number(Decimal(minor) / 100, self.lang, cents=True)
        return f"{amount}{NBSP}{CURRENCY_SIGNS[currency] if self.lang == 'ru' else currency}"

    def percent(self, rate: Decimal) -> str:
        return f"{number((rate * 100).normalize(), self.lang)}%"

    def factor(self, value: Decimal) -> str:
        return number(value.normalize(), self.lang)

    def units(self, kind: str) -> Units:
        return self.program.publication.units.get(kind, DEFAULT_UNITS)

    def points(self, kind: str, configured_minor: int) -> str:
        """A points figure as the file writes it (hundredths): "2 000 премиум-баллов", "100 bonus rubles";
        with several kinds and no units of its own, the kind's name follows in brackets."""
        cents = self.program.point_kinds[kind].decimals == 2
        text = self.count(Decimal(configured_minor) / 100, self.units(kind), cents=cents)
        if len(self.program.point_kinds) > 1 and kind not in self.program.publication.units:
            text += f" ({self.kind_name(kind)})"
        return text

    def any_points(self, configured_minor: int) -> str:
        """Points of no one kind (a figure that counts every kind): "2 000 баллов"."""
        return self.count(Decimal(configured_minor) / 100, DEFAULT_UNITS)

    def kind_name(self, kind: str) -> str:
        return self.quote(self.program.point_kinds[kind].name(self.lang))

    def days(self, n: int) -> str:
        return self.count(n, DAY)

    def months(self, n: int) -> str:
        return self.count(n, MONTH)

    def periods(self, n: int, unit: str) -> str:
        return self.count(n, PERIOD_UNITS[unit])

    # --- names ------------------------------------------------------------------------------------------
    def quote(self, text: str) -> str:
        return f"«{text}»" if self.lang == "ru" else f"“{text}”"

    def category(self, category: str) -> str:
        named = self.program.publication.categories.get(category)
        return self.quote(named(self.lang) if named else category)

    def categories(self, categories: Sequence[str]) -> str:
        return self.join([self.category(c) for c in categories])

    def join(self, items: Sequence[str], *, word: str | None = None) -> str:
        """ "a, b и c" / "a, b and c" (``word`` replaces и / and, e.g. with или / or)."""
        conj = word or self.say("и", "and")
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {conj} {items[-1]}"

    # --- time -------------------------------------------------------------------------------------------
    def date(self, day: date) -> str:
        return long_date(day, self.lang)

    def zone(self) -> str:
        """ "по московскому времени" / "Moscow time"; other zones by their IANA name."""
        tz = self.program.program.timezone
        if tz == "Europe/Moscow":
            return self.say("по московскому времени", "Moscow time")
        return self.say(f"по времени часового пояса {tz}", f"{tz} time")

    def period(self, unit: str) -> str:
        """A calendar period in the nominative: "календарный месяц" / "calendar month"."""
        return {
            "month": self.say("календарный месяц", "calendar month"),
            "quarter": self.say("календарный квартал", "calendar quarter"),
            "half_year": self.say("календарное полугодие", "calendar half-year"),
            "year": self.say("календарный год", "calendar year"),
        }[unit]

    def each_period(self, unit: str) -> str:
        """ "каждого календарного месяца" / "each calendar month" (after "по итогам", "at the close of")."""
        return {
            "month": self.say("каждого календарного месяца", "each calendar month"),
            "quarter": self.say("каждого календарного квартала", "each calendar quarter"),
            "half_year": self.say("каждого календарного полугодия", "each calendar half-year"),
            "year": self.say("каждого календарного года", "each calendar year"),
        }[unit]

    def in_period(self, unit: str) -> str:
        """ "за календарный месяц" / "in a calendar month"."""
        return self.say("за ", "in a ") + self.period(unit)

    def period_span(self, unit: str) -> str:
        """The calendar dates a period covers, spelled out."""
        return {
            "month": self.say("с 1-го по последнее число месяца", "from the 1st to the last day of the month"),
            "quarter": self.say(
                "январь — март, апрель — июнь, июль — сентябрь, октябрь — декабрь",
                "January–March, April–June, July–September, October–December",
            ),
            "half_year": self.say("январь — июнь, июль — декабрь", "January–June, July–December"),
            "year": self.say("с 1 января по 31 декабря", "1 January to 31 December"),
        }[unit]


@dataclass(frozen=True, slots=True)
class Section:
    """One numbered section: a heading and its clauses (a clause may end with "- item" lines)."""

    key: str
    title: str
    clauses: list[str]


@dataclass(frozen=True, slots=True)
class Doc:
    """What every section function gets: the words, and the numbers of the sections (for references)."""

    w: Words
    numbers: dict[str, int]

    @property
    def program(self) -> Program:
        return self.w.program

    def ref(self, key: str) -> str:
        """ "разд. 4" / "section 4" for a section that is present, "" otherwise."""
        if key not in self.numbers:
            return ""
        return self.w.say(f"разд. {self.numbers[key]}", f"section {self.numbers[key]}")

    def rule_ref(self, rule_id: str) -> str:
        """The clause of an earning rule: the rules are the first clauses of the earning section, in file order."""
        index = next(i for i, rule in enumerate(self.program.earning) if rule.id == rule_id)
        return f"{self.numbers.get('earning', 0)}.{index + 1}"  # 0 only in the first pass, which counts sections
