"""Money and points as integers in minor units (kopecks, hundredths of a point); never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation

from loyalka.errors import InvalidInput

_AMOUNT = re.compile(r"^-?\d{1,15}(\.\d{1,2})?$")
MAX_MINOR = 10**17 - 1  # 999,999,999,999,999.99: the largest amount, and the largest sum an order may reach

ROUNDING_MODES = {
    "down": ROUND_DOWN,
    "up": ROUND_UP,
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
}


def parse_minor(value: object, *, field: str = "amount", allow_negative: bool = False) -> int:
    """Parse an amount given in major units ("1234.56", 1234, Decimal) into minor units (123456).

    Floats are refused: a binary float cannot carry kopecks exactly, so the caller must send a string.
    """
    if isinstance(value, (bool, float)):
        raise InvalidInput(
            f'{field} must be a decimal string such as "1234.56" or an integer, not {type(value).__name__}',
            code="invalid_amount",
            field=field,
        )
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, str):
        text = value.strip().replace(" ", "").replace("\u00a0", "")
        text = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    else:
        raise InvalidInput(f"{field} must be an amount, got {type(value).__name__}", code="invalid_amount", field=field)
    if not _AMOUNT.match(text):
        raise InvalidInput(
            f"{field} {value!r} is not an amount: at most 15 digits before the point and 2 after",
            code="invalid_amount",
            field=field,
        )
    minor = int((Decimal(text) * 100).to_integral_value())
    if minor < 0 and not allow_negative:
        raise InvalidInput(f"{field} must not be negative, got {value!r}", code="negative_amount", field=field)
    return minor


def format_minor(minor: int) -> str:
    """123456 -> "1234.56" (the API's and the files' notation)."""
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_points(minor: int, decimals: int = 2) -> str:
    """Points in a kind's minor units as text with the kind's decimals: 12000 -> "120.00" (2), 120 -> "120" (0)."""
    if decimals == 2:
        return format_minor(minor)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}" if decimals else f"{sign}{whole}"


def parse_points(value: object, decimals: int, *, field: str = "points", allow_negative: bool = False) -> int:
    """Points given as text or an integer ("120", "120.50") in a kind's minor units; more decimals than the kind
    has are refused."""
    minor = parse_minor(value, field=field, allow_negative=allow_negative)
    step = 10 ** (2 - decimals)
    if minor % step:
        raise InvalidInput(
            f"{field} {value!r} has more decimals than the point kind's {decimals}", code="invalid_points", field=field
        )
    return minor // step


def format_human(minor: int, unit: str = "₽") -> str:
    """123456 -> "1 234,56 ₽" (Russian notation for people)."""
    sign = "−" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 100)
    grouped = f"{whole:,}".replace(",", "\u00a0")
    return f"{sign}{grouped},{frac:02d}\u00a0{unit}".rstrip()


def apply_rate(base_minor: int, rate: Decimal, rounding: str) -> int:
    """base × rate, rounded to a whole minor unit by the named mode ("down" by default in programs)."""
    try:
        return int((Decimal(base_minor) * rate).quantize(Decimal(1), rounding=ROUNDING_MODES[rounding]))
    except (KeyError, InvalidOperation) as exc:  # pragma: no cover - programs are validated before use
        raise InvalidInput(f"cannot apply rate {rate} with rounding {rounding!r}") from exc


@dataclass(frozen=True, slots=True, order=True)
class Money:
    minor: int
    currency: str = "RUB"

    @classmethod
    def parse(cls, value: object, currency: str = "RUB", *, field: str = "amount") -> Money:
        return cls(parse_minor(value, field=field), currency)

    def __str__(self) -> str:
        return f"{format_minor(self.minor)} {self.currency}"


@dataclass(frozen=True, slots=True, order=True)
class Points:
    minor: int
    kind: str

    def __str__(self) -> str:
        return f"{format_minor(self.minor)} {self.kind}"
