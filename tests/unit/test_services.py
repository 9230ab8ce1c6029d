from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dispatch.domain.conversation import FirstResponse
from dispatch.domain.errors import ConflictError, InvalidInputError, NotFoundError
from dispatch.domain.model import (
    Contract,
    ContractKind,
    Customer,
    Severity,
    SlaPolicy,
    SlaTarget,
    Technician,
    TicketStatus,
)
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import NewTicket
from dispatch.services import tickets
from tests.unit.fakes import FakeDirectory, FakeUnitOfWork

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ACME = Customer(id=1, name="Acme", timezone="Europe/Bucharest", country="RO")
SOLO = Customer(id=2, name="Solo", timezone="Europe/Sofia", country="BG")
SUB = Contract(
    id=10,
    customer_id=1,
    name="SUB-1",
    kind=ContractKind.SUBSCRIPTION,
    sla=SlaPolicy({Severity.P1: SlaTarget(timedelta(hours=2), timedelta(hours=8))}),
    # This contract counts taking the ticket up as its first response; the default
    # (a reply to the customer) is tested in test_conversation.
    first_response=FirstResponse.REPLY_OR_STATUS,
)
TM = Contract(id=11, customer_id=1, name="TM-1", kind=ContractKind.TIME_MATERIAL)
EXPIRED = Contract(
    id=12,
    customer_id=2,
    name="ADH-1",
    kind=ContractKind.AD_HOC,
    valid_from=date(2020, 1, 1),
    valid_to=date(2020, 12, 31),
)
ANA = Technician(id=1, login="ana", name="Ana", skills=frozenset({"network"}))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(FakeDirectory([ACME, SOLO], [SUB, TM, EXPIRED], [ANA]))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _open(uow: FakeUnitOfWork, clock: FixedClock) -> int:
    request = NewTicket(customer="Acme", title="Link down", severity=Severity.P1)
    return tickets.open_ticket(uow, clock, "disp", request).id


