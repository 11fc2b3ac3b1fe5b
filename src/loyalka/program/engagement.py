"""Engagement: triggers, message templates, segments, campaigns, one-time grants, codes, referrals."""

from __future__ import annotations

import re
import string
from typing import Literal

from pydantic import Field, field_validator, model_validator

from loyalka.program.types import Ident, Minor, PointsGrant, Strict, Text

# what a message template may mention; the daily job and the services fill them in
PLACEHOLDERS = frozenset(
    {
        "company",
        "contact",
        "points",
        "kind",
        "tier",
        "date",
        "balance",
        "program",
        "campaign",
        "days",
        "years",
        "code",
        "order",
    }
)


class MessageTemplate(Strict):
    """A message in Russian and English; ``{company}``, ``{points}``, ``{date}``... are filled in when sent."""

    subject: Text
    body: Text

    @model_validator(mode="after")
    def _known_placeholders(self) -> MessageTemplate:
        for text in (self.subject.ru, self.subject.en, self.body.ru, self.body.en):
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
            except ValueError as exc:
                raise ValueError(f"a template has an unbalanced brace: {text!r}") from exc
            unknown = sorted(n for n in names if n not in PLACEHOLDERS)
            if unknown:
                raise ValueError(
                    f"unknown placeholder(s) {', '.join('{' + n + '}' for n in unknown)}; "
                    f"known: {', '.join(sorted('{' + p + '}' for p in PLACEHOLDERS))}"
                )
        return self


class TriggeredGrant(PointsGrant):
    message: str | None = None  # a template of `messages`


class FirstOrder(Strict):
    """The first order earns by the rules, but at least this many points of the kind."""

    kind: str
    at_least: Minor
    message: str | None = None


class Birthday(TriggeredGrant):
    """Points to the company on a contact person's birthday (once a year per contact)."""

    roles: list[str] | None = None  # only contacts with these roles (default: every contact with a birthday)


class Anniversary(TriggeredGrant):
    """Points on the anniversary of the company's founding, or of its joining the program."""

    of: Literal["founded", "joined"] = "joined"


class Inactivity(TriggeredGrant):
    """A wake-up grant and message once a member has bought nothing for ``after_days`` (once per silence)."""

    after_days: int = Field(ge=1, le=3650)


class ExpiryReminder(Strict):
    """A message ``days_before`` the member's points expire (once per expiry date)."""

    days_before: int = Field(ge=1, le=365)
    min_points: Minor = 0  # do not remind of fewer points than this
    message: str


class Triggers(Strict):
    first_order: FirstOrder | None = None
    birthday: Birthday | None = None
    anniversary: Anniversary | None = None
    inactivity: Inactivity | None = None
    expiry_reminder: ExpiryReminder | None = None
    welcome_message: str | None = None  # sent when an account joins the program
    tier_change_message: str | None = None  # sent when an account's tier changes
    order_message: str | None = None  # a thank-you sent after each recorded order


class PurchaseFilter(Strict):
    """Net purchases (or orders) within the last ``window_days`` days."""

    window_days: int = Field(ge=1, le=3650)
    min: Minor | None = None
    max: Minor | None = None


class CountFilter(Strict):
    window_days: int = Field(ge=1, le=3650)
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


class SegmentFilter(Strict):
    """Every given condition must hold; a list means any of its values."""

    regions: list[str] | None = None
    industries: list[str] | None = None
    tiers: list[str] | None = None
    statuses: list[Literal["active", "left", "blocked"]] = Field(default_factory=lambda: ["active"])
    tags_any: list[str] | None = None
    tags_all: list[str] | None = None
    purchases: PurchaseFilter | None = None
    orders: CountFilter | None = None
    inactive_days: int | None = Field(default=None, ge=1, le=3650)  # no order for at least this many days
    when: str | None = None  # a CEL condition over `account`


class Segment(Strict):
    id: Ident
    name: Text
    filter: SegmentFilter


class Campaign(Strict):
    """Credits points once to every member of a segment and queues a message to each."""

    id: Ident
    name: Text
    segment: str
    grant: PointsGrant | None = None
    message: str | None = None

    @model_validator(mode="after")
    def _does_something(self) -> Campaign:
        if self.grant is None and self.message is None:
            raise ValueError("a campaign needs a 'grant', a 'message', or both")
        return self


class Grant(Strict):
    """A one-time grant: each account receives it at most once (migrated discount-card holders...)."""

    id: Ident
    name: Text
    grant: PointsGrant
    message: str | None = None


class CodeSet(Strict):
    """Activation codes (a partner club's cards): each code earns once and may be activated only once in the
    whole system; an account may activate at most ``per_account`` codes of the set."""

    id: Ident
    name: Text
    grant: PointsGrant
    format: str | None = None  # a regular expression every code of the set must match
    issued_only: bool = False  # only codes imported as issued are valid
    per_account: int = Field(default=1, ge=1, le=1000)
    message: str | None = None  # a template of `messages`, sent when a code is activated

    @field_validator("format")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from exc
        return value


class Referrals(Strict):
    """The referrer earns when the company it brought completes its first qualifying order; the referred
    company earns a first-order bonus. Self-referral (the same company or INN) and loops are refused."""

    min_order: Minor = 0  # the first order of at least this sum qualifies
    within_days: int | None = Field(default=None, ge=1, le=3650)  # ...placed within N days of joining
    referrer: PointsGrant
    referred: PointsGrant | None = None
    message: str | None = None  # to the referrer when it earns
