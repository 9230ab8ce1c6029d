"""The queue filter: what a dispatcher types after ``/``.

Words match the title or the customer name (all words must match, case
insensitive). ``key:value`` terms narrow further; a key may repeat to allow
several values::

    printer sla:breached
    status:new status:assigned kind:sub
    assignee:ana            assignee:-   (unassigned)
    customer:"Rhein Maschinenbau"

Keys: ``status`` (``s``), ``customer`` (``c``), ``assignee`` (``a``),
``kind`` (``k``: contract kind or its badge, e.g. ``sub``, ``msp``, ``blk``),
``sla`` (``breached``, ``warning``, ``ok``, ``paused``, ``none``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import ContractKind, Ticket, TicketStatus

SLA_FLAGS = ("breached", "warning", "ok", "paused", "none")
_KEYS = {
    "status": "status", "s": "status",
    "customer": "customer", "c": "customer",
    "assignee": "assignee", "a": "assignee", "tech": "assignee",
    "kind": "kind", "k": "kind",
    "sla": "sla",
}  # fmt: skip
UNASSIGNED = "-"


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """A parsed filter; the empty filter shows every open ticket.

    Attributes:
        words: Words that must all occur in the title or the customer name.
        statuses: Allowed statuses (empty: any).
        customer: Part of the customer's name.
        assignee: The assignee's login, or ``-`` for unassigned tickets.
        kinds: Allowed contract kinds (empty: any).
        sla: Allowed SLA flags (``Ticket.sla_flag``; empty: any).
    """

    words: tuple[str, ...] = ()
    statuses: frozenset[TicketStatus] = frozenset()
    customer: str | None = None
    assignee: str | None = None
    kinds: frozenset[ContractKind] = frozenset()
    sla: frozenset[str] = frozenset()

    @property
    def is_empty(self) -> bool:
        """Whether the filter lets every open ticket through."""
        return self == QueueFilter()

    def matches(self, ticket: Ticket, now: datetime) -> bool:
        """Whether ``ticket`` passes (the store runs the same rule in SQL)."""
        if not ticket.is_open:
            return False
        haystack = f"{ticket.title}\n{ticket.customer_name}".lower()
        if any(word not in haystack for word in self.words):
            return False
        if self.customer is not None and self.customer not in ticket.customer_name.lower():
            return False
        if self.statuses and ticket.status not in self.statuses:
            return False
        if self.kinds and ticket.contract_kind not in self.kinds:
            return False
        if self.assignee == UNASSIGNED and ticket.assignee is not None:
            return False
        if self.assignee not in (None, UNASSIGNED) and ticket.assignee != self.assignee:
            return False
        return not self.sla or ticket.sla_flag(now) in self.sla

    @classmethod
    def parse(cls, text: str) -> QueueFilter:
        """Parse what the dispatcher typed.

        Raises:
            InvalidInputError: For an unknown key or value, naming it.
        """
        try:
            tokens = shlex.split(text)
        except ValueError as exc:
            raise InvalidInputError(f"filter: {exc}") from None
        words: list[str] = []
        statuses: set[TicketStatus] = set()
        kinds: set[ContractKind] = set()
        sla: set[str] = set()
        customer: str | None = None
        assignee: str | None = None
        for token in tokens:
            key, sep, value = token.partition(":")
            if not sep or not key:
                words.append(token.lower())
                continue
            name = _KEYS.get(key.lower())
            if name is None:
                known = ", ".join(sorted({*_KEYS.values()}))
                raise InvalidInputError(f"filter: unknown key {key!r} (keys: {known})")
            value = value.strip()
            if not value:
                raise InvalidInputError(f"filter: {key}: needs a value")
            if name == "status":
                statuses.add(_status(value))
            elif name == "kind":
                kinds.add(_kind(value))
            elif name == "sla":
                if value.lower() not in SLA_FLAGS:
                    raise InvalidInputError(
                        f"filter: sla:{value} is not one of {', '.join(SLA_FLAGS)}"
                    )
                sla.add(value.lower())
            elif name == "customer":
                customer = value.lower()
            else:
                assignee = value
        return cls(
            words=tuple(words),
            statuses=frozenset(statuses),
            customer=customer,
            assignee=assignee,
            kinds=frozenset(kinds),
            sla=frozenset(sla),
        )


def _status(value: str) -> TicketStatus:
    wanted = value.lower().replace("-", "_")
    matches = [s for s in TicketStatus if s.value == wanted] or [
        s for s in TicketStatus if s.value.startswith(wanted)
    ]
    if len(matches) != 1:
        names = ", ".join(s.value for s in TicketStatus)
        raise InvalidInputError(f"filter: status:{value} matches no single status ({names})")
    return matches[0]


def _kind(value: str) -> ContractKind:
    wanted = value.lower()
    for kind in ContractKind:
        if wanted in (kind.value, kind.badge.lower()):
            return kind
    names = ", ".join(f"{k.value} ({k.badge.lower()})" for k in ContractKind)
    raise InvalidInputError(f"filter: kind:{value} is not a contract kind ({names})")
