"""Dates as people read them, in Russian and English."""

from __future__ import annotations

from datetime import date

NBSP = "\u00a0"
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(day: date, lang: str) -> str:
    """For documents: "12 июля 2026 г." / "12 July 2026"."""
    if lang == "ru":
        return f"{day.day}{NBSP}{MONTHS_GENITIVE[day.month - 1]} {day.year}{NBSP}г."
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def short_date(day: date, lang: str) -> str:
    """For messages: "12.07.2026" / "12 July 2026"."""
    if lang == "ru":
        return day.strftime("%d.%m.%Y")
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
