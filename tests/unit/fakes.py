"""In-memory implementations of the ports, for service tests."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from dispatch.domain.alerts import Alert, AlertLevel, Threshold, is_late, reached
from dispatch.domain.calendar import Calendar
from dispatch.domain.conversation import Article, SendState
from dispatch.domain.errors import (
    ConflictError,
    DuplicateError,
    InvalidInputError,
    NotFoundError,
)
from dispatch.domain.exports import ContractExport, TicketExport
from dispatch.domain.filter import QueueFilter
from dispatch.domain.model import Contact, Contract, Customer, Target, Technician
from dispatch.domain.monitoring import Incident, KeyTicket
from dispatch.domain.notify import Delivery
from dispatch.domain.oncall import Override, Rotation
from dispatch.domain.plans import Plan, PlanRun
from dispatch.domain.queue import order_queue
from dispatch.domain.ticket import Event, Ticket


class FakeTicketStore:
    def __init__(self) -> None:
        self.rows: dict[int, Ticket] = {}

    def get(self, ticket_id: int, *, description_chars: int | None = None) -> Ticket:
        if ticket_id not in self.rows:
            raise NotFoundError(f"no ticket T-{ticket_id}")
        ticket = self.rows[ticket_id]
        if description_chars is not None and len(ticket.description) > description_chars:
            return replace(
                ticket,
                description=ticket.description[:description_chars],
                description_size=len(ticket.description.encode()),
            )
        return ticket

    def add(self, ticket: Ticket) -> Ticket:
        stored = replace(ticket, id=len(self.rows) + 1, version=1)
        self.rows[stored.id] = stored
        return stored

    def check_version(self, ticket_id: int, expected_version: int) -> None:
        current = self.get(ticket_id)
        if current.version != expected_version:
            raise ConflictError(ticket_id, expected_version, current.version)

    def update(self, ticket: Ticket, expected_version: int) -> Ticket:
        current = self.get(ticket.id)
        if current.version != expected_version:
            raise ConflictError(ticket.id, expected_version, current.version)
        stored = replace(ticket, version=current.version + 1)
        self.rows[ticket.id] = stored
        return stored

    def queue(self, *, open_only: bool = True, limit: int | None = None) -> list[Ticket]:
        tickets = [t for t in self.rows.values() if t.is_open or not open_only]
        ordered = order_queue(tickets)
        return ordered[:limit] if limit is not None else ordered

    def count_open(self) -> int:
        return sum(1 for t in self.rows.values() if t.is_open)

    def _matching(self, where: QueueFilter, now: datetime) -> list[Ticket]:
        return order_queue(t for t in self.rows.values() if where.matches(t, now))

    def window(self, where: QueueFilter, now: datetime, offset: int, limit: int) -> list[Ticket]:
        return self._matching(where, now)[offset : offset + limit]

    def count(self, where: QueueFilter, now: datetime) -> int:
        return len(self._matching(where, now))

    def count_upto(self, where: QueueFilter, now: datetime, upto: int) -> tuple[int, bool]:
        n = self.count(where, now)
        return (upto, True) if n > upto else (n, False)

    def position(self, where: QueueFilter, now: datetime, ticket_id: int) -> int | None:
        ids = [t.id for t in self._matching(where, now)]
        return ids.index(ticket_id) if ticket_id in ids else None

    def counts(self, now: datetime) -> dict[str, int]:
        live = [t for t in self.rows.values() if t.is_open]
        return {
            "open": len(live),
            "unassigned": sum(t.assignee is None for t in live),
            "at_risk": sum(t.sla_flag(now) == "warning" for t in live),
            "breached": sum(t.sla_flag(now) == "breached" for t in live),
        }

    def by_external_id(self, external_id: str) -> Ticket | None:
        return next((t for t in self.rows.values() if t.external_id == external_id), None)

    def add_many(self, tickets: Sequence[Ticket]) -> list[Ticket]:
        return [self.add(t) for t in tickets]

    def by_external_id_exists(self) -> bool:
        return any(t.external_id is not None for t in self.rows.values())

    def loads(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.rows.values():
            if t.is_open and t.assignee:
                out[t.assignee] = out.get(t.assignee, 0) + 1
        return out

    def counts_and_loads(self, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
        return self.counts(now), self.loads()

    def of_customer(
        self,
        customer_id: int,
        *,
        limit: int,
        since: datetime | None = None,
        open_only: bool = False,
    ) -> list[Ticket]:
        found = [
            replace(t, description="", description_size=len(t.description.encode()) or None)
            for t in self.rows.values()
            if t.customer_id == customer_id
            and (since is None or t.opened_at >= since)
            and (t.is_open or not open_only)
        ]
        found.sort(key=lambda t: (t.opened_at, t.id), reverse=True)
        return found[: max(limit, 0)]

    def next_count_change(self, now: datetime) -> datetime | None:
        ahead = [
            at
            for t in self.rows.values()
            if t.is_open
            for at, ahead in ((t.next_due, now), (t.next_warn, now + timedelta.resolution))
            if at is not None and at >= ahead
        ]
        return min(ahead, default=None)


class FakeDirectory:
    def __init__(
        self,
        customers: Sequence[Customer] = (),
        contracts: Sequence[Contract] = (),
        technicians: Sequence[Technician] = (),
    ) -> None:
        self._customers = list(customers)
        self._contracts = list(contracts)
        self._techs = list(technicians)
        self._calendars: dict[str, Calendar] = {}

    def customers(self) -> list[Customer]:
        return sorted(self._customers, key=lambda c: c.name)

    def customer_by_name(self, name: str) -> Customer:
        for c in self._customers:
            if c.name == name:
                return c
        raise NotFoundError(f"no customer named {name!r}")

    def customer(self, customer_id: int) -> Customer:
        for c in self._customers:
            if c.id == customer_id:
                return c
        raise NotFoundError(f"no customer with id {customer_id}")

    def calendars(self) -> dict[str, Calendar]:
        return dict(self._calendars)

    def save_calendar(self, calendar: Calendar, at: datetime) -> bool:
        new = calendar.name not in self._calendars
        self._calendars[calendar.name] = calendar
        return new

    def contracts(self, customer_id: int | None = None) -> list[Contract]:
        return [c for c in self._contracts if customer_id in (None, c.customer_id)]

    def contract(self, contract_id: int) -> Contract:
        for c in self._contracts:
            if c.id == contract_id:
                return c
        raise NotFoundError(f"no contract with id {contract_id}")

    def technicians(self) -> list[Technician]:
        return sorted(self._techs, key=lambda t: t.login)

    def technician(self, login: str) -> Technician:
        for t in self._techs:
            if t.login == login:
                return t
        raise NotFoundError(f"no technician with login {login!r}")

    # --- the administrator's writes: kept in lists, ids counted up ---

    def _next_id(self, items: Sequence[Customer | Contract | Technician | Contact]) -> int:
        return max((i.id for i in items), default=0) + 1

    def has_customers(self) -> bool:
        return any(c.retired_at is None for c in self._customers)

    def customer_by_external_id(self, external_id: str) -> Customer | None:
        return next((c for c in self._customers if c.external_id == external_id), None)

    def add_customer(self, customer: Customer) -> Customer:
        added = replace(customer, id=self._next_id(self._customers))
        self._customers.append(added)
        return added

    def update_customer(self, customer: Customer, fields: Collection[str]) -> Customer:
        old = self.customer(customer.id)
        self._customers[self._customers.index(old)] = replace(customer, contacts=old.contacts)
        return self.customer(customer.id)

    def _contacts(self) -> list[Contact]:
        return [k for c in self._customers for k in c.contacts]

    def contact(self, contact_id: int) -> Contact:
        for k in self._contacts():
            if k.id == contact_id:
                return k
        raise NotFoundError(f"no contact with id {contact_id}")

    def add_contact(self, contact: Contact) -> Contact:
        added = replace(contact, id=self._next_id(self._contacts()))
        owner = self.customer(contact.customer_id)
        self._customers[self._customers.index(owner)] = replace(
            owner, contacts=(*owner.contacts, added)
        )
        return added

    def update_contact(self, contact: Contact, fields: Collection[str]) -> Contact:
        self.remove_contact(contact.id)  # whole: the fake keeps no stale copies
        owner = self.customer(contact.customer_id)
        self._customers[self._customers.index(owner)] = replace(
            owner, contacts=tuple(sorted((*owner.contacts, contact), key=lambda k: k.id))
        )
        return contact

    def remove_contact(self, contact_id: int) -> None:
        gone = self.contact(contact_id)
        owner = self.customer(gone.customer_id)
        self._customers[self._customers.index(owner)] = replace(
            owner, contacts=tuple(k for k in owner.contacts if k.id != contact_id)
        )

    def contract_by_name(self, name: str) -> Contract:
        for c in self._contracts:
            if c.name == name:
                return c
        raise NotFoundError(f"no contract named {name!r}")

    def contract_by_external_id(self, external_id: str) -> Contract | None:
        return next((c for c in self._contracts if c.external_id == external_id), None)

    def add_contract(self, contract: Contract) -> Contract:
        added = replace(contract, id=self._next_id(self._contracts))
        self._contracts.append(added)
        return added

    def update_contract(self, contract: Contract, fields: Collection[str]) -> Contract:
        self._contracts[self._contracts.index(self.contract(contract.id))] = contract
        return contract

    def technician_by_external_id(self, external_id: str) -> Technician | None:
        return next((t for t in self._techs if t.external_id == external_id), None)

    def add_technician(self, tech: Technician) -> Technician:
        added = replace(tech, id=self._next_id(self._techs))
        self._techs.append(added)
        return added

    def update_technician(self, tech: Technician, fields: Collection[str]) -> Technician:
        old = next(t for t in self._techs if t.id == tech.id)
        self._techs[self._techs.index(old)] = tech
        return tech


class FakeEventLog:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        ticket_id: int | None = None,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        note: str | None = None,
    ) -> Event:
        event = Event(
            len(self.events) + 1,
            at,
            actor,
            action,
            ticket_id,
            dict(before or {}),
            dict(after or {}),
            note,
        )
        self.events.append(event)
        return event

    def append_many(self, entries: Sequence[Mapping[str, Any]]) -> None:
        for entry in entries:
            self.append(**entry)

    def for_ticket(self, ticket_id: int) -> Sequence[Event]:
        return [e for e in self.events if e.ticket_id == ticket_id]

    def for_tickets(self, ticket_ids: Sequence[int]) -> dict[int, list[Event]]:
        found: dict[int, list[Event]] = {}
        for e in self.events:
            if e.ticket_id is not None and e.ticket_id in ticket_ids:
                found.setdefault(e.ticket_id, []).append(e)
        return found

    def listing(
        self,
        *,
        ticket_id: int | None = None,
        since: datetime | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> Sequence[Event]:
        found = [
            e
            for e in self.events
            if e.id > after_id
            and ticket_id in (None, e.ticket_id)
            and (since is None or e.at >= since)
        ]
        return found[:limit] if limit is not None else found

    def last_id(self) -> int:
        return max((e.id for e in self.events), default=0)


class FakeAlertStore:
    """Alerts by key over the fake tickets, using the domain's ``reached`` rule."""

    def __init__(self, tickets: FakeTicketStore) -> None:
        self._tickets = tickets
        self.rows: dict[int, Alert] = {}
        self.leases: dict[str, tuple[str, datetime]] = {}

    def _keys(self) -> set[tuple[int, Target, AlertLevel]]:
        return {(a.ticket_id, a.target, a.level) for a in self.rows.values()}

    def reached(
        self,
        now: datetime,
        limit: int,
        *,
        kind: tuple[Target, AlertLevel] | None = None,
        since: datetime | None = None,
        ticket_ids: Sequence[int] | None = None,
        after: tuple[datetime, int] | None = None,
    ) -> list[Threshold]:
        keys = self._keys()

        def wanted(t: Threshold) -> bool:
            behind = after if kind is not None else None
            return (
                (t.ticket_id, t.target, t.level) not in keys
                and kind in (None, (t.target, t.level))
                and (since is None or t.at > since)
                and (ticket_ids is None or t.ticket_id in ticket_ids)
                and (behind is None or (t.at, t.ticket_id) > behind)
            )

        out = [t for ticket in self._tickets.rows.values() for t in reached(ticket, now)
               if wanted(t)]  # fmt: skip
        return sorted(out, key=lambda t: (t.at, t.ticket_id))[:limit]

    def raise_alerts(
        self,
        thresholds: Sequence[Threshold],
        now: datetime,
        grace: timedelta,
        *,
        imported: bool = False,
    ) -> list[Alert]:
        created = []
        for t in thresholds:
            if (t.ticket_id, t.target, t.level) in self._keys():
                continue
            alert = Alert(
                len(self.rows) + 1, t.ticket_id, t.target, t.level, t.at, now,
                is_late(t.at, now, grace), imported=imported,
            )  # fmt: skip
            self.rows[alert.id] = alert
            created.append(alert)
        return created

    def get(self, alert_id: int) -> Alert:
        if alert_id not in self.rows:
            raise NotFoundError(f"no alert with id {alert_id}")
        return self.rows[alert_id]

    def newest(
        self, *, unacked: bool = False, limit: int | None = None, ticket_id: int | None = None
    ) -> list[Alert]:
        out = [
            a
            for a in sorted(self.rows.values(), key=lambda a: -a.id)
            if not (unacked and a.acked) and ticket_id in (None, a.ticket_id)
        ]
        return out[:limit] if limit is not None else out

    def after(self, alert_id: int, limit: int = 500) -> list[Alert]:
        return [a for a in sorted(self.rows.values(), key=lambda a: a.id) if a.id > alert_id][
            :limit
        ]

    def last_id(self) -> int:
        return max(self.rows, default=0)

    def unacked_breaches(self) -> int:
        return sum(a.level is AlertLevel.BREACH and not a.acked for a in self.rows.values())

    def acknowledge(self, alert_id: int, actor: str, at: datetime) -> Alert:
        alert = self.get(alert_id)
        if alert.acked:
            raise InvalidInputError(f"{alert.ref} was already acknowledged by {alert.acked_by}")
        self.rows[alert_id] = replace(alert, acked_by=actor, acked_at=at)
        return self.rows[alert_id]

    def take_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        current = self.leases.get(name)
        if current is not None and current[0] != holder and current[1] > now:
            return False
        self.leases[name] = (holder, now + ttl)
        return True

    def release_lease(self, name: str, holder: str, now: datetime) -> None:
        if self.leases.get(name, ("", now))[0] == holder:
            self.leases[name] = (holder, now)

    def lease(self, name: str) -> tuple[str, datetime] | None:
        return self.leases.get(name)


