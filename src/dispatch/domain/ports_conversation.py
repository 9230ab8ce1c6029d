"""Ports of a ticket's conversation: its articles, links between tickets, the mail sender.

Split from ``ports`` (which the unit of work keeps); the same Protocols.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from dispatch.domain.conversation import Article


class ArticleStore(Protocol):
    """Tickets' conversations: articles are added, never changed."""

    def add(self, article: Article) -> Article:
        """Store a new article (and its attachments' records); it with its id.

        Raises:
            DuplicateError: Its Message-ID is stored already (the transaction
                stays usable: a duplicate delivery is then simply dropped).
        """
        ...

    def get(self, article_id: int) -> Article:
        """One article with its send state.

        Raises:
            NotFoundError: No such article.
        """
        ...

    def for_ticket(self, ticket_id: int, *, last: int | None = None) -> list[Article]:
        """A ticket's articles, oldest first (``last``: only the newest so many)."""
        ...

    def count(self, ticket_id: int) -> int:
        """How many articles a ticket has."""
        ...

    def by_message_id(self, message_id: str) -> Article | None:
        """The article that has this Message-ID, if any."""
        ...


class TicketLinkStore(Protocol):
    """Tickets that follow others (a mail answering a closed ticket opens one)."""

    def add(self, ticket_id: int, follows_id: int, at: datetime) -> None:
        """Record that ``ticket_id`` follows ``follows_id``."""
        ...

    def follows(self, ticket_id: int) -> list[int]:
        """The tickets ``ticket_id`` follows, oldest link first."""
        ...

    def followed_by(self, ticket_id: int) -> list[int]:
        """The tickets that follow ``ticket_id``, oldest link first."""
        ...


class Mailer(Protocol):
    """Hands one e-mail to the configured SMTP server."""

    def send(self, message: bytes, sender: str, recipients: Sequence[str]) -> str:
        """Deliver ``message``; what the server said (refused recipients, if some were).

        Raises:
            DeliveryRejectedError: The server refused it for good (5xx): no retry helps.
            DeliveryFailedError: Anything that may pass (4xx, no connection,
                a timeout); the text never holds the password.
        """
        ...
