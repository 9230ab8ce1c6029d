"""Sending notifications through Apprise (the optional ``notify`` extra).

Apprise turns a URL into a delivery: ``json://host/path`` (a JSON POST),
``jsons://`` (HTTPS), ``mailto://user:password@host`` (SMTP), and many more.
Its messages name the host at most; the URL, which may hold a token or a
password, is masked here as well before any text is kept or shown.
"""

from __future__ import annotations

import logging
import re

from dispatch.domain.errors import DeliveryFailedError
from dispatch.domain.notify import Secret

EXTRA_HINT = "notifications need the notify extra: pip install 'dispatch[notify]'"


def available() -> bool:
    """Whether Apprise is installed."""
    try:
        import apprise  # noqa: F401
    except ImportError:
        return False
    return True


class AppriseNotifier:
    """A ``Notifier`` that sends each message with a fresh Apprise instance."""

    def __init__(self) -> None:
        # Apprise logs at INFO and DEBUG with more detail than needed; keep warnings.
        logging.getLogger("apprise").setLevel(logging.WARNING)

    def send(self, url: Secret, title: str, body: str) -> None:
        """Deliver one message, or raise ``DeliveryFailedError`` (without the address)."""
        try:
            import apprise
        except ImportError:
            raise DeliveryFailedError(EXTRA_HINT) from None
        sender = apprise.Apprise()
        if not sender.add(url.reveal()):
            raise DeliveryFailedError("the target's URL is not one Apprise understands")
        result = sender.notify(title=title, body=body)
        if result:
            return
        said = "; ".join(entry.message for entry in result.logs()) or "not delivered"
        raise DeliveryFailedError(mask(said, url))


def mask(text: str, url: Secret) -> str:
    """``text`` without the URL or its credentials (user info, query values)."""
    raw = url.reveal()
    secrets = {raw}
    userinfo = re.match(r"^[a-z0-9+.-]+://([^@/]+)@", raw, re.IGNORECASE)
    if userinfo:
        secrets |= set(userinfo.group(1).split(":"))
    secrets |= set(re.findall(r"[?&][^=&]+=([^&]+)", raw))
    for secret in sorted((s for s in secrets if len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