class FakeOutbox:
    """Deliveries in a dict; routing from the fake tickets."""

    def __init__(self, tickets: FakeTicketStore, alerts: FakeAlertStore) -> None:
        self._tickets = tickets
        self._alerts = alerts
        self.rows: dict[int, Delivery] = {}
        self.tried: dict[int, list[tuple[datetime, bool, str]]] = {}

    def enqueue(self, alert_id: int, targets: Sequence[str], step: int, now: datetime) -> int:
        have = {(d.alert_id, d.target, d.step) for d in self.rows.values()}
        added = 0
        for target in targets:
            if (alert_id, target, step) not in have:
                new_id = len(self.rows) + 1
                self.rows[new_id] = Delivery(new_id, alert_id, target, step, "pending", 0, now)
                added += 1
        return added

    def enqueue_reply(self, article_id: int, target: str, now: datetime) -> int:
        new_id = len(self.rows) + 1
        self.rows[new_id] = Delivery(
            new_id, None, target, 0, "pending", 0, now, article_id=article_id
        )
        return new_id

    def due(self, now: datetime, limit: int, *, replies: bool = False) -> list[Delivery]:
        due = [
            d
            for d in self.rows.values()
            if d.state == "pending"
            and d.next_attempt_at <= now
            and (d.article_id is not None) == replies
        ]
        return sorted(due, key=lambda d: (d.next_attempt_at, d.id))[:limit]

    def claim(self, delivery_id: int, now: datetime, until: datetime) -> bool:
        row = self.rows[delivery_id]
        if row.state != "pending" or row.next_attempt_at > now:
            return False
        self.rows[delivery_id] = replace(row, next_attempt_at=until)
        return True

    def record(
        self,
        delivery_id: int,
        now: datetime,
        *,
        ok: bool,
        detail: str,
        retry_at: datetime | None,
    ) -> Delivery:
        row = self.rows[delivery_id]
        self.tried.setdefault(delivery_id, []).append((now, ok, detail))
        row = replace(row, attempts=row.attempts + 1)
        if ok:
            row = replace(row, state="sent", sent_at=now, last_error=None)
        elif retry_at is None:
            row = replace(row, state="failed", last_error=detail)
        else:
            row = replace(row, next_attempt_at=retry_at, last_error=detail)
        self.rows[delivery_id] = row
        return row

    def for_alert(self, alert_id: int) -> list[Delivery]:
        return sorted(
            (d for d in self.rows.values() if d.alert_id == alert_id),
            key=lambda d: (d.step, d.target),
        )

    def attempts(self, delivery_id: int) -> list[tuple[datetime, bool, str]]:
        return list(self.tried.get(delivery_id, []))

    def unacked_breaches(self, raised_before: datetime, limit: int) -> list[tuple[Alert, int]]:
        out = []
        for alert in sorted(self._alerts.rows.values(), key=lambda a: a.id):
            due = alert.raised_at <= raised_before
            if alert.level is AlertLevel.BREACH and not alert.acked and due:
                top = max((d.step for d in self.for_alert(alert.id)), default=0)
                out.append((alert, top))
        return out[:limit]

    def routing(self, ticket_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        rows = self._tickets.rows
        return {i: (f"contract-{rows[i].contract_id}", rows[i].assignee) for i in ticket_ids}


class FakePlanStore:
    """Plans, runs, time entries and periods in lists."""

    def __init__(self) -> None:
        self.rows: dict[int, Plan] = {}
        self.run_rows: dict[tuple[int, datetime], PlanRun] = {}
        self.entries: list[tuple[int, int, int, date]] = []
        self.periods: dict[tuple[int, date], tuple[date, float, datetime | None]] = {}

    def add_plan(self, plan: Plan) -> Plan:
        stored = replace(plan, id=len(self.rows) + 1)
        self.rows[stored.id] = stored
        return stored

    def plans(self, *, active_only: bool = False) -> list[Plan]:
        return [p for p in self.rows.values() if p.active or not active_only]

    def last_occurrence(self, plan_id: int) -> datetime | None:
        return max((o for p, o in self.run_rows if p == plan_id), default=None)

    def claim_run(self, plan_id: int, occurrence: datetime, now: datetime) -> bool:
        if (plan_id, occurrence) in self.run_rows:
            return False
        self.run_rows[(plan_id, occurrence)] = PlanRun(plan_id, occurrence, None, now)
        return True

    def set_run_ticket(self, plan_id: int, occurrence: datetime, ticket_id: int) -> None:
        run = self.run_rows[(plan_id, occurrence)]
        self.run_rows[(plan_id, occurrence)] = replace(run, ticket_id=ticket_id)

    def runs(self, plan_id: int) -> list[PlanRun]:
        return sorted((r for r in self.run_rows.values() if r.plan_id == plan_id),
                      key=lambda r: r.occurrence)  # fmt: skip

    def log_time(
        self,
        *,
        ticket_id: int,
        contract_id: int,
        actor: str,
        minutes: int,
        worked_on: date,
        note: str | None,
        at: datetime,
    ) -> None:
        self.entries.append((ticket_id, contract_id, minutes, worked_on))

    def used_minutes(self, contract_id: int, start: date, end: date) -> int:
        return sum(m for _, c, m, d in self.entries if c == contract_id and start <= d < end)

    def open_period(
        self, contract_id: int, start: date, end: date, hours: float, now: datetime
    ) -> bool:
        if (contract_id, start) in self.periods:
            return False
        self.periods[(contract_id, start)] = (end, hours, None)
        return True

    def period(self, contract_id: int, start: date) -> tuple[date, float, datetime | None] | None:
        return self.periods.get((contract_id, start))

    def mark_low(self, contract_id: int, start: date, at: datetime) -> bool:
        end, hours, warned = self.periods[(contract_id, start)]
        if warned is not None:
            return False
        self.periods[(contract_id, start)] = (end, hours, at)
        return True


class FakePresence:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[int | None, datetime]] = {}

    def beat(self, login: str, ticket_id: int | None, until: datetime) -> None:
        self.rows[login] = (ticket_id, until)

    def viewers(self, ticket_id: int, now: datetime) -> list[str]:
        return sorted(k for k, (t, until) in self.rows.items() if t == ticket_id and until > now)


