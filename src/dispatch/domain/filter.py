"""The queue filter: what a dispatcher types after ``/``.

Words match the title or the customer name (all words must match, case
insensitive). ``key:value`` terms narrow further. A comma gives a key
several values (any of them), as does repeating the key; ``!`` or ``-`` in
front of a term or a word leaves out what it matches (k9s style)::

    printer sla:breached
    status:new,assigned kind:sub        sev:P1,P2 work:emergency
    assignee:ana   tech:-  (unassigned)  !assignee:ana   -printer
    customer:"Rhein Maschinenbau"       id:19,23
    age:>2h   due:<30m   (a deadline within 30 minutes, or past)

Keys: ``status`` (``s``), ``customer`` (``c``), ``assignee`` (``a``,
``tech``), ``kind`` (``k``: contract kind or its badge, e.g. ``sub``,
``msp``, ``blk``), ``sla`` (``breached``, ``warning``, ``ok``, ``paused``,
``none``), ``severity`` (``sev``: ``P1``..``P4``), ``work`` (``w``: the kind
of work: ``emergency``, ``regular``, ``additional``), ``id`` (``19`` or
``T-19``), ``age`` (since opening) and ``due`` (until the queue's
deadline), both ``<`` or ``>`` a duration such as ``90m``, ``2h``, ``1d``,
``1h30m``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Generic, TypeVar

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import ContractKind, Severity, TicketKind, TicketStatus
from dispatch.domain.queue import QueueOrder
from dispatch.domain.ticket import Ticket

SLA_FLAGS = ("breached", "warning", "ok", "paused", "none")
_KEYS = {
    "status": "status", "s": "status",
    "customer": "customer", "c": "customer",
    "assignee": "assignee", "a": "assignee", "tech": "assignee",
    "kind": "kind", "k": "kind",
    "sla": "sla",
    "severity": "severity", "sev": "severity",
    "work": "work", "w": "work",
    "id": "id",
    "age": "age",
    "due": "due",
}  # fmt: skip
UNASSIGNED = "-"
NEGATIONS = ("!", "-")
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")
_TICKET_REF = re.compile(r"(?:t-)?(\d+)", re.IGNORECASE)

T = TypeVar("T")

FILTER_TERMS: tuple[tuple[str, str], ...] = (
    ("disk printer", "words: all must occur in the title or the customer's name"),
    ("T-19", "alone (or 19): go to that ticket, resolved and closed ones too"),
    ("id:19,23", "those tickets only (19 or T-19)"),
    ("status:new", "status (s:): " + ", ".join(s.label.replace(" ", "_") for s in TicketStatus)),
    ("severity:P1", "severity (sev:): " + ", ".join(s.value for s in Severity) + ", or 1 to 4"),
    ("work:emergency", "kind of work (w:): " + ", ".join(k.value for k in TicketKind)),
    ("tech:ana", f"technician's login (assignee:, a:); {UNASSIGNED} for unassigned"),
    ("customer:rhein", 'part of the customer\'s name (c:); "in quotes" with a space'),
    ("kind:sub", "contract kind (k:): " + ", ".join(k.badge.lower() for k in ContractKind)),
    ("sla:breached", "SLA state: " + ", ".join(SLA_FLAGS)),
    ("age:>2h", "time since opening, < or > a duration: 90m, 2h, 1d, 1h30m"),
    ("due:<1h", "time to the queue's deadline (past ones included)"),
    ("!tech:- -printer", f"{' or '.join(NEGATIONS)} in front leaves out what it matches"),
    ("sev:P1,P2", "a comma: any of the values (as does repeating the key)"),
)
"""The filter's terms: an example of each (every one parses) and what it does.

