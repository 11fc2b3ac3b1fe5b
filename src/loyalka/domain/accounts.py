"""Client companies and their contact persons, as validated input."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from loyalka.domain.inn import validate_inn
from loyalka.errors import InvalidInput

_CODE = re.compile(r"^[A-Za-z0-9А-Яа-яЁё_.:#\-/]{1,64}$")
_REFERRAL = re.compile(r"^[A-Za-z0-9\s\-]{1,32}$")  # the shape; services.referrals checks the code itself
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
STATUSES = ("active", "left", "blocked")
# free-text fields and the length of their columns (storage/tables.py)
ACCOUNT_TEXT = {"name": 300, "region": 100, "industry": 100, "manager": 200}
CONTACT_TEXT = {"name": 200, "role": 100, "email": 200, "phone": 40}
LANGUAGES = ("ru", "en")


def check_text(value: str | None, *, field: str, most: int) -> None:
    """Free text the database stores in a column of ``most`` characters (PostgreSQL refuses longer text and the
    NUL character, SQLite would keep them): refused here, with the field, before anything is written."""
    if value is None:
        return
    if "\x00" in value:
        raise InvalidInput(f"{field} contains the NUL character (\\u0000)", code="invalid_text", field=field)
    if len(value) > most:
        raise InvalidInput(
            f"{field} is {len(value)} characters long; at most {most}", code="text_too_long", field=field
        )


def validate_code(value: str, *, field: str) -> str:
    value = value.strip() if isinstance(value, str) else value
    if not isinstance(value, str) or not _CODE.match(value):
        raise InvalidInput(
            f"{field} must be 1-64 letters, digits or _ . : # - /, got {value!r}", code="invalid_code", field=field
        )
    return value


@dataclass(frozen=True, slots=True)
class ContactIn:
    code: str
    name: str
    role: str | None = None
    birthday: date | None = None
    email: str | None = None
    phone: str | None = None
    can_spend: bool = True
    monthly_spend_limit_minor: int | None = None

    def __post_init__(self) -> None:
        validate_code(self.code, field="contact.code")
        if not self.name.strip():
            raise InvalidInput("a contact needs a name", code="missing_name", field="contact.name")
        for name, most in CONTACT_TEXT.items():
            check_text(getattr(self, name), field=f"contact.{name}", most=most)
        if self.email is not None and not _EMAIL.match(self.email):
            raise InvalidInput(f"{self.email!r} is not an e-mail address", code="invalid_email", field="contact.email")
        if self.monthly_spend_limit_minor is not None and self.monthly_spend_limit_minor < 0:
            raise InvalidInput(
                "a spending limit cannot be negative", code="negative_amount", field="contact.monthly_spend_limit"
            )


@dataclass(frozen=True, slots=True)
class AccountIn:
    code: str
    name: str
    inn: str | None = None
    region: str | None = None
    industry: str | None = None
    manager: str | None = None
    tags: tuple[str, ...] = ()
    contacts: tuple[ContactIn, ...] = field(default_factory=tuple)
    language: str = "ru"  # of the messages the company receives: ru or en
    founded_on: date | None = None  # the company's founding date (anniversary trigger)
    referred_by: str | None = None  # the referral code of the company that brought this one

    def __post_init__(self) -> None:
        validate_code(self.code, field="code")
        if self.referred_by is not None and not _REFERRAL.match(self.referred_by):
            raise InvalidInput(
                f"referred_by must be a referral code such as K7M2Q9XA, got {self.referred_by!r}",
                code="invalid_referral_code",
                field="referred_by",
            )
        if not self.name.strip():
            raise InvalidInput("a company needs a name", code="missing_name", field="name")
        for name, most in ACCOUNT_TEXT.items():
            check_text(getattr(self, name), field=name, most=most)
        for tag in self.tags:
            check_text(tag, field="tags", most=100)
        if self.inn is not None:
            validate_inn(self.inn)
        if self.language not in LANGUAGES:
            raise InvalidInput(
                f"language must be one of {', '.join(LANGUAGES)}, got {self.language!r}",
                code="invalid_language",
                field="language",
            )
        codes = [c.code for c in self.contacts]
        if len(codes) != len(set(codes)):
            raise InvalidInput("two contacts share one code", code="duplicate_contact", field="contacts")