class FakeOnCall:
    def __init__(self) -> None:
        self.rotation_list: list[Rotation] = []
        self.override_list: list[Override] = []

    def rotations(self) -> list[Rotation]:
        return sorted(self.rotation_list, key=lambda r: (r.layer, r.name))

    def add_rotation(self, rotation: Rotation) -> Rotation:
        if any(r.name == rotation.name for r in self.rotation_list):
            raise InvalidInputError(f"a rotation named {rotation.name!r} exists already")
        stored = replace(rotation, id=len(self.rotation_list) + 1)
        self.rotation_list.append(stored)
        return stored

    def overrides(self, start: datetime, end: datetime) -> list[Override]:
        return [o for o in self.override_list if o.end > start and o.start < end]

    def add_override(self, override: Override) -> Override:
        stored = replace(override, id=len(self.override_list) + 1)
        self.override_list.append(stored)
        return stored


class FakeExports:
    """The export's reads over the other fakes, in id order."""

    def __init__(
        self,
        tickets: FakeTicketStore,
        directory: FakeDirectory,
        events: FakeEventLog,
        alerts: FakeAlertStore,
    ) -> None:
        self._tickets, self._directory, self._events, self._alerts = (
            tickets,
            directory,
            events,
            alerts,
        )

    @staticmethod
    def _within(at: datetime, start: datetime | None, end: datetime | None) -> bool:
        return (start is None or at >= start) and (end is None or at < end)

    def customers(self) -> Iterator[Customer]:
        yield from sorted(self._directory.customers(), key=lambda c: c.id)

    def contracts(self) -> Iterator[ContractExport]:
        for contract in sorted(self._directory.contracts(), key=lambda c: c.id):
            customer = self._directory.customer(contract.customer_id)
            yield ContractExport(
                contract, customer.external_id or f"dispatch:customer:{customer.id}"
            )

    def technicians(self) -> Iterator[Technician]:
        yield from sorted(self._directory.technicians(), key=lambda t: t.id)

    def tickets(self, start: datetime | None, end: datetime | None) -> Iterator[TicketExport]:
        for ticket_id, ticket in sorted(self._tickets.rows.items()):
            if self._within(ticket.opened_at, start, end):
                contract = self._directory.contract(ticket.contract_id)
                key = contract.external_id or f"dispatch:contract:{contract.id}"
                yield TicketExport(ticket, key, self._events.for_ticket(ticket_id))

    def events(self, start: datetime | None, end: datetime | None) -> Iterator[Event]:
        yield from (e for e in self._events.events if self._within(e.at, start, end))

    def alerts(self, start: datetime | None, end: datetime | None) -> Iterator[Alert]:
        for _id, alert in sorted(self._alerts.rows.items()):
            if self._within(alert.raised_at, start, end):
                yield alert