The console's help lists them; ``escape`` in the field clears the filter.
"""


@dataclass(frozen=True, slots=True)
class Choice(Generic[T]):
    """Which values of one field pass: any of ``only`` (empty: any), none of ``never``."""

    only: frozenset[T] = frozenset()
    never: frozenset[T] = frozenset()

    def admits(self, value: T) -> bool:
        """Whether ``value`` passes."""
        return (not self.only or value in self.only) and value not in self.never

    def __bool__(self) -> bool:
        return bool(self.only or self.never)


@dataclass(frozen=True, slots=True)
class Bound:
    """``< 2h`` or ``> 2h``: a duration a ticket's age or time to deadline is compared to."""

    below: bool
    span: timedelta

    def admits(self, value: timedelta) -> bool:
        """Whether ``value`` is on the bound's side (the bound itself is not)."""
        return value < self.span if self.below else value > self.span


class Scope(Enum):
    """Which tickets the queue holds before any filter: ``m`` cycles them."""

    OPEN = "open"
    """Every open ticket (the default)."""
    MINE = "mine"
    """The open tickets assigned to me."""
    ALL = "all"
    """Every ticket, resolved and closed ones too (the open ones first)."""

    @property
    def label(self) -> str:
        """How the console names the scope."""
        return {"open": "open tickets", "mine": "my tickets", "all": "all tickets"}[self.value]


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """A parsed filter, with the scope and order it is shown in.

    The empty filter shows every open ticket in contract-priority order.

    Attributes:
        words: Words that must all occur in the title or the customer name.
        not_words: Words that must occur in neither.
        statuses: Statuses that pass.
        customers: Parts of the customer's name (``only``: any of them).
        assignees: Logins that pass, ``-`` for unassigned tickets.
        kinds: Contract kinds that pass.
        sla: SLA flags (``Ticket.sla_flag``) that pass.
        severities: Severities that pass.
        works: Kinds of work that pass.
        ids: Ticket ids that pass.
        age: Bounds on the time since the ticket was opened (all must hold).
        due: Bounds on the time until the queue's deadline (all must hold;
            a ticket without a deadline passes none).
        scope: Which tickets there are to filter (open, mine, all).
        me: Whose tickets ``Scope.MINE`` holds (the console's user).
        order: The order of the queue (not part of what passes).
    """

    words: tuple[str, ...] = ()
    not_words: tuple[str, ...] = ()
    statuses: Choice[TicketStatus] = field(default_factory=Choice)
    customers: Choice[str] = field(default_factory=Choice)
    assignees: Choice[str] = field(default_factory=Choice)
    kinds: Choice[ContractKind] = field(default_factory=Choice)
    sla: Choice[str] = field(default_factory=Choice)
    severities: Choice[Severity] = field(default_factory=Choice)
    works: Choice[TicketKind] = field(default_factory=Choice)
    ids: Choice[int] = field(default_factory=Choice)
    age: tuple[Bound, ...] = ()
    due: tuple[Bound, ...] = ()
    scope: Scope = Scope.OPEN
    me: str = ""
    order: QueueOrder = QueueOrder.PRIORITY

    @property
    def is_empty(self) -> bool:
        """Whether no term was typed (the scope and the order may still narrow and sort)."""
        return self == QueueFilter(scope=self.scope, me=self.me, order=self.order)

    @property
    def moves_with_time(self) -> bool:
        """Whether what passes changes as time goes by alone (SLA state, age, due)."""
        return bool(self.sla or self.age or self.due)

    def terms_from(self, typed: QueueFilter) -> QueueFilter:
        """``typed``'s terms, in this filter's scope and order."""
        return replace(typed, scope=self.scope, me=self.me, order=self.order)

    def matches(self, ticket: Ticket, now: datetime) -> bool:
        """Whether ``ticket`` passes (the store runs the same rule in SQL)."""
        if not ticket.is_open and self.scope is not Scope.ALL:
            return False
        if self.scope is Scope.MINE and ticket.assignee != self.me:
            return False
        haystack = f"{ticket.title}\n{ticket.customer_name}".lower()
        if any(word not in haystack for word in self.words):
            return False
        if any(word in haystack for word in self.not_words):
            return False
        name = ticket.customer_name.lower()
        if self.customers.only and not any(part in name for part in self.customers.only):
            return False
        if any(part in name for part in self.customers.never):
            return False
        due = ticket.next_due
        return (
            self.statuses.admits(ticket.status)
            and self.kinds.admits(ticket.contract_kind)
            and self.assignees.admits(ticket.assignee or UNASSIGNED)
            and self.severities.admits(ticket.severity)
            and self.works.admits(ticket.kind)
            and self.ids.admits(ticket.id)
            and (not self.sla or self.sla.admits(ticket.sla_flag(now)))
            and all(b.admits(now - ticket.opened_at) for b in self.age)
            and (not self.due or (due is not None and all(b.admits(due - now) for b in self.due)))
        )

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
        not_words: list[str] = []
        sets: dict[str, tuple[set[object], set[object]]] = {
            name: (set(), set()) for name in _PARSERS
        }
        bounds: dict[str, list[Bound]] = {"age": [], "due": []}
        for token in tokens:
            negated = len(token) > 1 and token[0] in NEGATIONS
            body = token[1:] if negated else token
            key, sep, value = body.partition(":")
            if not sep or not key:
                (not_words if negated else words).append(body.lower())
                continue
            name = _KEYS.get(key.lower())
            if name is None:
                known = ", ".join(sorted({*_KEYS.values()}))
                raise InvalidInputError(f"filter: unknown key {key!r} (keys: {known})")
            value = value.strip()
            if not value:
                raise InvalidInputError(f"filter: {key}: needs a value")
            if name in bounds:
                if negated:
                    raise InvalidInputError(
                        f"filter: {token}: write the other side instead of negating a bound"
                    )
                bounds[name].append(_bound(name, value))
                continue
            parse_one = _PARSERS[name]
            values = [v.strip() for v in value.split(",")]
            if not all(values):
                raise InvalidInputError(f"filter: {key}:{value}: an empty value between commas")
            sets[name][1 if negated else 0].update(parse_one(v) for v in values)

        def choice(name: str) -> Choice[object]:
            only, never = sets[name]
            return Choice(frozenset(only), frozenset(never))

        return cls(
            words=tuple(words),
            not_words=tuple(not_words),
            statuses=choice("status"),  # type: ignore[arg-type]
            customers=choice("customer"),  # type: ignore[arg-type]
            assignees=choice("assignee"),  # type: ignore[arg-type]
            kinds=choice("kind"),  # type: ignore[arg-type]
            sla=choice("sla"),  # type: ignore[arg-type]
            severities=choice("severity"),  # type: ignore[arg-type]
            works=choice("work"),  # type: ignore[arg-type]
            ids=choice("id"),  # type: ignore[arg-type]
            age=tuple(bounds["age"]),
            due=tuple(bounds["due"]),
        )


