"""A ticket's conversation as JSON and as text, for ``dispatch ticket show``.

Beside ``formats`` (the ticket itself): an article's text is customer text, so
the text form goes through ``Article.display`` (control characters stood in
for), while JSON keeps every body exactly as stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dispatch.domain.conversation import Article, ArticleChannel
from dispatch.domain.text import printable


def article_json(article: Article) -> dict[str, Any]:
    """One article with every field; ``body`` exactly as received or typed."""
    return {
        "id": article.id,
        "at": article.at.isoformat(),
        "author": article.author,
        "channel": article.channel.value,
        "visibility": article.visibility.value,
        "body": article.body,
        "subject": article.subject,
        "sender": article.sender,
        "recipients": list(article.recipients),
        "phone": article.phone,
        "message_id": article.message_id,
        "in_reply_to": article.in_reply_to,
        "references": list(article.references),
        "auto": article.auto,
        "attachments": [
            {"name": a.name, "content_type": a.content_type, "size": a.size, "stored": a.stored}
            for a in article.attachments
        ],
        "send_state": article.send_state.value if article.send_state else None,
        "send_error": article.send_error,
    }


def article_heading(article: Article) -> str:
    """``ana · reply → x@y.z · sent``: who, which channel, to or from whom, and its state."""
    parts = [printable(article.author), article.channel.label]
    if article.channel is ArticleChannel.EMAIL_OUT and article.recipients:
        parts[-1] += " → " + printable(", ".join(article.recipients))
    elif article.sender and article.sender != article.author:
        parts[-1] += " from " + printable(article.sender)
    if article.phone:
        parts[-1] += " " + printable(article.phone)
    if article.auto:
        parts.append(f"automatic ({article.auto}): not answered")
    if article.send_state is not None:
        state = article.send_state.value
        if article.send_error:
            state += ": " + printable(article.send_error)
        parts.append(state)
    return " · ".join(parts)


def articles_text(articles: Sequence[Article], total: int) -> list[str]:
    """The conversation as indented lines, oldest first; says how many are not shown."""
    if not articles:
        return ["conversation: none"]
    lines = ["conversation:"]
    if total > len(articles):
        lines.append(f"  ({total - len(articles)} earlier not shown)")
    for article in articles:
        when = article.at.strftime("%Y-%m-%d %H:%M:%S UTC")
        lines.append(f"  {when}  {article_heading(article)}")
        if article.subject:
            lines.append("    subject: " + printable(article.subject))
        lines.extend("    " + line for line in article.display.split("\n"))
        for a in article.attachments:
            kept = "" if a.stored else " (kept only in the raw message)"
            lines.append(f"    attachment: {printable(a.name)} ({a.size:,} bytes){kept}")
    return lines