class FakeArticles:
    """Articles in a list; a reply's send state from the fake outbox."""

    def __init__(self, outbox: FakeOutbox) -> None:
        self._outbox = outbox
        self.rows: list[Article] = []

    def _with_send(self, article: Article) -> Article:
        for d in self._outbox.rows.values():
            if d.article_id == article.id:
                return replace(article, send_state=SendState(d.state), send_error=d.last_error)
        return article

    def add(self, article: Article) -> Article:
        stored = replace(article, id=len(self.rows) + 1)
        if stored.message_id and self.by_message_id(stored.message_id):
            raise DuplicateError(f"message {stored.message_id} is stored already")
        self.rows.append(stored)
        return stored

    def get(self, article_id: int) -> Article:
        for a in self.rows:
            if a.id == article_id:
                return self._with_send(a)
        raise NotFoundError(f"no article with id {article_id}")

    def for_ticket(self, ticket_id: int, *, last: int | None = None) -> list[Article]:
        mine = [self._with_send(a) for a in self.rows if a.ticket_id == ticket_id]
        return mine if last is None else mine[-last:]

    def count(self, ticket_id: int) -> int:
        return sum(1 for a in self.rows if a.ticket_id == ticket_id)

    def by_message_id(self, message_id: str) -> Article | None:
        return next((a for a in self.rows if a.message_id == message_id), None)