MAX_VIEWS = 9
"""Saved views are switched with the digits ``1``–``9`` (``0`` is the plain queue)."""


@dataclass(frozen=True, slots=True)
class SavedView:
    """A named filter with its order and scope (``[views.NAME]`` in ``dispatch.toml``).

    Attributes:
        name: The table's name, shown on the views line.
        text: The filter as written (shown on the filter line).
        where: ``text`` parsed, in the view's scope and order (``me`` is filled
            in by the console that shows it).
    """

    name: str
    text: str
    where: QueueFilter

    @classmethod
    def parse(cls, name: str, spec: Mapping[str, object], where: str) -> SavedView:
        """A view from its table: ``filter``, ``order`` and ``scope``, all optional.

        Raises:
            InvalidInputError: Naming ``where`` (the file and table) and what is wrong.
        """
        unknown = sorted(set(spec) - {"filter", "order", "scope"})
        if unknown:
            raise InvalidInputError(
                f"{where}: does not know {', '.join(unknown)} (known: filter, order, scope)"
            )
        text, order, scope = (_string(spec, key, default, where) for key, default in _VIEW_DEFAULTS)
        try:
            parsed = QueueFilter.parse(text)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{where}: {exc}") from None
        return cls(
            name=name,
            text=text.strip(),
            where=replace(
                parsed,
                order=_named(QueueOrder, order, f"{where}: order"),
                scope=_named(Scope, scope, f"{where}: scope"),
            ),
        )


