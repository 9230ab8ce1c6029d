"""Sending e-mail replies through the ``[mail]`` SMTP server (the standard library's smtplib).

One connection per message: STARTTLS, TLS from the first byte, or none, as
``[mail] security`` says; a login when ``smtp_user`` is set (the password is
revealed here and nowhere else, and masked out of every text kept). What the
server says decides what happens next: a 5xx refusal of the sender, the
recipients or the data is final (``DeliveryRejectedError``); a 4xx, a lost
connection, a timeout, a failed login or TLS handshake may pass, so the outbox
tries again later (``DeliveryFailedError``).
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Sequence
from contextlib import suppress

from dispatch.config_mail import MailSettings
from dispatch.domain.errors import DeliveryFailedError, DeliveryRejectedError


class SmtpMailer:
    """A ``Mailer`` over smtplib.

    Args:
        settings: The ``[mail]`` table.
        context: The TLS context (default: the system's trusted CAs, host name checked).
    """

    def __init__(self, settings: MailSettings, *, context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self._context = context

    @property
    def where(self) -> str:
        """``host:port``, as error texts name the server."""
        return f"{self.settings.host}:{self.settings.port}"

    def send(self, message: bytes, sender: str, recipients: Sequence[str]) -> str:
        """Deliver ``message``; the recipients the server refused while taking it for the others.

        Raises:
            DeliveryRejectedError: A 5xx refusal (sender, every recipient, or the data).
            DeliveryFailedError: Anything a later attempt may get past.
        """
        try:
            refused = self._send(message, sender, list(recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            said = _refusals(exc.recipients)
            final = all(500 <= code < 600 for code, _ in exc.recipients.values())
            raise self._error(f"recipients refused: {said}", final=final) from None
        except smtplib.SMTPAuthenticationError as exc:
            # Our configuration, not the message: once the login is fixed it goes.
            raise self._error(f"login refused: {_reply(exc.smtp_code, exc.smtp_error)}") from None
        except (smtplib.SMTPConnectError, smtplib.SMTPHeloError) as exc:
            # The server turned the connection away, not this message.
            raise self._error(_reply(exc.smtp_code, exc.smtp_error)) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, ...
            final = 500 <= exc.smtp_code < 600
            raise self._error(_reply(exc.smtp_code, exc.smtp_error), final=final) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise self._error(f"the server does not support it: {exc}") from None
        except ssl.SSLError as exc:
            raise self._error(f"TLS failed: {exc.reason or exc}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise self._error(
                f"could not talk to the server: {exc or type(exc).__name__}"
            ) from None
        return f"refused by the server: {_refusals(refused)}" if refused else ""

    def _send(
        self, message: bytes, sender: str, recipients: list[str]
    ) -> dict[str, tuple[int, bytes]]:
        s = self.settings
        context = self._context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password.reveal() if s.password else "")
            refused = smtp.sendmail(sender, recipients, message)
        except BaseException:
            smtp.close()
            raise
        # Taken: whatever QUIT answers (or a dropped line) must not make it look unsent.
        with suppress(smtplib.SMTPException, OSError):
            smtp.quit()
        smtp.close()
        return refused

    def _error(self, said: str, *, final: bool = False) -> DeliveryFailedError:
        text = f"{self.where}: {self._masked(said)}"
        return DeliveryRejectedError(text) if final else DeliveryFailedError(text)

    def _masked(self, text: str) -> str:
        """``text`` without the password, plain or as the AUTH exchanges encode it."""
        s = self.settings
        if s.password is None or not s.password.reveal():
            return text
        password = s.password.reveal()
        user = s.user or ""
        forms = {
            password,
            _b64(password),
            _b64(f"\0{user}\0{password}"),
            _b64(f"{user}\0{password}"),
        }
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, "***")
        return text


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _reply(code: int, said: bytes | str) -> str:
    text = said.decode("utf-8", "replace") if isinstance(said, bytes) else said
    return f"{code} {' '.join(text.split())}"


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr}: {_reply(code, said)}" for addr, (code, said) in refused.items())
