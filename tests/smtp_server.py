"""A real SMTP server for tests (aiosmtpd on the loopback): it keeps what it accepts, refuses one address for
good, one for now, and hangs up on a third."""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

REFUSED = "gone@fleet.ru"
BUSY = "busy@fleet.ru"
DROP = "drop@fleet.ru"  # the server hangs up on a message to this address


class Mailbox:
    """An SMTP handler that keeps what it accepts; refuses REFUSED for good and BUSY for now."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address == REFUSED:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        if address == BUSY:
            return "451 4.3.0 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if DROP in envelope.rcpt_tos:
            server.transport.close()
            return "421 closing"
        parsed = email.message_from_bytes(envelope.original_content, policy=email_policy)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_mailbox(**smtp: Any) -> Iterator[tuple[Mailbox, int]]:
    """A server on a free loopback port for the block: (its mailbox, its port); ``smtp`` are aiosmtpd's SMTP
    parameters (tls_context, require_starttls, authenticator...)."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, **smtp)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


USER, PASSWORD = "loyalka", "s3cret-pass"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the openssl command: (cert.pem, key.pem)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_and_login(cert: Path, key: Path) -> dict[str, Any]:
    """aiosmtpd parameters of a server that demands STARTTLS, then a login as USER with PASSWORD."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        good = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        return AuthResult(success=good)

    return {
        "tls_context": context,
        "require_starttls": True,
        "auth_required": True,
        "auth_require_tls": True,
        "authenticator": authenticator,
    }
