"""One-time grants (holders of a migrated discount card...): each account receives a grant at most once, ever.

The credit is the event ``grant:<grant id>:<account id>``; running the grant again for an account that has it
credits nothing and reports the first grant. The grant's message is queued with the credit, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.errors import NotFound, RuleViolation
from loyalka.program.engagement import Grant
from loyalka.program.lookup import find_by_id
from loyalka.program.models import Program
from loyalka.services.accounts import lock_accounts
from loyalka.services.events import Outcome, refuse_future
from loyalka.services.grants import expiry_text, grant_points
from loyalka.services.messages import queue_message
from loyalka.services.programs import active_program, program_by_code
from loyalka.storage.ledger_store import Books, persist
from loyalka.storage.tables import AccountRow


def run_grant(
    session: Session,
    grant_id: str,
    accounts: Sequence[str],
    *,
    at: datetime | None = None,
    now: datetime,
    program: str | None = None,
) -> list[Outcome]:
    """Credit the grant to each of ``accounts`` (codes, all of one program) that has not received it yet.

    Every account must exist and, unless it received the grant before, be an active member: otherwise
    nothing is credited to anyone. With no accounts, the grant is still looked up in ``program`` (its code;
    None: the only program), so a mistyped grant is an error, not "0 credited"."""
    when = at or now
    refuse_future(when, now, "the grant")
    rows = _accounts(session, accounts)
    if not rows:
        find_grant(active_program(session, program_by_code(session, program).id).rules, grant_id)
        return []
    locked = lock_accounts(session, [row.id for row in rows])
    program = active_program(session, rows[0].program_id)
    grant = find_grant(program.rules, grant_id)
    kind = program.rules.point_kinds[grant.grant.kind]
    books = Books(session)
    outcomes = []
    for row in rows:
        account = locked[row.id]
        event_id = f"grant:{grant.id}:{account.id}"
        outcome = grant_points(
            session,
            account=account,
            program=program,
            kind=grant.grant.kind,
            points_minor=kind.units(grant.grant.points),
            event_id=event_id,
            event_type="grant",
            rule_id=grant.id,
            reason=grant.name.ru,
            at=when,
            now=now,
            books=books,
            details={"grant": grant.id},
        )
        if not outcome.replayed:
            _message(session, program.rules, program.program_id, grant, account, outcome, when, now)
        outcomes.append(outcome)
    persist(session, books.values(), recorded_at=now)
    return outcomes


def accounts_with_tag(session: Session, tag: str, *, program: str | None = None) -> list[str]:
    """Codes of the program's active members tagged ``tag`` (tags are a JSON list: filtered here, not in SQL)."""
    program_row = program_by_code(session, program)
    rows = session.execute(
        select(AccountRow.code, AccountRow.tags)
        .where(AccountRow.program_id == program_row.id, AccountRow.status == "active")
        .order_by(AccountRow.id)
    )
    return [code for code, tags in rows if tag in (tags or ())]


def find_grant(rules: Program, grant_id: str) -> Grant:
    return find_by_id(rules.grants, grant_id, what="grant", code="grant_not_found", field="grant")


def _accounts(session: Session, codes: Sequence[str]) -> list[AccountRow]:
    wanted = list(dict.fromkeys(codes))  # each account once, in the order given
    found: dict[str, AccountRow] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update((row.code, row) for row in session.scalars(select(AccountRow).where(AccountRow.code.in_(chunk))))
    missing = [code for code in wanted if code not in found]
    if missing:
        raise NotFound(
            f"no account with code {missing[0]!r}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
            code="account_not_found",
            field="account",
        )
    rows = [found[code] for code in wanted]
    if len({row.program_id for row in rows}) > 1:
        raise RuleViolation(
            "the accounts belong to different programs; run a grant for one program at a time",
            code="different_programs",
            field="account",
        )
    return rows


def _message(
    session: Session,
    rules: Program,
    program_id: int,
    grant: Grant,
    account: AccountRow,
    outcome: Outcome,
    at: datetime,
    now: datetime,
) -> None:
    if grant.message is None:
        return
    queue_message(
        session,
        rules=rules,
        program_id=program_id,
        template_id=grant.message,
        account=account,
        dedupe_key=outcome.event_id,
        now=now,
        values={
            "points": outcome.result["points"],
            "kind": rules.point_kinds[grant.grant.kind].name(account.language or "ru"),
            "date": expiry_text(rules, outcome.result, account.language or "ru"),
        },
    )
