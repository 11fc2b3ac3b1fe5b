"""Accounts (client companies) and their contacts: create, find, describe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalka.domain.accounts import AccountIn, ContactIn
from loyalka.domain.money import format_minor
from loyalka.errors import Conflict, NotFound
from loyalka.services.programs import active_program, program_by_code
from loyalka.services.tiers import enter_tiers
from loyalka.storage.queries import among
from loyalka.storage.tables import AccountRow, BenefitGrantRow, ContactRow, LotRow


def create_account(session: Session, data: AccountIn, *, now: datetime, program: str | None = None) -> AccountRow:
    from loyalka.services.referrals import link_new_account, new_referral_code

    program_row = program_by_code(session, program)
    if session.scalar(select(AccountRow.id).where(AccountRow.code == data.code)) is not None:
        raise Conflict(f"an account with code {data.code!r} exists already", code="account_exists", field="code")
    row = AccountRow(
        code=data.code,
        program_id=program_row.id,
        name=data.name.strip(),
        inn=data.inn,
        region=data.region,
        industry=data.industry,
        manager=data.manager,
        tags=list(data.tags),
        language=data.language,
        founded_on=data.founded_on,
        referral_code=new_referral_code(session),
        status="active",
        joined_at=now,
        debts={},
        created_at=now,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent create of the same code
        raise Conflict(
            f"an account with code {data.code!r} exists already", code="account_exists", field="code"
        ) from exc
    enter_tiers(session, row, now=now)
    for contact in data.contacts:
        add_contact(session, row, contact)
    if data.referred_by is not None:
        link_new_account(session, row, data.referred_by)
    _welcome(session, row, program_row.id, now)
    return row


def _welcome(session: Session, account: AccountRow, program_id: int, now: datetime) -> None:
    from loyalka.services.messages import queue_message

    rules = active_program(session, program_id).rules
    template = rules.triggers.welcome_message
    if template is not None:
        queue_message(
            session,
            rules=rules,
            program_id=program_id,
            template_id=template,
            account=account,
            dedupe_key=f"welcome:{account.id}",
            now=now,
        )


def add_contact(session: Session, account: AccountRow, data: ContactIn) -> ContactRow:
    exists = session.scalar(
        select(ContactRow.id).where(ContactRow.account_id == account.id, ContactRow.code == data.code)
    )
    if exists is not None:
        raise Conflict(
            f"contact {data.code!r} exists already in {account.code}", code="contact_exists", field="contact.code"
        )
    row = ContactRow(
        account_id=account.id,
        code=data.code,
        name=data.name.strip(),
        role=data.role,
        birthday=data.birthday,
        email=data.email,
        phone=data.phone,
        can_spend=data.can_spend,
        monthly_spend_limit_minor=data.monthly_spend_limit_minor,
    )
    session.add(row)
    session.flush()
    return row


def get_account(session: Session, code: str, *, lock: bool = False) -> AccountRow:
    query = select(AccountRow).where(AccountRow.code == code)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"no account with code {code!r}", code="account_not_found", field="account")
    return row


def lock_accounts(session: Session, ids: list[int]) -> dict[int, AccountRow]:
    """Row-lock accounts (PostgreSQL: SELECT ... FOR UPDATE) in id order, so two writers never deadlock. The rows
    are read again under the lock: an account loaded before (by a segment, a lookup) shows what was committed
    meanwhile (it left, its tier changed), not what the session remembered."""
    rows = session.scalars(
        select(AccountRow)
        .where(among(session, AccountRow.id, sorted(set(ids))))
        .order_by(AccountRow.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {row.id: row for row in rows}


def get_contact(session: Session, account: AccountRow, code: str | None) -> ContactRow | None:
    if code is None:
        return None
    row = session.scalar(select(ContactRow).where(ContactRow.account_id == account.id, ContactRow.code == code))
    if row is None:
        raise NotFound(f"account {account.code} has no contact {code!r}", code="contact_not_found", field="contact")
    return row


def describe_account(session: Session, code: str, *, now: datetime) -> dict[str, Any]:
    """Everything a sales manager or the member sees: balance by kind, lots with dates, benefits, contacts."""
    account = get_account(session, code)
    program = active_program(session, account.program_id).rules
    lots = session.scalars(
        select(LotRow)
        .where(LotRow.account_id == account.id, LotRow.closed.is_(False), LotRow.remaining_minor > 0)
        .order_by(LotRow.expires_at, LotRow.id)
    ).all()
    kinds = []
    for name, kind in program.point_kinds.items():
        own = [lot for lot in lots if lot.kind == name and (lot.expires_at is None or lot.expires_at > now)]
        spendable = sum(lot.remaining_minor for lot in own if lot.available_from <= now)
        pending = sum(lot.remaining_minor for lot in own if lot.available_from > now)
        kinds.append(
            {
                "kind": name,
                "name": kind.name.ru,
                "name_en": kind.name.en,
                "decimals": kind.decimals,
                "spendable": kind.format(spendable),
                "pending": kind.format(pending),
                "debt": kind.format(int(account.debts.get(name, 0))),
                "lots": [
                    {
                        "id": lot.id,
                        "remaining": kind.format(lot.remaining_minor),
                        "earned": kind.format(lot.earned_minor),
                        "available_from": lot.available_from.isoformat(),
                        "expires_at": lot.expires_at.isoformat() if lot.expires_at else None,
                        "rule": lot.rule_id,
                    }
                    for lot in own
                ],
            }
        )
    benefits = session.scalars(
        select(BenefitGrantRow)
        .where(BenefitGrantRow.account_id == account.id, BenefitGrantRow.valid_until > now)
        .order_by(BenefitGrantRow.valid_from)
    ).all()
    names = {b.id: b.name for b in program.benefits}
    contacts = session.scalars(select(ContactRow).where(ContactRow.account_id == account.id).order_by(ContactRow.id))
    from loyalka.services.pipeline import ACCOUNT_SECTIONS

    sections: dict[str, Any] = {}
    for section in ACCOUNT_SECTIONS:
        sections.update(section(session, account, program, now))
    return {
        "code": account.code,
        "name": account.name,
        "inn": account.inn,
        "region": account.region,
        "industry": account.industry,
        "manager": account.manager,
        "tags": account.tags,
        "status": account.status,
        "language": account.language,
        "founded_on": account.founded_on.isoformat() if account.founded_on else None,
        "joined_at": account.joined_at.isoformat(),
        "left_at": account.left_at.isoformat() if account.left_at else None,
        "left_reason": account.left_reason,
        "balances": kinds,
        "benefits": [
            {
                "benefit": b.benefit,
                "name": names[b.benefit].ru if b.benefit in names else b.benefit,
                "name_en": names[b.benefit].en if b.benefit in names else b.benefit,
                "earned_in": b.period,
                "valid_from": b.valid_from.isoformat(),
                "valid_until": b.valid_until.isoformat(),
                "active_now": b.valid_from <= now,
            }
            for b in benefits
        ],
        "contacts": [
            {
                "code": c.code,
                "name": c.name,
                "role": c.role,
                "email": c.email,
                "phone": c.phone,
                "birthday": c.birthday.isoformat() if c.birthday else None,
                "can_spend": c.can_spend,
                "monthly_spend_limit": format_minor(c.monthly_spend_limit_minor)
                if c.monthly_spend_limit_minor is not None
                else None,
            }
            for c in contacts
        ],
        **sections,
    }
