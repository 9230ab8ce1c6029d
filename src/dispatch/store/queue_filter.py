"""The console's queue filter and orders as SQL, for the ticket store's windows and counts.

What ``dispatch.domain.filter.QueueFilter`` lets through: the same rule as
``QueueFilter.matches`` (tested against it on both backends); on SQLite the
words of open tickets go through the trigram index of migration 0005. The
scope "all" is read as two parts, the open tickets then the closed ones, each
walking an index that starts with ``is_open``; :func:`order_keys` are the
columns each order sorts a part by.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    column,
    false,
    func,
    not_,
    or_,
    select,
    table,
    true,
)

from dispatch.domain.filter import UNASSIGNED, Choice, QueueFilter, Scope
from dispatch.domain.model import TicketStatus
from dispatch.domain.queue import QueueOrder
from dispatch.store.schema import NO_DEADLINE, ContractRow, CustomerRow, TechnicianRow, TicketRow

TICKET_SEARCH = table("ticket_search", column("rowid", Integer), column("text", String))
"""SQLite's trigram index of open tickets' "title\\ncustomer" (migration 0005)."""


def _search_text(word: str) -> ColumnElement[bool]:
    """The trigram index's entries (open tickets) whose text contains ``word``.

    The index serves ``LIKE`` only without an ``ESCAPE`` clause, so a word with
    a wildcard character in it is escaped and matched by a scan of the index
    table instead (same answer, slower).
    """
    text = TICKET_SEARCH.c.text
    if any(c in word for c in "%_/"):
        escaped = word.replace("/", "//").replace("%", "/%").replace("_", "/_")
        return text.like(f"%{escaped}%", escape="/")
    return text.like(f"%{word}%")


def _search_like(word: str) -> ColumnElement[bool]:
    """Open tickets whose title or customer contains ``word``, from the trigram index."""
    return TicketRow.id.in_(select(TICKET_SEARCH.c.rowid).where(_search_text(word)))


def search_driven(
    where: QueueFilter,
    now: datetime,
    *clauses: ColumnElement[bool],
    dialect: str,
    is_open: bool,
) -> Select[Any] | None:
    """The ids of one part's tickets matching ``where`` (and ``clauses``), read from the index.

    On SQLite, for the open part of a filter with words: the trigram index's
    entries for the first word are read in the index's order, each ticket
    checked against the rest of the filter by its primary key (a correlated
    ``EXISTS``). Unlike ``id IN (matches)``, which reads every match before
    the first row and then walks every open ticket through them, this stops
    as soon as a ``LIMIT`` is reached, and costs what the matches cost.
    ``None``: no word to start from (or not SQLite), use :func:`filtered`.
    (A join of the two tables is no answer: SQLite's planner then walks the
    tickets and probes the index per ticket, some 100 times slower.)
    """
    if not (dialect == "sqlite" and is_open and where.words):
        return None
    first, *rest = where.words
    others = filtered(
        select(TicketRow.id), replace(where, words=tuple(rest)), now, dialect=dialect
    ).where(TicketRow.id == TICKET_SEARCH.c.rowid, *clauses)
    others = others.correlate(TICKET_SEARCH)  # not any "tickets" of an enclosing query
    return select(TICKET_SEARCH.c.rowid).where(_search_text(first), others.exists())


def search_matches(where: QueueFilter, upto: int) -> Select[Any] | None:
    """How many index entries hold the filter's first word, counted up to ``upto + 1``.

    More than the tickets the filter lets through (the other terms are not
    checked): what a window read uses to tell a small match set from a large
    one. ``None``: no word (the caller knows it is SQLite's open part).
    """
    if not where.words:
        return None
    entries = select(TICKET_SEARCH.c.rowid).where(_search_text(where.words[0])).limit(upto + 1)
    return select(func.count()).select_from(entries.subquery())


QUEUE_ORDER = (
    TicketRow.priority_rank,
    TicketRow.queue_due,
    TicketRow.severity_level,
    TicketRow.opened_at,
    TicketRow.id,
)
"""Queue order (``dispatch.domain.queue``) as the columns of ``ix_tickets_queue``."""

ASSIGNEE_LOGIN = func.coalesce(
    select(TechnicianRow.login)
    .where(TechnicianRow.id == TicketRow.assignee_id)
    .correlate(TicketRow)
    .scalar_subquery(),
    "",
)
"""The ticket's assignee's login, ``""`` for none (so that unassigned tickets sort first)."""


def order_keys(order: QueueOrder) -> tuple[Any, ...]:
    """The columns that sort one part (open or closed) of the queue in ``order``.

    Each ends in the id, so the order is total and a ticket's row is the
    number of tickets before its key.
    """
    if order is QueueOrder.DEADLINE:
        return (TicketRow.queue_due, TicketRow.id)  # ix_tickets_open_due (+ rowid on SQLite)
    if order is QueueOrder.AGE:
        return (TicketRow.opened_at, TicketRow.id)  # ix_tickets_open_opened
    if order is QueueOrder.ASSIGNEE:
        return (ASSIGNEE_LOGIN, *QUEUE_ORDER)  # a sort of the part: not an index walk
    return QUEUE_ORDER


def parts(where: QueueFilter) -> tuple[bool, ...]:
    """The parts the queue is read in: open tickets, and for the scope "all" closed ones."""
    return (True, False) if where.scope is Scope.ALL else (True,)


def filtered(
    query: Select[Any],
    where: QueueFilter,
    now: datetime,
    *,
    dialect: str = "",
    is_open: bool = True,
    per_row: bool = False,
) -> Select[Any]:
    """``query`` narrowed to the tickets of one part (open or not) that ``where`` lets through.

    ``per_row``: each ticket's words are looked up in the trigram index by its
    id, rather than the ticket's id in all of a word's matches (for a query
    that reads a few tickets, such as one by its id).
    """
    query = query.where(TicketRow.is_open == (true() if is_open else false()))
    if where.scope is Scope.MINE:
        query = query.where(_assignees(Choice(frozenset({where.me or UNASSIGNED}))))
    indexed_words = dialect == "sqlite" and is_open  # the trigram index holds open tickets
    customers = where.customers
    needs_customer = (bool(where.words or where.not_words) and not indexed_words) or customers
    if needs_customer:
        query = query.join(CustomerRow, CustomerRow.id == TicketRow.customer_id)
    for word in where.words:
        query = query.where(_word(word, indexed_words, per_row))
    for word in where.not_words:
        query = query.where(not_(_word(word, indexed_words, per_row)))
    if customers.only:
        query = query.where(
            or_(*(CustomerRow.name.icontains(c, autoescape=True) for c in sorted(customers.only)))
        )
    for part in sorted(customers.never):
        query = query.where(not_(CustomerRow.name.icontains(part, autoescape=True)))
    query = _choice(query, TicketRow.status, where.statuses, lambda s: s.value)
    query = _choice(query, TicketRow.severity, where.severities, lambda s: s.value)
    query = _choice(query, TicketRow.kind, where.works, lambda k: k.value)
    query = _choice(query, TicketRow.id, where.ids, int)
    if where.kinds:
        contracts = select(ContractRow.id)
        query = _choice(query, TicketRow.contract_id, where.kinds, lambda k: k.value, contracts)
    if where.assignees:
        query = query.where(_assignees(where.assignees))
    if where.sla:
        waiting = TicketRow.status == TicketStatus.WAITING_CUSTOMER.value
        flags = {
            "breached": TicketRow.queue_due < now,
            "warning": and_(TicketRow.queue_warn <= now, TicketRow.queue_due >= now),
            "ok": and_(TicketRow.queue_warn > now, TicketRow.queue_due < NO_DEADLINE),
            "paused": waiting,
            "none": and_(TicketRow.queue_due == NO_DEADLINE, ~waiting),
        }
        if where.sla.only:
            query = query.where(or_(*(flags[f] for f in sorted(where.sla.only))))
        for flag in sorted(where.sla.never):
            query = query.where(not_(flags[flag]))
    for bound in where.age:
        since = now - bound.span
        query = query.where(
            TicketRow.opened_at > since if bound.below else TicketRow.opened_at < since
        )
    if where.due:
        query = query.where(TicketRow.queue_due < NO_DEADLINE)
    for bound in where.due:
        until = now + bound.span
        query = query.where(
            TicketRow.queue_due < until if bound.below else TicketRow.queue_due > until
        )
    return query


def _word(word: str, indexed: bool, per_row: bool = False) -> ColumnElement[bool]:
    """Whether ``word`` occurs in the title or the customer's name."""
    if indexed and per_row:
        return (
            select(TICKET_SEARCH.c.rowid)
            .where(TICKET_SEARCH.c.rowid == TicketRow.id, _search_text(word))
            .correlate(TicketRow)
            .exists()
        )
    if indexed:
        return _search_like(word)
    return or_(
        TicketRow.title.icontains(word, autoescape=True),
        CustomerRow.name.icontains(word, autoescape=True),
    )


def _choice(
    query: Select[Any],
    col: Any,
    choice: Choice[Any],
    stored: Callable[[Any], Any],
    through: Select[Any] | None = None,
) -> Select[Any]:
    """``query`` where ``column`` is one of ``choice.only`` and none of ``choice.never``.

    ``through``: the values are those of another table's column, which
    ``col`` refers to (the contract of a ticket, by the contract's kind).
    """
    for values, keep in ((choice.only, True), (choice.never, False)):
        if not values:
            continue
        wanted = sorted(stored(v) for v in values)
        if through is not None:
            test = col.in_(through.where(ContractRow.kind.in_(wanted)))
        else:
            test = col.in_(wanted)
        query = query.where(test if keep else not_(test))
    return query


def _assignees(assignees: Choice[str]) -> ColumnElement[bool]:
    """The tickets whose assignee (``-``: none) ``assignees`` admits."""

    def named(logins: frozenset[str]) -> ColumnElement[bool]:
        tests = []
        if UNASSIGNED in logins:
            tests.append(TicketRow.assignee_id.is_(None))
        names = sorted(logins - {UNASSIGNED})
        if names:
            tests.append(
                TicketRow.assignee_id.in_(
                    select(TechnicianRow.id).where(TechnicianRow.login.in_(names))
                )
            )
        return or_(*tests)

    clauses = []
    if assignees.only:
        clauses.append(named(assignees.only))
    if assignees.never:
        # NOT IN is unknown for a NULL assignee: an unassigned ticket stays unless "-" is named.
        clauses.append(not_(named(assignees.never)))
        if UNASSIGNED not in assignees.never:
            clauses[-1] = or_(clauses[-1], TicketRow.assignee_id.is_(None))
    return and_(*clauses)
