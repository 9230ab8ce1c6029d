"""A ticket's conversation in the detail pane: newest last, bodies literal and cut.

Each article is a heading (when, who, how, to or from whom, and for a reply
whether it was sent) and its body exactly as stored, made safe to show
(control characters stood in for) and cut like the description so that no
mail can freeze the console; ``dispatch ticket show`` prints everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from textual.content import Content

from dispatch.article_format import article_heading
from dispatch.domain.conversation import Article, SendState, display_text
from dispatch.ui.safe import safe

MAX_ARTICLES = 30
"""How many of the newest articles the pane reads and shows."""
MAX_BODY_LINES = 40
MAX_BODY_CHARS = 4_000

_STATE_STYLE = {
    SendState.PENDING: "$warning",
    SendState.SENT: "$success",
    SendState.FAILED: "bold $error",
}


def conversation_content(articles: Sequence[Article], total: int, zone: ZoneInfo) -> Content:
    """The conversation section: a heading, then each article, oldest of those shown first."""
    lines: list[Content] = [Content.styled("Conversation", "bold underline")]
    if not articles:
        lines.append(
            Content.styled("(nothing yet: c adds a note, r replies, l logs a call)", "dim")
        )
        return Content("\n").join(lines)
    if total > len(articles):
        earlier = total - len(articles)
        lines.append(
            Content.styled(
                f"… {earlier} earlier not shown (dispatch ticket show prints all)", "dim"
            )
        )
    for article in articles:
        lines.append(_heading(article, zone))
        lines.append(_body(article.body))
    return Content("\n").join(lines)


def _heading(article: Article, zone: ZoneInfo) -> Content:
    when = article.at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    style = "bold"
    if article.send_state is not None:
        style = _STATE_STYLE[article.send_state]
    elif article.auto:
        style = "dim"
    heading = safe(article_heading(article), style)
    if article.subject:
        heading = Content.assemble(heading, ("  ", ""), safe(article.subject, "italic"))
    return Content.assemble((when, "dim"), "  ", heading)


def _body(raw: str) -> Content:
    # Only what can be shown is made safe: a body may hold a million characters,
    # and this runs at every move of the cursor. (A CRLF is one character shown.)
    text = display_text(raw[: 2 * MAX_BODY_CHARS])
    shown = text[:MAX_BODY_CHARS]
    lines = shown.split("\n")
    cut = len(raw) > 2 * MAX_BODY_CHARS or len(text) > MAX_BODY_CHARS or len(lines) > MAX_BODY_LINES
    kept = lines[:MAX_BODY_LINES]
    body = Content("\n".join("  " + line for line in kept))  # display_text made it safe
    if cut:
        more = len(raw) - sum(len(line) + 1 for line in kept)
        body = Content.assemble(
            body, (f"\n  … {max(more, 1):,} more characters not shown", "dim italic")
        )
    return body
