"""Referrals as pure rules: the shape of a referral code, and which order of a referred company qualifies."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from loyalka.errors import InvalidInput
from loyalka.program.engagement import Referrals

# no 0/O, 1/I/L: a code read over the phone or from a printed invoice cannot be mistaken
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 31**8 ~ 8.5e11 codes: collisions are rare, and the unique column catches them
_SEPARATORS = re.compile(r"[\s\-]+")


def make_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str, *, field: str = "referral_code") -> str:
    """A referral code as typed ("k7m2-q9xa ") in its stored form ("K7M2Q9XA"); anything else is refused."""
    code = _SEPARATORS.sub("", text or "").upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        raise InvalidInput(
            f"{text!r} is not a referral code: {CODE_LENGTH} letters and digits such as K7M2Q9XA",
            code="invalid_referral_code",
            field=field,
        )
    return code


def qualify_until(referrals: Referrals, joined_at: datetime, tz: str) -> datetime | None:
    """The instant from which an order no longer qualifies: the end of the ``within_days``-th day after the day
    the company joined, in the program's time zone (None: no time limit)."""
    if referrals.within_days is None:
        return None
    joined_day = joined_at.astimezone(ZoneInfo(tz)).date()
    last_day = joined_day + timedelta(days=referrals.within_days)
    return datetime(last_day.year, last_day.month, last_day.day, tzinfo=ZoneInfo(tz)) + timedelta(days=1)


def qualifies(referrals: Referrals, joined_at: datetime, occurred_at: datetime, total_minor: int, tz: str) -> bool:
    """Does an order of ``total_minor`` at ``occurred_at`` qualify the referred company for the referral reward?"""
    if total_minor <= 0 or total_minor < referrals.min_order:
        return False
    deadline = qualify_until(referrals, joined_at, tz)
    return deadline is None or occurred_at < deadline
