"""Sending the outbox through a real SMTP server (aiosmtpd, started by the test on the loopback): what the
server receives, refused and temporarily refused recipients, a server that is not there, and never twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from loyalka.errors import InvalidInput
from loyalka.jobs.daily import run_daily
from loyalka.services.campaigns import run_campaign
from loyalka.services.outbox import MAX_ATTEMPTS, MailUnavailable, SmtpSettings, send_queued
from loyalka.storage.database import Database
from loyalka.storage.tables import MessageRow
from tests.conftest import moscow
from tests.smtp_server import (
    BUSY,
    DROP,
    PASSWORD,
    REFUSED,
    USER,
    Mailbox,
    free_port,
    running_mailbox,
    self_signed,
    tls_and_login,
)
from tests.support import add_account, load_example

JOINED = moscow(2026, 1, 10, 9)
SENDER = "bonus@autoservice.ru"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with running_mailbox() as found:
        yield found


def settings(port: int) -> SmtpSettings:
    return SmtpSettings("127.0.0.1", port, SENDER, timeout_s=10)


def send(db: Database, port: int, limit: int | None = None):  # noqa: ANN201
    return send_queued(db, settings(port), clock=lambda: moscow(2026, 4, 12, 9), limit=limit)


def rows(db: Database) -> list[MessageRow]:
    with db.unit_of_work() as s:
        return list(s.scalars(select(MessageRow).order_by(MessageRow.id)))


def company(db: Database, code: str, *emails: str, language: str = "ru", birthday: date | None = None) -> None:
    contacts = [
        {"code": f"c{i}", "name": f"Контакт {i}", "email": address, "birthday": birthday if i == 0 else None}
        for i, address in enumerate(emails)
    ]
    add_account(db, code, JOINED, region="Москва", tags=("fleet",), contacts=contacts, language=language)


def campaign(db: Database) -> dict:
    with db.unit_of_work() as s:
        return run_campaign(s, "spring-service-2026", at=moscow(2026, 4, 1), now=moscow(2026, 4, 1), run_by="test")


def test_queued_messages_reach_the_server_with_subject_body_and_recipients_in_the_companys_language(
    db: Database, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    load_example(db, "autoservice_case1.yaml", JOINED)
    company(db, "TAXI-RU", "ivan@taxi.ru", "olga@taxi.ru", birthday=date(1980, 4, 12))
    company(db, "TAXI-EN", "john@cab.com", language="en")
    campaign(db)
    with db.unit_of_work() as s:
        run_daily(s, date(2026, 4, 12), now=moscow(2026, 4, 12, 3))
    report = send(db, port)
    assert (report.sent, report.failed, report.retry_later) == (3, 0, 0)
    received = {tuple(to): (sender, message) for sender, to, message in box.received}
    sender, ru = received[("ivan@taxi.ru", "olga@taxi.ru")]
    assert sender == SENDER
    assert ru["Subject"] == "Весенний сервис для Компания TAXI-RU"
    assert ru["To"] == "ivan@taxi.ru, olga@taxi.ru"
    assert ru.get_content_charset() == "utf-8"
    assert ru.get_content().strip() == (
        "На ваш счёт начислено 500 премиум-баллов до 01.07.2026. Запишитесь на сезонное ТО."
    )
    _, en = received[("john@cab.com",)]
    assert en["Subject"] == "Spring service for Компания TAXI-EN"
    assert en["Content-Language"] == "en"
    assert (
        en.get_content().strip()
        == "500 premium points are on your account until 1 July 2026. Book your seasonal service."
    )
    _, birthday = received[("ivan@taxi.ru",)]
    assert birthday["Subject"] == "С днём рождения, Контакт 0!"
    assert all((m.status, m.attempts, m.sent_at is not None, m.last_error) == ("sent", 1, True, None) for m in rows(db))


def test_a_message_is_never_sent_twice(db: Database, mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    load_example(db, "autoservice_case1.yaml", JOINED)
    company(db, "TAXI-1", "ivan@taxi.ru")
    company(db, "TAXI-2", "olga@taxi.ru")
    campaign(db)
    assert send(db, port, limit=1).sent == 1
    assert send(db, port).sent == 1
    assert send(db, port).sent == 0
    campaign(db)  # a second run queues nothing new
    assert send(db, port).sent == 0
    assert sorted(to for _, to, _ in box.received) == [["ivan@taxi.ru"], ["olga@taxi.ru"]]


def test_a_refused_recipient_leaves_the_message_failed_with_the_servers_answer(
    db: Database, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    load_example(db, "autoservice_case1.yaml", JOINED)
    company(db, "GONE", REFUSED)
    company(db, "HALF", "ivan@taxi.ru", REFUSED)
    campaign(db)
    report = send(db, port)
    assert (report.sent, report.failed) == (0, 2)
    gone, half = rows(db)
    assert (gone.status, gone.attempts, gone.sent_at) == ("failed", 1, None)
    assert "550" in gone.last_error and REFUSED in gone.last_error
    assert half.status == "failed"
    assert "delivered to: ivan@taxi.ru" in half.last_error
    assert [to for _, to, _ in box.received] == [["ivan@taxi.ru"]]
    assert send(db, port).failed == 0  # a failed message is not tried again
    assert [m.attempts for m in rows(db)] == [1, 1]


def test_a_temporary_refusal_is_retried_by_later_runs_then_fails(db: Database, mailbox: tuple[Mailbox, int]) -> None:
    _, port = mailbox
    load_example(db, "autoservice_case1.yaml", JOINED)
    company(db, "BUSY", BUSY)
    campaign(db)
    for attempt in range(1, MAX_ATTEMPTS):
        assert send(db, port).retry_later == 1
        [message] = rows(db)
        assert (message.status, message.attempts) == ("queued", attempt)
        assert "451" in message.last_error
    assert send(db, port).failed == 1
    [message] = rows(db)
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)


def test_a_server_that_is_not_there_changes_nothing(db: Database) -> None:
    load_example(db, "autoservice_case1.yaml", JOINED)
    company(db, "TAXI-1", "ivan@taxi.ru")
    campaign(db)
    with pytest.raises(MailUnavailable) as down:
        send(db, free_port())
    assert down.value.code == "smtp_unavailable"
    [message] = rows(db)
    assert (message.status, message.attempts) == ("queued", 0)


def test_messages_without_recipients_are_not_sent_and_a_bad_sender_is_refused(
    db: Database, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    load_example(db, "autoservice_case1.yaml", JOINED)
    add_account(db, "NOBODY", JOINED, region="Москва", tags=("fleet",))
    campaign(db)
    assert send(db, port).sent == 0
    assert [m.status for m in rows(db)] == ["no_recipient"]
    assert box.received == []
    with pytest.raises(InvalidInput) as bad:
        SmtpSettings("127.0.0.1", port, "not an address")
    assert (bad.value.code, bad.value.field) == ("invalid_email", "sender")


def test_a_connection_lost_while_sending_fails_that_message_unknown_and_stops_the_run(
    db: Database, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    load_example(db, "autoservice_case1.yaml", JOINED)
    company(db, "DROP", DROP)
    company(db, "TAXI-1", "ivan@taxi.ru")
    campaign(db)
    report = send(db, port)
    assert (report.sent, report.failed) == (0, 1)
    assert report.stopped is not None and "lost" in report.stopped
    dropped, waiting = rows(db)
    assert dropped.status == "failed" and "delivery unknown" in dropped.last_error
    assert (waiting.status, waiting.attempts) == ("queued", 0)
    assert send(db, port).sent == 1  # the next run goes on with the rest, never with the one in doubt
    assert [to for _, to, _ in box.received] == [["ivan@taxi.ru"]]


def test_starttls_with_a_verified_certificate_and_a_login_then_sends(db: Database, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    load_example(db, "autoservice_case1.yaml", JOINED)
    company(db, "TAXI-1", "ivan@taxi.ru")
    campaign(db)
    with running_mailbox(**tls_and_login(cert, key)) as (box, port):
        secure = SmtpSettings("127.0.0.1", port, SENDER, USER, PASSWORD, starttls=True, ca_file=str(cert))
        for wrong in (
            # a refused login (aiosmtpd then waits for smtplib's next mechanism: a short timeout ends it)
            replace(secure, password="wrong", timeout_s=2),
            replace(secure, ca_file=None),  # a certificate no one vouches for
            replace(secure, starttls=False),  # a login in the clear is refused by the server
        ):
            with pytest.raises(MailUnavailable):
                send_queued(db, wrong, clock=lambda: moscow(2026, 4, 2))
        with pytest.raises(InvalidInput) as not_ascii:
            send_queued(db, replace(secure, password="пароль"), clock=lambda: moscow(2026, 4, 2))
        assert not_ascii.value.code == "invalid_login"
        assert [(m.status, m.attempts) for m in rows(db)] == [("queued", 0)]
        report = send_queued(db, secure, clock=lambda: moscow(2026, 4, 2))
    assert report.sent == 1
    assert [to for _, to, _ in box.received] == [["ivan@taxi.ru"]]


def test_an_address_the_server_cannot_take_fails_its_message_and_the_run_goes_on(db: Database) -> None:
    """A Cyrillic domain (a valid contact address) needs SMTPUTF8, which this server does not offer: nothing was
    sent, so the message fails with the reason instead of staying `sending` and ending the run in a traceback."""
    load_example(db, "autoservice_case1.yaml", JOINED)
    company(db, "ZAVOD", "иван@завод.рф")
    company(db, "TAXI-1", "ivan@taxi.ru")
    campaign(db)
    with running_mailbox(enable_SMTPUTF8=False) as (box, port):
        report = send(db, port)
    assert (report.sent, report.failed, report.stopped) == (1, 1, None)
    idn, plain = rows(db)
    assert (idn.status, idn.attempts, idn.sent_at) == ("failed", 1, None)
    assert "SMTPUTF8" in idn.last_error and "delivery unknown" not in idn.last_error
    assert plain.status == "sent"
    assert [to for _, to, _ in box.received] == [["ivan@taxi.ru"]]


def test_a_sender_address_the_server_cannot_take_is_refused_before_anything_is_claimed(db: Database) -> None:
    load_example(db, "autoservice_case1.yaml", JOINED)
    company(db, "TAXI-1", "ivan@taxi.ru")
    campaign(db)
    with running_mailbox(enable_SMTPUTF8=False) as (box, port), pytest.raises(MailUnavailable) as refused:
        send_queued(db, SmtpSettings("127.0.0.1", port, "бонус@автосервис.рф"), clock=lambda: moscow(2026, 4, 2))
    assert refused.value.code == "smtp_unavailable" and "SMTPUTF8" in refused.value.message
    assert [(m.status, m.attempts) for m in rows(db)] == [("queued", 0)]
    assert box.received == []


def test_a_line_break_in_a_contacts_name_does_not_break_the_subject(db: Database, mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    load_example(db, "autoservice_case1.yaml", JOINED)
    add_account(
        db,
        "TAXI-1",
        JOINED,
        region="Москва",
        contacts=[{"code": "ivan", "name": "Иван\nПетров", "email": "ivan@taxi.ru", "birthday": date(1980, 4, 12)}],
    )
    with db.unit_of_work() as s:
        run_daily(s, date(2026, 4, 12), now=moscow(2026, 4, 12, 3))
    assert send(db, port).sent == 1
    [(_, _, greeting)] = box.received
    assert greeting["Subject"] == "С днём рождения, Иван Петров!"
    assert [m.status for m in rows(db)] == ["sent"]
