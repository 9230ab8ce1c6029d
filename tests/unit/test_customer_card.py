"""The customer card over the fakes: contracts, balance, cover, open and recent tickets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from dispatch.domain.card import nearest_first, nearness
from dispatch.domain.errors import NotFoundError
from dispatch.domain.model import (
    BlockPeriod,
    Contact,
    Contract,
    ContractKind,
    Customer,
    Severity,
    SlaPolicy,
    SlaTarget,
    Technician,
    TicketStatus,
)
from dispatch.domain.plans import Balance
from dispatch.domain.ports import FixedClock
from dispatch.domain.sla import Outcome
from dispatch.domain.terms import terms_text
from dispatch.domain.ticket import NewTicket
from dispatch.services import customer_card, hours, tickets
from tests.unit.fakes import FakeDirectory, FakeUnitOfWork

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)
ACME = Customer(
    id=1,
    name="Acme",
    timezone="Europe/Berlin",
    country="DE",
    region="NW",
    address="Lange Str. 1, Köln",
    contacts=(
        Contact(1, 1, "Jana", emails=("jana@acme.de",), phones=("+49 221 1",), role="IT lead"),
    ),
)
GONE = Customer(id=2, name="Gone SRL", timezone="Europe/Bucharest", country="RO")
OTHER = Customer(id=3, name="Other", timezone="Europe/Sofia", country="BG")
P1 = SlaPolicy({Severity.P1: SlaTarget(2 * H, 8 * H)})
SUB = Contract(id=10, customer_id=1, name="SUB-1", kind=ContractKind.SUBSCRIPTION, sla=P1)
BLOCK = Contract(
    id=11,
    customer_id=1,
    name="BLK-1",
    kind=ContractKind.BLOCK_HOURS,
    prepaid_hours=20,
    period=BlockPeriod.MONTH,
    hourly_rate=90,
    precedence=2,
)
OLD = Contract(
    id=12,
    customer_id=1,
    name="TM-OLD",
    kind=ContractKind.TIME_MATERIAL,
    hourly_rate=60,
    valid_to=date(2025, 12, 31),
)
GONE_TM = Contract(id=13, customer_id=2, name="TM-2", kind=ContractKind.TIME_MATERIAL)
OTHER_SUB = Contract(id=14, customer_id=3, name="SUB-3", kind=ContractKind.SUBSCRIPTION, sla=P1)
TECHS = [
    Technician(id=1, login="radu", name="Radu", on_call=True, home_region="RO-CT"),
    Technician(id=2, login="jan", name="Jan", on_call=True, home_region="DE-BY"),
    Technician(id=3, login="lukas", name="Lukas", on_call=True, home_region="DE-NW"),
    Technician(id=4, login="ivan", name="Ivan", on_call=False, home_region="DE-NW"),
    Technician(id=5, login="old", name="Old", on_call=True, retired_at=NOW - 10 * H),
    Technician(id=6, login="zed", name="Zed", on_call=True, home_region="DE"),
]


@pytest.fixture
def uow() -> FakeUnitOfWork:
    directory = FakeDirectory(
        [ACME, replace(GONE, retired_at=NOW - 24 * H), OTHER],
        [SUB, BLOCK, OLD, GONE_TM, OTHER_SUB],
        TECHS,
    )
    return FakeUnitOfWork(directory)


def _open(
    uow: FakeUnitOfWork, customer: str, title: str, opened: datetime, *, p: Severity = Severity.P1
) -> int:
    clock = FixedClock(opened)
    request = NewTicket(customer=customer, title=title, severity=p, description="long text")
    return tickets.open_ticket(uow, clock, "disp", request).id


def _move(uow: FakeUnitOfWork, ticket_id: int, at: datetime, status: TicketStatus) -> None:
    tickets.change_status(uow, FixedClock(at), "disp", ticket_id, status)


def test_the_card_holds_contracts_balance_cover_and_both_ticket_lists(
    uow: FakeUnitOfWork,
) -> None:
    running = _open(uow, "Acme", "Printer down", NOW - H)
    met = _open(uow, "Acme", "Mail slow", NOW - 240 * H)
    _move(uow, met, NOW - 239 * H, TicketStatus.IN_PROGRESS)
    _move(uow, met, NOW - 236 * H, TicketStatus.RESOLVED)
    late = _open(uow, "Acme", "VPN flaps", NOW - 480 * H)
    _move(uow, late, NOW - 477 * H, TicketStatus.IN_PROGRESS)  # answered after 3 h of 2
    _move(uow, late, NOW - 460 * H, TicketStatus.RESOLVED)
    old_open = _open(uow, "Acme", "Ancient", NOW - 100 * 24 * H)
    old_closed = _open(uow, "Acme", "Long gone", NOW - 120 * 24 * H)
    _move(uow, old_closed, NOW - 119 * 24 * H, TicketStatus.RESOLVED)
    _open(uow, "Other", "Not theirs", NOW - H)
    hours.log_time(uow, FixedClock(NOW), "ana", running, 5 * H, worked_on=NOW.date())
    # Logged on a subscription ticket, not on the block: the balance stays full.
    commits, events = uow.commits, len(uow.events.events)

    card = customer_card.customer_card(uow, ACME.id, NOW)

    assert card.customer == ACME
    assert card.at == NOW
    assert card.since == NOW - timedelta(days=90)
    assert [c.contract.name for c in card.contracts] == ["SUB-1", "BLK-1"]  # OLD has ended
    sub, block = card.contracts
    assert (sub.calendar, sub.balance) == ("24/7", None)
    assert block.balance == Balance(11, "BLK-1", date(2026, 11, 1), date(2026, 12, 1), 20, 0.0)
    # On call now: the same region first, then the same country, then elsewhere.
    assert [t.login for t in card.on_call] == ["lukas", "jan", "zed", "radu"]
    assert [c.ticket.id for c in card.open_tickets] == [running, old_open]
    assert [c.ticket.id for c in card.recent] == [running, met, late]
    outcomes = {c.ticket.id: (c.response, c.resolution) for c in card.recent}
    assert outcomes[running] == (Outcome.RUNNING, Outcome.RUNNING)
    assert outcomes[met] == (Outcome.MET, Outcome.MET)
    assert outcomes[late] == (Outcome.BREACHED, Outcome.BREACHED)
    assert card.open_tickets[1].response is Outcome.BREACHED  # 100 days without an answer
    assert (card.more_open, card.more_recent) == (False, False)
    assert all(c.ticket.description == "" for c in (*card.open_tickets, *card.recent))
    assert (uow.commits, len(uow.events.events)) == (commits, events)  # a read writes nothing


def test_a_block_balance_draws_down_with_time_logged_on_its_tickets(
    uow: FakeUnitOfWork,
) -> None:
    # BLK-1 takes new work once SUB-1 is gone (its precedence is 2).
    uow.directory.update_contract(replace(SUB, valid_to=date(2026, 1, 1)), ["valid_to"])
    ticket = _open(uow, "Acme", "Backup", NOW - 2 * H, p=Severity.P3)
    hours.log_time(uow, FixedClock(NOW), "ana", ticket, 4.5 * H, worked_on=NOW.date())
    card = customer_card.customer_card(uow, ACME.id, NOW)
    [block] = card.contracts
    assert block.balance is not None
    assert (block.balance.used_hours, block.balance.left_hours) == (4.5, 15.5)
    assert terms_text(block.contract, block.calendar, block.balance) == (
        "no guarantee; 20 h prepaid per month; balance 15.5 h of 20 until 2026-12-01; "
        "90 EUR/h; calendar 24/7"
    )
    [only] = card.recent
    assert (only.response, only.resolution) == (Outcome.NONE, Outcome.NONE)


def test_each_list_is_bounded_and_says_when_there_is_more(uow: FakeUnitOfWork) -> None:
    ids = [_open(uow, "Acme", f"T{n}", NOW - (n + 1) * H) for n in range(4)]
    card = customer_card.customer_card(uow, ACME.id, NOW, limit=3)
    assert [c.ticket.id for c in card.open_tickets] == ids[:3]
    assert [c.ticket.id for c in card.recent] == ids[:3]
    assert (card.more_open, card.more_recent) == (True, True)


def test_a_retired_customer_has_a_card_but_is_not_offered(uow: FakeUnitOfWork) -> None:
    card = customer_card.customer_card(uow, GONE.id, NOW)
    assert card.customer.retired_at is not None
    assert [c.contract.name for c in card.contracts] == ["TM-2"]
    assert (card.open_tickets, card.recent) == ((), ())
    assert [c.name for c in customer_card.pickable_customers(uow)] == ["Acme", "Other"]


def test_an_unknown_customer_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFoundError, match="no customer with id 99"):
        customer_card.customer_card(uow, 99, NOW)


@pytest.mark.parametrize(
    ("home", "expected"),
    [("DE-NW", 0), ("de-nw", 0), ("DE-BY", 1), ("DE", 1), ("RO-CT", 2), ("", 2), ("DENMARK", 2)],
)
def test_nearness_by_home_region(home: str, expected: int) -> None:
    tech = Technician(id=1, login="x", name="X", home_region=home)
    assert nearness(tech, ACME) == expected


def test_nearest_first_without_a_customer_region_ranks_by_country() -> None:
    no_region = replace(ACME, region=None)
    assert [t.login for t in nearest_first(TECHS, no_region)] == ["jan", "lukas", "zed", "radu"]
