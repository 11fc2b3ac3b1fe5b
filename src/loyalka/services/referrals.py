"""Referral codes and who referred whom: every account has a code; a new company names its referrer by it.

A company names its referrer when it is created (``AccountIn.referred_by``) or later, before its first order.
Refused: naming itself (the same account, or another account with the same INN), a loop (the referrer's own
chain of referrers leads back to the company), a referrer of another program or not a member, and changing a
referrer once named. The reward is ``services.referral_rewards``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from loyalka.engine.referrals import make_code, normalize_code, qualify_until
from loyalka.errors import Conflict, LoyaltyError, NotFound, RuleViolation
from loyalka.program.models import Program
from loyalka.services.accounts import get_account, lock_accounts
from loyalka.services.programs import active_program
from loyalka.storage.tables import AccountRow, EventRow, OrderRow, ProgramRow

MAX_CHAIN = 10_000  # a chain of referrers longer than this is treated as a loop (it cannot be real)


def new_referral_code(session: Session) -> str:
    """A code no account has yet."""
    while True:
        code = make_code()
        if session.scalar(select(AccountRow.id).where(AccountRow.referral_code == code)) is None:
            return code


def ensure_referral_code(session: Session, account: AccountRow) -> str:
    """The account's code, given one now if it was created before codes existed. Two readers racing to give
    one write it once: the update only fills an empty code, and both read back what was stored."""
    if account.referral_code:
        return account.referral_code
    session.execute(
        update(AccountRow)
        .where(AccountRow.id == account.id, AccountRow.referral_code.is_(None))
        .values(referral_code=new_referral_code(session))
        .execution_options(synchronize_session=False)
    )
    session.refresh(account, ["referral_code"])
    assert account.referral_code is not None
    return account.referral_code


def assign_codes(session: Session) -> int:
    """Give a code to every account without one; returns how many were given."""
    ids = session.scalars(select(AccountRow.id).where(AccountRow.referral_code.is_(None)).order_by(AccountRow.id))
    given = 0
    for account_id in list(ids):
        account = session.get(AccountRow, account_id)
        if account is not None and account.referral_code is None:
            ensure_referral_code(session, account)
            given += 1
    return given


def find_referrer(session: Session, text: str, *, field: str = "referred_by") -> AccountRow:
    code = normalize_code(text, field=field)
    row = session.scalar(select(AccountRow).where(AccountRow.referral_code == code))
    if row is None:
        raise NotFound(f"no account has the referral code {code}", code="referral_code_not_found", field=field)
    return row


def link_new_account(session: Session, account: AccountRow, referral_code: str) -> None:
    """Name the referrer of an account being created (no one can refer to it yet, so no loop can form)."""
    referrer = find_referrer(session, referral_code)
    _check_link(session, account, referrer, field="referred_by")
    account.referred_by_id = referrer.id


def set_referrer(session: Session, code: str, referral_code: str, *, now: datetime) -> dict[str, Any]:
    """Name the referrer of an existing account, before its first order. Naming the same referrer again
    changes nothing; naming another is refused. Returns the account's referral view."""
    account = get_account(session, code)
    # one referrer link at a time per program: two companies naming each other at once cannot both pass
    session.scalar(select(ProgramRow.id).where(ProgramRow.id == account.program_id).with_for_update())
    referrer = find_referrer(session, referral_code, field="referral_code")
    locked = lock_accounts(session, [account.id, referrer.id])
    account, referrer = locked[account.id], locked[referrer.id]
    if account.referred_by_id == referrer.id:
        return referral_view(session, account, active_program(session, account.program_id).rules, now)
    if account.referred_by_id is not None:
        current = session.get(AccountRow, account.referred_by_id)
        raise Conflict(
            f"{account.code} was referred by {current.code if current else '?'} already; a referrer is not changed",
            code="referrer_already_set",
            field="referral_code",
        )
    _check_link(session, account, referrer, field="referral_code")
    if account.status != "active":
        raise RuleViolation(
            f"account {account.code} is {account.status}, not a member", code="account_not_member", field="account"
        )
    if session.scalar(select(OrderRow.id).where(OrderRow.account_id == account.id).limit(1)) is not None:
        raise RuleViolation(
            f"{account.code} has ordered already: a referrer is named before the first order",
            code="referrer_after_first_order",
            field="referral_code",
        )
    _refuse_loop(session, account, referrer)
    account.referred_by_id = referrer.id
    return referral_view(session, account, active_program(session, account.program_id).rules, now)


