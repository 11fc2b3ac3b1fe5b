"""Rows of an orders CSV into orders: one row per order (a total), or one row per line of an order.

A file with a `sku` column has a row per line: the rows of one order share its `order_id` (and its version),
and repeat the order's own columns (account, occurred_at...) or leave them blank after the first row; values
that disagree are an error. Without `sku`, each row is a whole order with its `total`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from loyalka.domain.events import OrderIn, OrderLine
from loyalka.domain.money import parse_minor
from loyalka.errors import InvalidInput, LoyaltyError

ORDER_COLUMNS = ("account", "order_id", "occurred_at")
ORDER_OPTIONAL = ("total", "event_id", "contact", "redeem", "version", "delivery_on", "invoice_id", "due_on")
LINE_COLUMNS = ("sku", "amount")
LINE_OPTIONAL = ("category", "quantity", "promo", "cost")
_ORDER_FIELDS = (
    "account",
    "occurred_at",
    "event_id",
    "contact",
    "redeem",
    "delivery_on",
    "invoice_id",
    "due_on",
    "total",
)
QUANTITY_DIGITS, QUANTITY_DECIMALS = 18, 6
_TRUE = {"1", "true", "yes", "да", "y"}
_FALSE = {"", "0", "false", "no", "нет", "n"}


def required_columns(header: list[str]) -> tuple[str, ...]:
    return ORDER_COLUMNS + LINE_COLUMNS if "sku" in header else (*ORDER_COLUMNS, "total")


@dataclass
class RowError:
    line: int
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"line {self.line}{where}: {self.message}"


@dataclass
class _Group:
    first_line: int
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    lines: list[OrderLine] = field(default_factory=list)
    broken: bool = False


def parse_orders(rows: Iterable[tuple[int, dict[str, str]]], errors: list[RowError]) -> list[tuple[int, OrderIn]]:
    """Orders of the rows, each with the line number it starts on; broken rows go to ``errors``."""
    groups: dict[tuple[str, str], _Group] = {}
    whole: list[tuple[int, OrderIn]] = []
    for number, row in rows:
        try:
            _check_shape(row)
            if "sku" not in row:
                whole.append((number, order_of(row, ())))
                continue
            key = (row["order_id"].strip(), (row.get("version") or "1").strip())
            group = groups.setdefault(key, _Group(number))
            group.rows.append((number, row))
            group.lines.append(line_of(row))
        except LoyaltyError as exc:
            errors.append(RowError(number, exc.message, exc.field))
            if "sku" in row and row.get("order_id") is not None:
                key = (row["order_id"].strip(), (row.get("version") or "1").strip())
                groups.setdefault(key, _Group(number)).broken = True
    for (ref, _), group in groups.items():
        if group.broken:
            if group.rows:
                errors.append(RowError(group.rows[0][0], f"order {ref!r} is left out: one of its lines is broken"))
            continue
        try:
            whole.append((group.first_line, order_of(_merged(group), tuple(group.lines))))
        except LoyaltyError as exc:
            errors.append(RowError(group.first_line, exc.message, exc.field))
    return sorted(whole, key=lambda item: item[0])


def _check_shape(row: dict[str, str]) -> None:
    if None in row:
        raise InvalidInput("the row has more fields than the header", code="extra_fields")
    for column, value in row.items():
        if value is None:
            raise InvalidInput("the row has fewer fields than the header", code="missing_fields", field=column)


def _merged(group: _Group) -> dict[str, str]:
    """The order's own columns: the first non-blank value of each; another non-blank value is an error."""
    merged: dict[str, str] = dict(group.rows[0][1])
    for number, row in group.rows[1:]:
        for name in _ORDER_FIELDS:
            value = (row.get(name) or "").strip()
            if not value:
                continue
            known = (merged.get(name) or "").strip()
            if not known:
                merged[name] = value
            elif known != value:
                raise InvalidInput(
                    f"line {number} gives {name} {value!r} for order {row['order_id'].strip()!r}, "
                    f"which its first line gives as {known!r}",
                    code="inconsistent_order",
                    field=name,
                )
    return merged


def order_of(row: dict[str, str], lines: tuple[OrderLine, ...]) -> OrderIn:
    order_ref = row["order_id"].strip()
    return OrderIn(
        event_id=(row.get("event_id") or "").strip() or _default_event_id(order_ref, row.get("version")),
        account=row["account"].strip(),
        order_ref=order_ref,
        occurred_at=parse_time(row["occurred_at"]),
        total_minor=parse_minor(row["total"], field="total") if (row.get("total") or "").strip() else 0,
        contact=(row.get("contact") or "").strip() or None,
        redeem_minor=parse_minor(row.get("redeem") or "0", field="redeem"),
        lines=lines,
        version=_version(row.get("version")),
        delivery_on=_date(row.get("delivery_on"), "delivery_on"),
        invoice_ref=(row.get("invoice_id") or "").strip() or None,
        due_on=_date(row.get("due_on"), "due_on"),
    )


def _default_event_id(order_ref: str, version: str | None) -> str:
    version = (version or "").strip()
    return f"order:{order_ref}" if version in ("", "1") else f"order:{order_ref}:v{version}"


def line_of(row: dict[str, str]) -> OrderLine:
    quantity_text = (row.get("quantity") or "").strip() or "1"
    try:
        quantity = Decimal(quantity_text.replace(",", "."))
    except InvalidOperation as exc:
        raise InvalidInput(
            f"quantity {quantity_text!r} is not a number", code="invalid_quantity", field="quantity"
        ) from exc
    if not _fits(quantity):
        raise InvalidInput(
            f"quantity {quantity_text!r} is not a quantity: above zero, at most {QUANTITY_DIGITS} digits, "
            f"{QUANTITY_DECIMALS} of them after the point",
            code="invalid_quantity",
            field="quantity",
        )
    cost = (row.get("cost") or "").strip()
    return OrderLine(
        sku=row["sku"].strip(),
        amount_minor=parse_minor(row["amount"], field="amount"),
        category=(row.get("category") or "").strip() or None,
        quantity=quantity,
        promo=_flag(row.get("promo"), "promo"),
        cost_minor=parse_minor(cost, field="cost") if cost else None,
    )


def _fits(quantity: Decimal) -> bool:
    """What the API accepts (api/schemas.py ``LineIn.quantity``): above zero, at most 18 digits, 6 decimals."""
    if not quantity.is_finite() or quantity <= 0:
        return False
    _, digits, exponent = quantity.as_tuple()
    assert isinstance(exponent, int)
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:  # "2.500" has one decimal
        digits, exponent = digits[:-1], exponent + 1
    decimals, whole = max(-exponent, 0), max(len(digits) + exponent, 0)
    return decimals <= QUANTITY_DECIMALS and whole + decimals <= QUANTITY_DIGITS


def parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"{value!r} is not an ISO 8601 date-time", code="invalid_datetime", field="occurred_at"
        ) from exc
    if parsed.tzinfo is None:
        raise InvalidInput(
            f"{value!r} has no time zone offset (e.g. +03:00)", code="naive_datetime", field="occurred_at"
        )
    return parsed


def _date(value: str | None, name: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{name} {text!r} is not a date (YYYY-MM-DD)", code="invalid_date", field=name) from exc


def _version(value: str | None) -> int:
    text = (value or "").strip() or "1"
    if not text.isdigit():
        raise InvalidInput(f"version {text!r} is not a whole number", code="invalid_version", field="version")
    return int(text)


def _flag(value: str | None, name: str) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInput(f"{name} {value!r} is not yes/no (1/0, true/false)", code="invalid_flag", field=name)
