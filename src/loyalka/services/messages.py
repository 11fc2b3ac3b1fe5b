"""The outbox: queue a message from a program's template, rendered in the company's language.

A message is written in the same unit of work as what caused it (a grant, a tier change, a campaign), so it
is queued exactly when that is recorded; ``dedupe_key`` makes queueing idempotent, so a job that runs again
queues nothing twice. Sending is a separate step (``loyalka messages send``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.program.models import Program
from loyalka.storage.bulk import insert_rows
from loyalka.storage.queries import among
from loyalka.storage.tables import AccountRow, ContactRow, MessageRow


class _Values(dict[str, str]):
    """Placeholders a caller did not fill render empty (templates are checked against the known names)."""

    def __missing__(self, key: str) -> str:
        return ""


def render(rules: Program, template_id: str, lang: str, values: Mapping[str, Any]) -> tuple[str, str]:
    template = rules.messages[template_id]
    filled = _Values({k: "" if v is None else str(v) for k, v in values.items()})
    filled.setdefault("program", rules.program.name(lang))
    return template.subject(lang).format_map(filled), template.body(lang).format_map(filled)


@dataclass(frozen=True, slots=True)
class MessageRequest:
    """One message to queue with ``queue_messages``."""

    account: AccountRow
    dedupe_key: str
    values: Mapping[str, Any]


def queue_messages(
    session: Session,
    *,
    rules: Program,
    program_id: int,
    template_id: str,
    requests: list[MessageRequest],
    now: datetime,
) -> int:
    """Queue one template for many companies at once (to every contact of each with an e-mail address): one
    query for the keys queued before, one for the addresses, one insert. Returns how many were queued."""
    keys = [r.dedupe_key for r in requests]
    if not keys:
        return 0
    queued = set(session.scalars(select(MessageRow.dedupe_key).where(among(session, MessageRow.dedupe_key, keys))))
    fresh = [r for r in requests if r.dedupe_key not in queued]
    addresses: dict[int, list[str]] = {}
    if fresh:
        rows = session.execute(
            select(ContactRow.account_id, ContactRow.email)
            .where(among(session, ContactRow.account_id, {r.account.id for r in fresh}), ContactRow.email.is_not(None))
            .order_by(ContactRow.id)
        )
        for account_id, email in rows:
            addresses.setdefault(account_id, []).append(email)
    rows_out = []
    for request in dict((r.dedupe_key, r) for r in fresh).values():
        account = request.account
        lang = account.language or "ru"
        subject, body = render(rules, template_id, lang, {"company": account.name, "contact": "", **request.values})
        recipients = addresses.get(account.id, [])
        rows_out.append(
            {
                "program_id": program_id,
                "account_id": account.id,
                "contact_id": None,
                "template": template_id,
                "language": lang,
                "recipients": recipients,
                "subject": subject[:300],
                "body": body,
                "dedupe_key": request.dedupe_key,
                "status": "queued" if recipients else "no_recipient",
                "created_at": now,
                "sent_at": None,
                "attempts": 0,
                "last_error": None,
            }
        )
    insert_rows(session, MessageRow.__table__, rows_out)
    return len(rows_out)


def queue_message(
    session: Session,
    *,
    rules: Program,
    program_id: int,
    template_id: str,
    account: AccountRow,
    dedupe_key: str,
    now: datetime,
    contact: ContactRow | None = None,
    values: Mapping[str, Any] | None = None,
) -> MessageRow | None:
    """Queue the template for the company (to ``contact``, else to every contact with an e-mail address).
    Returns None when a message with this ``dedupe_key`` was queued before."""
    if session.scalar(select(MessageRow.id).where(MessageRow.dedupe_key == dedupe_key)) is not None:
        return None
    lang = account.language or "ru"
    subject, body = render(
        rules,
        template_id,
        lang,
        {"company": account.name, "contact": contact.name if contact else "", **(values or {})},
    )
    if contact is not None:
        recipients = [contact.email] if contact.email else []
    else:
        recipients = list(
            session.scalars(
                select(ContactRow.email)
                .where(ContactRow.account_id == account.id, ContactRow.email.is_not(None))
                .order_by(ContactRow.id)
            )
        )
    row = MessageRow(
        program_id=program_id,
        account_id=account.id,
        contact_id=contact.id if contact else None,
        template=template_id,
        language=lang,
        recipients=recipients,
        subject=subject[:300],
        body=body,
        dedupe_key=dedupe_key,
        status="queued" if recipients else "no_recipient",
        created_at=now,
        attempts=0,
    )
    session.add(row)
    session.flush()
    return row
