"""Tickets' conversations in SQL: articles and their attachments, append-only."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch.domain.conversation import (
    Article,
    ArticleChannel,
    Attachment,
    SendState,
    Visibility,
)
from dispatch.domain.errors import DuplicateError, NotFoundError
from dispatch.store.schema import ArticleRow, AttachmentRow, DeliveryRow


class SqlArticleStore:
    """Articles of tickets; a reply's send state is read from its outbox delivery.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, article: Article) -> Article:
        """Insert ``article`` and its attachments' records; it with its id."""
        row = ArticleRow(
            ticket_id=article.ticket_id,
            at=article.at,
            author=article.author,
            channel=article.channel.value,
            visibility=article.visibility.value,
            body=article.body,
            subject=article.subject,
            sender=article.sender,
            recipients=list(article.recipients),
            phone=article.phone,
            message_id=article.message_id,
            in_reply_to=article.in_reply_to,
            references=list(article.references),
            auto=article.auto,
            raw_ref=article.raw_ref,
        )
        try:
            # A savepoint: a Message-ID stored meanwhile (the same mail delivered
            # twice at once) fails only this insert, not the transaction.
            with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError:
            raise DuplicateError(f"message {article.message_id} is stored already") from None
        self._session.add_all(
            AttachmentRow(
                article_id=row.id,
                name=a.name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                stored=a.stored,
            )
            for a in article.attachments
        )
        self._session.flush()
        return self.get(row.id)

    def get(self, article_id: int) -> Article:
        """One article with its attachments and send state."""
        found = self._read(select(ArticleRow).where(ArticleRow.id == article_id))
        if not found:
            raise NotFoundError(f"no article with id {article_id}")
        return found[0]

    def for_ticket(self, ticket_id: int, *, last: int | None = None) -> list[Article]:
        """A ticket's articles, oldest first; ``last``: only the newest ``last``."""
        query = select(ArticleRow).where(ArticleRow.ticket_id == ticket_id)
        if last is None:
            return self._read(query.order_by(ArticleRow.id))
        return self._read(query.order_by(ArticleRow.id.desc()).limit(last))[::-1]

    def count(self, ticket_id: int) -> int:
        """How many articles the ticket has."""
        query = select(func.count()).where(ArticleRow.ticket_id == ticket_id)
        return self._session.scalar(query) or 0

    def by_message_id(self, message_id: str) -> Article | None:
        """The article with this Message-ID."""
        found = self._read(select(ArticleRow).where(ArticleRow.message_id == message_id))
        return found[0] if found else None

    def _read(self, query: Select[ArticleRow]) -> list[Article]:
        rows = list(self._session.scalars(query))
        if not rows:
            return []
        ids = [r.id for r in rows]
        files: dict[int, list[Attachment]] = {}
        for a in self._session.scalars(
            select(AttachmentRow)
            .where(AttachmentRow.article_id.in_(ids))
            .order_by(AttachmentRow.id)
        ):
            files.setdefault(a.article_id, []).append(
                Attachment(a.name, a.content_type, a.size, a.sha256, a.stored)
            )
        sends = {
            d.article_id: d
            for d in self._session.scalars(
                select(DeliveryRow).where(DeliveryRow.article_id.in_(ids))
            )
        }
        return [_article(r, files.get(r.id, ()), sends.get(r.id)) for r in rows]


def _article(
    row: ArticleRow, files: list[Attachment] | tuple[()], send: DeliveryRow | None
) -> Article:
    return Article(
        id=row.id,
        ticket_id=row.ticket_id,
        at=row.at,
        author=row.author,
        channel=ArticleChannel(row.channel),
        visibility=Visibility(row.visibility),
        body=row.body,
        subject=row.subject,
        sender=row.sender,
        recipients=tuple(row.recipients or ()),
        phone=row.phone,
        message_id=row.message_id,
        in_reply_to=row.in_reply_to,
        references=tuple(row.references or ()),
        auto=row.auto,
        raw_ref=row.raw_ref,
        attachments=tuple(files),
        send_state=SendState(send.state) if send is not None else None,
        send_error=send.last_error if send is not None else None,
    )
