"""Russian taxpayer number (ИНН) validation by its check digits."""

from __future__ import annotations

from loyalka.errors import InvalidInput

_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def is_valid_inn(inn: str) -> bool:
    """10 digits for an organisation, 12 for an individual entrepreneur; check digits must match."""
    if not inn.isdigit() or len(inn) not in (10, 12) or not inn.isascii():
        return False
    d = [int(c) for c in inn]
    if len(inn) == 10:
        return _check(d, _W10) == d[9]
    return _check(d, _W11) == d[10] and _check(d, _W12) == d[11]


def validate_inn(inn: str, *, field: str = "inn") -> str:
    inn = inn.strip()
    if not inn.isdigit() or len(inn) not in (10, 12):
        raise InvalidInput(f"INN must be 10 or 12 digits, got {inn!r}", code="invalid_inn", field=field)
    if not is_valid_inn(inn):
        raise InvalidInput(f"INN {inn} fails its checksum", code="invalid_inn", field=field)
    return inn


def make_inn10(prefix9: str) -> str:
    """Complete 9 digits with the check digit: used by the demo generator for valid company INNs."""
    d = [int(c) for c in prefix9]
    return prefix9 + str(_check(d, _W10))
