"""A new ticket's caller: one of the customer's contacts, or a new one added with it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch.domain.errors import InvalidInputError, NotFoundError, StorageUnavailableError
from dispatch.domain.model import Contact, Contract, ContractKind, Customer
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import NewTicket, Ticket
from dispatch.services import contacts, tickets
from tests.unit.fakes import FakeDirectory, FakeUnitOfWork

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ION = Contact(
    id=5, customer_id=1, name="Ion Pop", emails=("ion@acme.example",), phones=("+40 21 555 0101",)
)
MAYA = Contact(id=6, customer_id=2, name="Maya Ivanova", emails=("maya@solo.example",))
ACME = Customer(id=1, name="Acme", timezone="Europe/Bucharest", country="RO", contacts=(ION,))
SOLO = Customer(id=2, name="Solo", timezone="Europe/Sofia", country="BG", contacts=(MAYA,))
TM = Contract(id=11, customer_id=1, name="TM-1", kind=ContractKind.TIME_MATERIAL)
NEW = Contact(
    id=0, customer_id=0, name=" Radu ", emails=("Radu@Acme.example",), phones=("+40  722 000 111",)
)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(FakeDirectory([ACME, SOLO], [TM]))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def test_the_caller_is_recorded_and_named_in_the_opening_event(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    ticket = tickets.open_ticket(uow, clock, "d", NewTicket("Acme", "Printer", contact_id=5))
    assert ticket.contact_id == 5
    [event] = uow.events.events
    assert (event.after["caller"], event.after["contact_id"]) == ("Ion Pop", 5)


def test_no_caller_is_none_and_the_event_says_nothing_of_one(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    ticket = tickets.open_ticket(uow, clock, "d", NewTicket("Acme", "Printer"))
    assert ticket.contact_id is None
    assert "caller" not in uow.events.events[0].after


def test_another_customer_s_contact_is_refused_and_nothing_written(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    with pytest.raises(
        InvalidInputError, match=r"contact: 'Maya Ivanova' \(id 6\) is not a contact of 'Acme'"
    ):
        tickets.open_ticket(uow, clock, "d", NewTicket("Acme", "Printer", contact_id=6))
    with pytest.raises(NotFoundError, match="no contact with id 99"):
        tickets.open_ticket(uow, clock, "d", NewTicket("Acme", "Printer", contact_id=99))
    assert (uow.tickets.rows, uow.events.events, uow.commits) == ({}, [], 0)


def test_a_new_contact_is_added_with_the_ticket_in_its_transaction(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    ticket = tickets.open_ticket(uow, clock, "d", NewTicket("Acme", "Printer", new_contact=NEW))
    with uow:
        added = uow.directory.contact(ticket.contact_id or 0)
    # Tidied as ``dispatch contact add`` tidies: name stripped, address lower-cased, one space.
    assert (added.customer_id, added.name, added.emails, added.phones) == (
        1,
        "Radu",
        ("radu@acme.example",),
        ("+40 722 000 111",),
    )
    assert [e.action for e in uow.events.events] == ["contact.added", "ticket.opened"]
    assert uow.commits == 1


@pytest.mark.parametrize(
    ("contact", "message"),
    [
        (Contact(0, 0, "  "), "name: cannot be empty"),
        (Contact(0, 0, "Radu", emails=("radu@acme",)), "email: not an address"),
        (Contact(0, 0, "Radu", phones=("call me",)), "phone: not a phone number"),
        (
            Contact(0, 0, "Radu", emails=("ION@acme.example",)),
            "email: 'ion@acme.example' belongs to 'Ion Pop' \\(at 'Acme'\\) already",
        ),
    ],
)
def test_a_bad_new_contact_is_refused_naming_its_field_and_nothing_written(
    uow: FakeUnitOfWork, clock: FixedClock, contact: Contact, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        tickets.open_ticket(uow, clock, "d", NewTicket("Acme", "Printer", new_contact=contact))
    assert (uow.tickets.rows, uow.events.events, uow.commits) == ({}, [], 0)
    assert uow.directory.customer(1).contacts == (ION,)


def test_a_contact_and_a_new_one_at_once_are_refused(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    with pytest.raises(InvalidInputError, match="contact: a contact or a new one, not both"):
        tickets.open_ticket(
            uow, clock, "d", NewTicket("Acme", "Printer", contact_id=5, new_contact=NEW)
        )


def test_a_ticket_that_fails_after_its_new_contact_leaves_no_contact(
    uow: FakeUnitOfWork, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lost(ticket: Ticket) -> Ticket:
        raise StorageUnavailableError("the database went away")

    monkeypatch.setattr(uow.tickets, "add", lost)
    with pytest.raises(StorageUnavailableError):
        tickets.open_ticket(uow, clock, "d", NewTicket("Acme", "Printer", new_contact=NEW))
    assert uow.directory.customer(1).contacts == (ION,)
    assert uow.events.events == []


def test_find_contact_by_id_or_address(uow: FakeUnitOfWork) -> None:
    assert contacts.find_contact(uow, "5") == ION
    assert contacts.find_contact(uow, " MAYA@solo.example ") == MAYA
    with pytest.raises(NotFoundError, match="contact: no contact with the id or e-mail address"):
        contacts.find_contact(uow, "nobody@acme.example")