def _check_link(session: Session, account: AccountRow, referrer: AccountRow, *, field: str) -> None:
    if referrer.id == account.id:
        raise RuleViolation(f"{account.code} cannot refer itself", code="self_referral", field=field)
    if account.inn and referrer.inn == account.inn:
        raise RuleViolation(
            f"{referrer.code} has the same INN {account.inn} as {account.code}: a company cannot refer itself",
            code="self_referral",
            field=field,
        )
    if referrer.program_id != account.program_id:
        raise RuleViolation(
            f"{referrer.code} is a member of another program", code="referrer_other_program", field=field
        )
    if referrer.status != "active":
        raise RuleViolation(
            f"{referrer.code} is {referrer.status}, not a member: it cannot refer",
            code="referrer_not_member",
            field=field,
        )
    if active_program(session, account.program_id).rules.referrals is None:
        raise RuleViolation(
            "the program has no referral scheme (no 'referrals' section)", code="referrals_not_offered", field=field
        )


def _refuse_loop(session: Session, account: AccountRow, referrer: AccountRow) -> None:
    """Walk up from the referrer through its referrers; reaching the account would make a loop."""
    current: int | None = referrer.id
    for _ in range(MAX_CHAIN):
        if current is None:
            return
        if current == account.id:
            raise RuleViolation(
                f"{referrer.code} was itself brought in (directly or through others) by {account.code}: "
                "naming it as the referrer would make a loop",
                code="referral_loop",
                field="referral_code",
            )
        current = session.scalar(select(AccountRow.referred_by_id).where(AccountRow.id == current))
    raise RuleViolation("the chain of referrers is too long", code="referral_loop", field="referral_code")


def referral_view(session: Session, account: AccountRow, rules: Program, now: datetime) -> dict[str, Any]:
    """The account's referral code, its referrer, the companies it brought and the state of its own reward."""
    referrer = session.get(AccountRow, account.referred_by_id) if account.referred_by_id else None
    brought = list(session.scalars(select(AccountRow.id).where(AccountRow.referred_by_id == account.id)))
    rewarded = session.scalar(
        select(func.count())
        .select_from(EventRow)
        .where(EventRow.event_id.in_([f"referral:{account_id}" for account_id in brought]))
    )
    return {
        "code": ensure_referral_code(session, account),
        "referred_by": {"account": referrer.code, "name": referrer.name} if referrer else None,
        "referred_companies": len(brought),
        "rewarded_referrals": int(rewarded or 0),
        **_own_reward(session, account, rules, now),
    }


def _own_reward(session: Session, account: AccountRow, rules: Program, now: datetime) -> dict[str, Any]:
    """For a referred company: has its first qualifying order been rewarded, or until when may it come."""
    if account.referred_by_id is None or rules.referrals is None:
        return {"status": None, "qualify_until": None, "rewarded_order": None}
    settled = session.get(EventRow, f"referral:{account.id}")
    if settled is not None:
        return {"status": "rewarded", "qualify_until": None, "rewarded_order": settled.result.get("order_id")}
    until = qualify_until(rules.referrals, account.joined_at, rules.program.timezone)
    status = "expired" if until is not None and now >= until else "waiting"
    return {"status": status, "qualify_until": until.isoformat() if until else None, "rewarded_order": None}


def referral_section(session: Session, account: AccountRow, rules: Program, now: datetime) -> dict[str, Any]:
    """The account card's ``referral`` (None when the program has no referral scheme)."""
    if rules.referrals is None:
        return {"referral": None}
    return {"referral": referral_view(session, account, rules, now)}


def show_referrals(session: Session, code: str, *, now: datetime) -> dict[str, Any]:
    """An account (by its code or its referral code) with the companies it referred, for `loyalka referrals show`."""
    account = session.scalar(select(AccountRow).where(AccountRow.code == code))
    if account is None:
        try:
            account = find_referrer(session, code, field="code")
        except LoyaltyError as exc:
            raise NotFound(
                f"no account has the code or the referral code {code!r}", code="account_not_found", field="code"
            ) from exc
    rules = active_program(session, account.program_id).rules
    brought = session.scalars(
        select(AccountRow).where(AccountRow.referred_by_id == account.id).order_by(AccountRow.id)
    ).all()
    return {
        "account": account.code,
        "name": account.name,
        **referral_view(session, account, rules, now),
        "companies": [
            {"account": row.code, "name": row.name, "joined_at": row.joined_at.isoformat()}
            | _own_reward(session, row, rules, now)
            for row in brought
        ],
    }