_VIEW_DEFAULTS = (("filter", ""), ("order", "priority"), ("scope", "open"))

E = TypeVar("E", bound=Enum)


def _string(spec: Mapping[str, object], key: str, default: str, where: str) -> str:
    value = spec.get(key, default)
    if not isinstance(value, str):
        raise InvalidInputError(f"{where}: {key} must be a string")
    return value


def _named(kind: type[E], value: str, where: str) -> E:
    try:
        return kind(value.strip().lower())
    except ValueError:
        known = ", ".join(str(member.value) for member in kind)
        raise InvalidInputError(f"{where} must be one of {known}, not {value!r}") from None


def ticket_ref(text: str) -> int | None:
    """The id of ``T-19`` or ``19`` typed alone, else ``None``."""
    found = _TICKET_REF.fullmatch(text.strip())
    return int(found.group(1)) if found else None


def _one_of(
    key: str, value: str, choices: Iterable[T], name: Callable[[T], Iterable[str]], label: str
) -> T:
    """The single choice one of whose names is ``value``, or starts with it."""
    wanted = value.lower().replace("-", "_").replace(" ", "_")
    options = list(choices)
    exact = [c for c in options if wanted in name(c)]
    matches = exact or [c for c in options if any(n.startswith(wanted) for n in name(c))]
    if len(matches) != 1:
        names = ", ".join("/".join(name(c)) for c in options)
        raise InvalidInputError(f"filter: {key}:{value} matches no single {label} ({names})")
    return matches[0]


def _status(value: str) -> TicketStatus:
    return _one_of(
        "status", value, TicketStatus, lambda s: (s.value, s.label.replace(" ", "_")), "status"
    )


def _kind(value: str) -> ContractKind:
    wanted = value.lower()
    for kind in ContractKind:
        if wanted in (kind.value, kind.badge.lower()):
            return kind
    names = ", ".join(f"{k.value} ({k.badge.lower()})" for k in ContractKind)
    raise InvalidInputError(f"filter: kind:{value} is not a contract kind ({names})")


def _sla(value: str) -> str:
    if value.lower() not in SLA_FLAGS:
        raise InvalidInputError(f"filter: sla:{value} is not one of {', '.join(SLA_FLAGS)}")
    return value.lower()


def _severity(value: str) -> Severity:
    return _one_of("severity", value, Severity, lambda s: (s.value.lower(), s.value[1]), "severity")


def _work(value: str) -> TicketKind:
    return _one_of("work", value, TicketKind, lambda k: (k.value,), "kind of work")


def _id(value: str) -> int:
    found = ticket_ref(value)
    if found is None:
        raise InvalidInputError(f"filter: id:{value} is not a ticket number (19 or T-19)")
    return found


def _bound(key: str, value: str) -> Bound:
    if value[0] not in "<>":
        raise InvalidInputError(f"filter: {key}:{value} needs < or > before the duration")
    text = value[1:].strip().lower()
    found = _DURATION.fullmatch(text)
    if not text or found is None:
        raise InvalidInputError(
            f"filter: {key}:{value}: {text or 'nothing'} is not a duration (90m, 2h, 1d, 1h30m)"
        )
    days, hours, minutes = (int(g or 0) for g in found.groups())
    return Bound(value[0] == "<", timedelta(days=days, hours=hours, minutes=minutes))


_PARSERS: dict[str, Callable[[str], object]] = {
    "status": _status,
    "customer": str.lower,
    "assignee": lambda v: v,
    "kind": _kind,
    "sla": _sla,
    "severity": _severity,
    "work": _work,
    "id": _id,
}