class FakeLinks:
    """Ticket links in a list."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int]] = []

    def add(self, ticket_id: int, follows_id: int, at: datetime) -> None:
        self.rows.append((ticket_id, follows_id))

    def follows(self, ticket_id: int) -> list[int]:
        return [b for a, b in self.rows if a == ticket_id]

    def followed_by(self, ticket_id: int) -> list[int]:
        return [a for a, b in self.rows if b == ticket_id]


class FakeMonitoring:
    """Incidents by ticket id; one open ticket per key, as the SQL index enforces."""

    def __init__(self, tickets: FakeTicketStore) -> None:
        self._tickets = tickets
        self.rows: dict[int, Incident] = {}

    def latest(self, source: str, key: str) -> KeyTicket | None:
        found = [i for i in self.rows.values() if (i.source, i.key) == (source, key)]
        if not found:
            return None
        newest = max(found, key=lambda i: i.ticket_id)
        ticket = self._tickets.rows[newest.ticket_id]
        return KeyTicket(newest, ticket.status, ticket.resolved_at)

    def incident(self, ticket_id: int) -> Incident | None:
        return self.rows.get(ticket_id)

    def attach(self, incident: Incident) -> None:
        for other in self.rows.values():
            same = (other.source, other.key) == (incident.source, incident.key)
            if same and self._tickets.rows[other.ticket_id].is_open:
                raise DuplicateError(f"an open ticket holds {incident.key!r} already")
        self.rows[incident.ticket_id] = incident

    def save(self, incident: Incident) -> None:
        self.rows[incident.ticket_id] = incident


class FakeUnitOfWork:
    """Commits are counted; leaving without commit restores the stores."""

    def __init__(self, directory: FakeDirectory) -> None:
        self._tickets = FakeTicketStore()
        self._directory = directory
        self._events = FakeEventLog()
        self._alerts = FakeAlertStore(self._tickets)
        self._outbox = FakeOutbox(self._tickets, self._alerts)
        self._articles = FakeArticles(self._outbox)
        self._links = FakeLinks()
        self._monitoring = FakeMonitoring(self._tickets)
        self._saved_monitoring: dict[int, Incident] = {}
        self._plans = FakePlanStore()
        self._presence = FakePresence()
        self._oncall = FakeOnCall()
        self._exports = FakeExports(self._tickets, directory, self._events, self._alerts)
        self.commits = 0
        self._saved_articles: list[Article] = []
        self._saved: tuple[dict[int, Ticket], list[Event]] | None = None
        self._saved_customers: list[Customer] = list(directory._customers)
        self._saved_oncall: tuple[list[Rotation], list[Override]] = ([], [])

    @property
    def tickets(self) -> FakeTicketStore:
        return self._tickets

    @property
    def directory(self) -> FakeDirectory:
        return self._directory

    @property
    def events(self) -> FakeEventLog:
        return self._events

    @property
    def alerts(self) -> FakeAlertStore:
        return self._alerts

    @property
    def outbox(self) -> FakeOutbox:
        return self._outbox

    @property
    def articles(self) -> FakeArticles:
        return self._articles

    @property
    def links(self) -> FakeLinks:
        return self._links

    @property
    def monitoring(self) -> FakeMonitoring:
        return self._monitoring

    @property
    def plans(self) -> FakePlanStore:
        return self._plans

    @property
    def presence(self) -> FakePresence:
        return self._presence

    @property
    def oncall(self) -> FakeOnCall:
        return self._oncall

    @property
    def exports(self) -> FakeExports:
        return self._exports

    def __enter__(self) -> Self:
        self._saved = (dict(self._tickets.rows), list(self._events.events))
        self._saved_customers = list(self._directory._customers)  # with their contacts
        self._saved_oncall = (list(self._oncall.rotation_list), list(self._oncall.override_list))
        self._saved_articles = list(self._articles.rows)
        self._saved_monitoring = dict(self._monitoring.rows)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self.commits += 1
        self._saved_articles = list(self._articles.rows)
        self._saved_monitoring = dict(self._monitoring.rows)
        self._saved = (dict(self._tickets.rows), list(self._events.events))
        self._saved_customers = list(self._directory._customers)
        self._saved_oncall = (list(self._oncall.rotation_list), list(self._oncall.override_list))

    def rollback(self) -> None:
        if self._saved is not None:
            self._tickets.rows, self._events.events = dict(self._saved[0]), list(self._saved[1])
            self._directory._customers = list(self._saved_customers)
        self._oncall.rotation_list = list(self._saved_oncall[0])
        self._oncall.override_list = list(self._saved_oncall[1])
        self._articles.rows = list(self._saved_articles)
        self._monitoring.rows = dict(self._saved_monitoring)
