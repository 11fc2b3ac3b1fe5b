"""Sending the outbox by SMTP, and reading it.

Each queued message goes out as one e-mail to its recipients (UTF-8, in the language it was rendered in).
A message is claimed (``sending``, one more attempt) and committed before it is handed to the server, then
marked ``sent`` or ``failed`` with the server's answer: a crash between the two leaves it ``sending``, never
queued again, so no message is sent twice. A temporary refusal (4xx) puts it back in the queue for the next
run, up to ``MAX_ATTEMPTS`` attempts; a permanent one (5xx, a refused recipient) fails it; a connection lost
while sending fails it too (delivery unknown) and ends the run.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyalka.errors import InvalidInput, LoyaltyError
from loyalka.services.accounts import get_account
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, MessageRow

MAX_ATTEMPTS = 5
STATUSES = ("queued", "sending", "sent", "failed", "no_recipient")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class MailUnavailable(LoyaltyError):
    status = 503
    default_code = "smtp_unavailable"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    ca_file: str | None = None  # trust this CA (a private server's own certificate); default: the system's
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if not _ADDRESS.match(self.sender):
            raise InvalidInput(f"{self.sender!r} is not an e-mail address", code="invalid_email", field="sender")
        if not 0 < self.port < 65536:
            raise InvalidInput(f"port {self.port} is not a TCP port", code="invalid_port", field="smtp_port")


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    failed: int = 0
    retry_later: int = 0
    stopped: str | None = None  # why the run ended before the queue did
    errors: list[str] = field(default_factory=list)  # "message 12: ..." for each failure


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    recipients: list[str]
    subject: str
    body: str
    language: str
    attempts: int


@dataclass(frozen=True, slots=True)
class _Result:
    status: str  # sent | failed | queued
    error: str | None = None
    connection_lost: bool = False


def send_queued(
    database: Database, settings: SmtpSettings, *, clock: Callable[[], datetime], limit: int | None = None
) -> SendReport:
    """Send queued messages, oldest first, at most ``limit``; each claim and each result is its own commit."""
    smtp = _connect(settings)
    report = SendReport()
    cursor = 0
    try:
        while limit is None or report.sent + report.failed + report.retry_later < limit:
            with database.unit_of_work() as session:
                claimed = _claim_next(session, cursor)
            if claimed is None:
                break
            cursor = claimed.id
            result = _deliver(smtp, settings, claimed)
            with database.unit_of_work() as session:
                _mark(session, claimed, result, clock())
            _count(report, claimed, result)
            if result.connection_lost:
                report.stopped = f"the connection to {settings.host}:{settings.port} was lost"
                break
    finally:
        _close(smtp)
    return report


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    except (OSError, smtplib.SMTPException) as exc:
        raise _unavailable(settings, exc) from exc
    try:
        if settings.starttls:  # the server's certificate and name are verified, as a browser would
            smtp.starttls(context=ssl.create_default_context(cafile=settings.ca_file))
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.ehlo_or_helo_if_needed()
        if not settings.sender.isascii() and not smtp.has_extn("smtputf8"):  # else every message would fail
            raise smtplib.SMTPNotSupportedError(f"the sender {settings.sender} needs SMTPUTF8, which it does not offer")
    except UnicodeEncodeError as exc:
        smtp.close()
        raise InvalidInput(
            "SMTP logins and passwords are ASCII; this one has other characters",
            code="invalid_login",
            field="smtp_user",
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        smtp.close()
        raise _unavailable(settings, exc) from exc
    return smtp


def _unavailable(settings: SmtpSettings, exc: Exception) -> MailUnavailable:
    return MailUnavailable(
        f"cannot use the SMTP server {settings.host}:{settings.port}: {exc}; nothing was sent", field="smtp_host"
    )


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _claim_next(session: Session, after_id: int) -> _Claimed | None:
    """Take the oldest queued message after ``after_id``: ``sending``, one attempt more (PostgreSQL: a message
    another sender holds is skipped)."""
    query = (
        select(MessageRow)
        .where(MessageRow.status == "queued", MessageRow.id > after_id)
        .order_by(MessageRow.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = session.scalar(query)
    if row is None:
        return None
    row.status = "sending"
    row.attempts += 1
    return _Claimed(row.id, list(row.recipients), row.subject, row.body, row.language, row.attempts)


def compose(claimed: _Claimed, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = " ".join(claimed.subject.splitlines())  # a header is one line (a name may hold a break)
    message["From"] = sender
    message["To"] = ", ".join(claimed.recipients)
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(idstring=f"loyalka.{claimed.id}", domain=sender.rsplit("@", 1)[1])
    message.set_content(claimed.body, charset="utf-8", cte="base64")
    message["Content-Language"] = claimed.language  # after set_content, which drops every Content-* header
    return message


def _deliver(smtp: smtplib.SMTP, settings: SmtpSettings, claimed: _Claimed) -> _Result:
    try:
        refused = smtp.send_message(
            compose(claimed, settings.sender), from_addr=settings.sender, to_addrs=claimed.recipients
        )
    except smtplib.SMTPRecipientsRefused as exc:  # every recipient refused: nothing was delivered
        temporary = all(400 <= code < 500 for code, _ in exc.recipients.values())
        if temporary and claimed.attempts < MAX_ATTEMPTS:
            return _Result("queued", "temporary refusal, will retry: " + _refusals(exc.recipients))
        return _Result("failed", "refused: " + _refusals(exc.recipients))
    except smtplib.SMTPResponseException as exc:
        answer = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500 and claimed.attempts < MAX_ATTEMPTS:
            return _Result("queued", f"temporary refusal, will retry: {answer}")
        return _Result("failed", f"refused by the server: {answer}")
    except smtplib.SMTPNotSupportedError as exc:  # refused before a byte was sent: an address needs SMTPUTF8
        return _Result("failed", f"not sent: {exc}")
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        return _Result("failed", f"connection lost while sending, delivery unknown: {exc}", connection_lost=True)
    if refused:
        delivered = [r for r in claimed.recipients if r not in refused]
        return _Result("failed", f"refused: {_refusals(refused)}; delivered to: {', '.join(delivered) or 'nobody'}")
    return _Result("sent")


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address} ({code} {_text(text)})" for address, (code, text) in refused.items())


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _mark(session: Session, claimed: _Claimed, result: _Result, now: datetime) -> None:
    session.execute(
        update(MessageRow)
        .where(MessageRow.id == claimed.id)
        .values(
            status=result.status,
            sent_at=now if result.status == "sent" else None,
            last_error=result.error[:500] if result.error else None,
        )
    )


def _count(report: SendReport, claimed: _Claimed, result: _Result) -> None:
    if result.status == "sent":
        report.sent += 1
    elif result.status == "failed":
        report.failed += 1
        report.errors.append(f"message {claimed.id}: {result.error}")
    else:
        report.retry_later += 1


def list_messages(
    session: Session,
    *,
    account: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The outbox, newest first: of one account (its code) and/or in one status."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            f"status must be one of {', '.join(STATUSES)}, got {status!r}", code="invalid_status", field="status"
        )
    query = select(MessageRow, AccountRow.code).join(AccountRow, AccountRow.id == MessageRow.account_id)
    if account is not None:
        query = query.where(MessageRow.account_id == get_account(session, account).id)
    if status is not None:
        query = query.where(MessageRow.status == status)
    rows = session.execute(query.order_by(MessageRow.id.desc()).limit(limit))
    return [message_view(row, code) for row, code in rows]


def message_view(row: MessageRow, account_code: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "account": account_code,
        "template": row.template,
        "language": row.language,
        "recipients": list(row.recipients),
        "subject": row.subject,
        "body": row.body,
        "status": row.status,
        "created_at": row.created_at.isoformat(),
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "attempts": row.attempts,
        "last_error": row.last_error,
    }
