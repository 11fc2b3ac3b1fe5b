"""Activation codes (a partner club's cards): each code of a set earns the set's grant once and activates only
once in the whole system, whoever presents it.

A code is compared in its normal form: spaces removed, letters in upper case ("1234 5678" is "12345678"); the
set's ``format`` is matched against that form, letters in either case. The single activation is kept by a
unique constraint of the database, so two accounts presenting one code at the same moment cannot both win:
the second gets ``code_already_activated``, naming when the code was activated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalka.errors import Conflict, InvalidInput, RuleViolation
from loyalka.program.engagement import CodeSet
from loyalka.program.lookup import find_by_id
from loyalka.program.models import Program
from loyalka.services.accounts import get_account, lock_accounts
from loyalka.services.events import Outcome, refuse_future
from loyalka.services.grants import expiry_text, grant_points
from loyalka.services.messages import queue_message
from loyalka.services.programs import active_program, program_by_code
from loyalka.storage.tables import AccountRow
from loyalka.storage.tables_exchange import CodeActivationRow, IssuedCodeRow

MAX_CODE = 64
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    code = _SPACES.sub("", text or "").upper()
    if not code or len(code) > MAX_CODE:
        raise InvalidInput(f"a code is 1-{MAX_CODE} characters, got {text!r}", code="invalid_code", field="code")
    return code


def code_set(rules: Program, set_id: str) -> CodeSet:
    return find_by_id(rules.codes, set_id, what="code set", code="code_set_not_found", field="set")


def check_format(codes: CodeSet, code: str) -> None:
    if codes.format is not None and not re.fullmatch(codes.format, code, re.IGNORECASE):
        raise InvalidInput(
            f"{code!r} is not a code of {codes.name.en!r}: it must match {codes.format}",
            code="code_format_mismatch",
            field="code",
        )


def activate_code(
    session: Session, set_id: str, code: str, account_code: str, *, at: datetime | None = None, now: datetime
) -> Outcome:
    """Activate ``code`` of the set for the account and credit the set's grant (``at``: when the code was
    presented, default now)."""
    when = at or now
    refuse_future(when, now, "the activation")
    found = get_account(session, account_code)
    account = lock_accounts(session, [found.id])[found.id]
    program = active_program(session, account.program_id)
    codes = code_set(program.rules, set_id)
    code = normalize(code)
    check_format(codes, code)
    if account.status != "active":
        raise RuleViolation(
            f"account {account.code} is {account.status}, not a member", code="account_not_member", field="account"
        )
    earlier = _activation(session, program.program_id, codes.id, code)
    if earlier is not None:
        raise _already(earlier, account, program.rules)
    if codes.issued_only and not _issued(session, program.program_id, codes.id, code):
        raise RuleViolation(f"{code} is not a code the program issued", code="code_not_issued", field="code")
    used = _count(session, account.id, program.program_id, codes.id)
    if used >= codes.per_account:
        raise RuleViolation(
            f"{account.code} has activated {used} code(s) of {codes.name.en!r}, the most an account may",
            code="code_limit_reached",
            field="code",
        )
    event_id = f"code:{codes.id}:{account.id}:{used + 1}"
    row = CodeActivationRow(
        program_id=program.program_id,
        code_set=codes.id,
        code=code,
        account_id=account.id,
        event_id=event_id,
        activated_at=when,
        recorded_at=now,
    )
    try:
        with session.begin_nested():  # a savepoint: a lost race leaves the transaction usable to explain it
            session.add(row)
    except IntegrityError:
        winner = _activation(session, program.program_id, codes.id, code)
        if winner is None:  # pragma: no cover - the constraint fired, so a row exists
            raise
        raise _already(winner, account, program.rules) from None
    kind = program.rules.point_kinds[codes.grant.kind]
    outcome = grant_points(
        session,
        account=account,
        program=program,
        kind=codes.grant.kind,
        points_minor=kind.units(codes.grant.points),
        event_id=event_id,
        event_type="code",
        rule_id=codes.id,
        reason=f"{codes.name.ru}: {code}",
        at=when,
        now=now,
        details={"set": codes.id, "code": code},
    )
    if codes.message is not None:
        queue_message(
            session,
            rules=program.rules,
            program_id=program.program_id,
            template_id=codes.message,
            account=account,
            dedupe_key=event_id,
            now=now,
            values={
                "points": outcome.result["points"],
                "kind": kind.name(account.language or "ru"),
                "code": code,
                "date": expiry_text(program.rules, outcome.result, account.language or "ru"),
            },
        )
    return outcome


def import_codes(
    session: Session, set_id: str, codes: Iterable[tuple[int, str]], *, now: datetime, program: str | None = None
) -> tuple[int, int]:
    """Store issued codes of a set (``codes``: line number and code). Every code must match the set's format,
    or nothing is stored. Returns (codes stored, codes that were stored before or repeat in the file)."""
    program_row = program_by_code(session, program)
    rules = active_program(session, program_row.id).rules
    found = code_set(rules, set_id)
    items = list(codes)
    wanted: dict[str, int] = {}
    bad: list[str] = []
    for line, text in items:
        try:
            code = normalize(text)
            check_format(found, code)
        except InvalidInput as exc:
            bad.append(f"line {line}: {exc.message}")
            continue
        wanted.setdefault(code, line)
    if bad:
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise InvalidInput(f"{len(bad)} code(s) refused, nothing stored: {'; '.join(bad[:5])}{more}", field="code")
    known: set[str] = set()
    listed = list(wanted)
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        known.update(
            session.scalars(
                select(IssuedCodeRow.code).where(
                    IssuedCodeRow.program_id == program_row.id,
                    IssuedCodeRow.code_set == found.id,
                    IssuedCodeRow.code.in_(chunk),
                )
            )
        )
    new = [c for c in listed if c not in known]
    if new:
        session.execute(
            insert(IssuedCodeRow),
            [{"program_id": program_row.id, "code_set": found.id, "code": c, "imported_at": now} for c in new],
        )
    return len(new), len(items) - len(new)


def _activation(session: Session, program_id: int, set_id: str, code: str) -> CodeActivationRow | None:
    return session.scalar(
        select(CodeActivationRow).where(
            CodeActivationRow.program_id == program_id,
            CodeActivationRow.code_set == set_id,
            CodeActivationRow.code == code,
        )
    )


def _issued(session: Session, program_id: int, set_id: str, code: str) -> bool:
    return (
        session.scalar(
            select(IssuedCodeRow.id).where(
                IssuedCodeRow.program_id == program_id, IssuedCodeRow.code_set == set_id, IssuedCodeRow.code == code
            )
        )
        is not None
    )


def _count(session: Session, account_id: int, program_id: int, set_id: str) -> int:
    total = session.scalar(
        select(func.count()).where(
            CodeActivationRow.account_id == account_id,
            CodeActivationRow.program_id == program_id,
            CodeActivationRow.code_set == set_id,
        )
    )
    return int(total or 0)


def _already(earlier: CodeActivationRow, account: AccountRow, rules: Program) -> Conflict:
    """Who activated it is named only to the same account: another company's identity is not given away."""
    local = earlier.activated_at.astimezone(ZoneInfo(rules.program.timezone))
    by = "by this account" if earlier.account_id == account.id else "by another account"
    return Conflict(
        f"code {earlier.code} was already activated on {local:%Y-%m-%d %H:%M} ({rules.program.timezone}) {by}; "
        "a code is activated only once",
        code="code_already_activated",
        field="code",
    )
