"""A local SMTP server for the reply tests (aiosmtpd), answering as it is told.

It listens on 127.0.0.1 at a free port, in its own thread. ``refuse`` names
recipients it answers 550; ``data_replies`` are its answers to the message
data, in turn (then 250); ``users`` turns AUTH on (LOGIN and PLAIN);
``tls`` is a server certificate for STARTTLS, or for TLS from the first byte
with ``implicit_tls``. What it accepted is kept in ``received``.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class Received:
    """One accepted message: its envelope and its bytes as they arrived."""

    sender: str
    recipients: list[str]
    data: bytes


@dataclass(frozen=True)
class Cert:
    """A self-signed certificate for 127.0.0.1."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Trusts this certificate only, host name checked, as the default context does."""
        return ssl.create_default_context(cafile=str(self.cert))


def make_cert(folder: Path) -> Cert:
    """A certificate made with the openssl command (fast: an EC key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Cert(cert, key)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    """The server; ``close()`` stops it."""

    def __init__(
        self,
        *,
        refuse: tuple[str, ...] = (),
        data_replies: tuple[str, ...] = (),
        users: dict[str, str] | None = None,
        login_failure: str | None = None,
        tls: Cert | None = None,
        implicit_tls: bool = False,
        delay: float = 0.0,
    ) -> None:
        self.refuse = set(refuse)
        self.data_replies = list(data_replies)
        self.users = users
        self.login_failure = login_failure
        self.delay = delay
        self.received: list[Received] = []
        self.logins: list[str] = []
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if users is not None:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
            # aiosmtpd knows of STARTTLS only: over TLS from the first byte it must
            # be told that the connection is protected (AUTH is offered then).
            kwargs["auth_require_tls"] = tls is not None and not implicit_tls
        if tls is not None and not implicit_tls:
            kwargs["tls_context"] = tls.server_context()
            kwargs["require_starttls"] = True
        self.controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=tls.server_context() if tls is not None and implicit_tls else None,
            **kwargs,
        )
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()

    def message_ids(self) -> list[str]:
        from email import message_from_bytes

        return [str(message_from_bytes(r.data)["Message-ID"]) for r in self.received]

    # --- aiosmtpd's hooks ---------------------------------------------------------

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.data_replies.pop(0) if self.data_replies else "250 OK: queued"
        if answer.startswith("250"):
            content = envelope.content
            assert isinstance(content, bytes)
            self.received.append(
                Received(str(envelope.mail_from), list(envelope.rcpt_tos), content)
            )
        return answer

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        if self.users is not None and self.users.get(login) == password:
            self.logins.append(login)
            return AuthResult(success=True)
        if self.login_failure is not None:  # a server that says too much
            return AuthResult(success=False, handled=False, message=self.login_failure)
        return AuthResult(success=False, handled=False)  # aiosmtpd answers 535