def test_open_ticket_uses_the_highest_priority_active_contract(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    ticket = tickets.open_ticket(
        uow, clock, "disp", NewTicket(customer="Acme", title=" Link down ", severity=Severity.P1)
    )
    assert ticket.contract_id == SUB.id
    assert ticket.title == "Link down"
    assert ticket.response_due == NOW + timedelta(hours=2)
    assert ticket.resolution_due == NOW + timedelta(hours=8)
    assert uow.commits == 1
    [event] = uow.events.events
    assert (event.actor, event.action, event.ticket_id) == ("disp", "ticket.opened", ticket.id)


def test_open_ticket_bad_input_writes_nothing(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    with pytest.raises(NotFoundError, match="no customer named 'Nobody'"):
        tickets.open_ticket(uow, clock, "d", NewTicket(customer="Nobody", title="x"))
    with pytest.raises(InvalidInputError, match="title is empty"):
        tickets.open_ticket(uow, clock, "d", NewTicket(customer="Acme", title="   "))
    with pytest.raises(InvalidInputError, match="future"):
        tickets.open_ticket(
            uow,
            clock,
            "d",
            NewTicket(customer="Acme", title="x", opened_at=NOW + timedelta(hours=1)),
        )
    with pytest.raises(NotFoundError, match="no contract valid"):
        tickets.open_ticket(uow, clock, "d", NewTicket(customer="Solo", title="x"))
    assert uow.tickets.rows == {}
    assert uow.events.events == []
    assert uow.commits == 0


def test_assign_moves_new_to_assigned_and_records_before_after(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    tid = _open(uow, clock)
    ticket = tickets.assign_technician(uow, clock, "disp", tid, "ana")
    assert (ticket.assignee, ticket.status, ticket.version) == ("ana", TicketStatus.ASSIGNED, 2)
    event = uow.events.events[-1]
    assert event.before == {"assignee": None, "status": "new"}
    assert event.after == {"assignee": "ana", "status": "assigned"}


def test_assign_with_a_stale_version_is_refused(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    tid = _open(uow, clock)
    tickets.assign_technician(uow, clock, "bob", tid, "ana", if_version=1)
    with pytest.raises(ConflictError):
        tickets.assign_technician(uow, clock, "carol", tid, "ana", if_version=1)
    assert uow.tickets.get(tid).version == 2


def test_unknown_technician_or_ticket(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    tid = _open(uow, clock)
    with pytest.raises(NotFoundError, match="technician"):
        tickets.assign_technician(uow, clock, "d", tid, "nobody")
    with pytest.raises(NotFoundError, match="T-99"):
        tickets.assign_technician(uow, clock, "d", 99, "ana")


def test_status_changes_stamp_response_and_resolution(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    tid = _open(uow, clock)
    clock.advance(timedelta(minutes=20))
    t = tickets.change_status(uow, clock, "d", tid, TicketStatus.IN_PROGRESS)
    assert t.first_response_at == NOW + timedelta(minutes=20)
    clock.advance(timedelta(hours=1))
    t = tickets.change_status(uow, clock, "d", tid, TicketStatus.RESOLVED, note="fixed")
    assert t.resolved_at == NOW + timedelta(minutes=80)
    assert not t.is_open
    t = tickets.change_status(uow, clock, "d", tid, TicketStatus.IN_PROGRESS)
    assert t.resolved_at is None  # reopened
    assert t.first_response_at == NOW + timedelta(minutes=20)  # the first one stays
    assert uow.events.events[-2].note == "fixed"


def test_escalation_needs_a_bug_reference(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    tid = _open(uow, clock)
    with pytest.raises(InvalidInputError, match="bug reference"):
        tickets.change_status(uow, clock, "d", tid, TicketStatus.ESCALATED_DEV)
    with pytest.raises(InvalidInputError, match="escalated_dev only"):
        tickets.change_status(uow, clock, "d", tid, TicketStatus.IN_PROGRESS, bug_ref="DEV-1")
    t = tickets.change_status(uow, clock, "d", tid, TicketStatus.ESCALATED_DEV, bug_ref="DEV-7")
    assert t.bug_ref == "DEV-7"


def test_forbidden_transitions(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    tid = _open(uow, clock)
    with pytest.raises(InvalidInputError, match="already new"):
        tickets.change_status(uow, clock, "d", tid, TicketStatus.NEW)
    with pytest.raises(InvalidInputError, match="cannot go from new to closed"):
        tickets.change_status(uow, clock, "d", tid, TicketStatus.CLOSED)
    tickets.change_status(uow, clock, "d", tid, TicketStatus.RESOLVED)
    tickets.change_status(uow, clock, "d", tid, TicketStatus.CLOSED)
    with pytest.raises(InvalidInputError, match="it is closed"):
        tickets.change_status(uow, clock, "d", tid, TicketStatus.IN_PROGRESS)
    with pytest.raises(InvalidInputError, match="reopen it first"):
        tickets.assign_technician(uow, clock, "d", tid, "ana")


def test_a_change_that_changes_nothing_says_so_and_writes_nothing(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    tid = _open(uow, clock)
    assigned = tickets.assign_technician(uow, clock, "d", tid, "ana")
    history = len(uow.events.for_ticket(tid))
    with pytest.raises(InvalidInputError, match="already assigned to ana"):
        tickets.assign_technician(uow, clock, "d", tid, "ana", if_version=assigned.version)
    with pytest.raises(InvalidInputError, match="already assigned to ana"):
        tickets.take_ticket(uow, clock, "ana", tid)
    assert uow.tickets.get(tid).version == assigned.version
    assert len(uow.events.for_ticket(tid)) == history


def test_a_stale_no_op_is_a_conflict_not_a_success(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    tid = _open(uow, clock)
    stale = uow.tickets.get(tid).version
    tickets.assign_technician(uow, clock, "d", tid, "ana")
    with pytest.raises(ConflictError):
        tickets.assign_technician(uow, clock, "d", tid, "ana", if_version=stale)
    with pytest.raises(ConflictError):
        tickets.change_status(uow, clock, "d", tid, TicketStatus.ASSIGNED, if_version=stale)
    with pytest.raises(ConflictError):
        tickets.change_severity(uow, clock, "d", tid, Severity.P1, if_version=stale)
