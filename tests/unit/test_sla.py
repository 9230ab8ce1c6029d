"""SLA clocks on tickets: pauses, first response, resolve and reopen, states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.domain.calendar import ALWAYS_OPEN, BUSINESS_HOURS, Calendar
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import (
    Contract,
    ContractKind,
    Customer,
    Severity,
    SlaPolicy,
    SlaTarget,
    Target,
    TicketStatus,
)
from dispatch.domain.sla import (
    Outcome,
    SlaEngine,
    SlaState,
    StatusChange,
    outcome,
    place_calendar,
    status_history,
)
from dispatch.domain.ticket import Event, Ticket

H = timedelta(hours=1)
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
ACME = Customer(id=1, name="Acme", timezone="Europe/Berlin", country="DE", region="BE")
POLICY = SlaPolicy({Severity.P1: SlaTarget(2 * H, 8 * H), Severity.P2: SlaTarget(4 * H, 16 * H)})
SUB = Contract(id=1, customer_id=1, name="SUB-1", kind=ContractKind.SUBSCRIPTION, sla=POLICY)
OFFICE = place_calendar("business-hours", ACME, {})
ALWAYS = place_calendar("24/7", ACME, {})


def ticket(**kw: object) -> Ticket:
    base: dict[str, object] = {
        "id": 7,
        "customer_id": 1,
        "customer_name": "Acme",
        "contract_id": 1,
        "contract_kind": ContractKind.SUBSCRIPTION,
        "title": "x",
        "opened_at": T0,
        "severity": Severity.P1,
    }
    base.update(kw)
    return Ticket(**base)  # type: ignore[arg-type]


def hist(*steps: tuple[float, TicketStatus]) -> list[StatusChange]:
    return [StatusChange(T0, TicketStatus.NEW)] + [StatusChange(T0 + h * H, s) for h, s in steps]


def test_business_hours_template_is_placed_at_the_customer() -> None:
    assert OFFICE.timezone == "Europe/Berlin"
    assert (OFFICE.country, OFFICE.subdiv) == ("DE", "BE")
    assert BUSINESS_HOURS.is_template
    with pytest.raises(InvalidInputError, match="unknown calendar 'nope'"):
        place_calendar("nope", ACME, {})
    own = Calendar(name="own", timezone="Asia/Tokyo", always_open=True)
    assert place_calendar("own", ACME, {"own": own}) is own


def test_waiting_on_the_customer_pauses_both_clocks() -> None:
    engine = SlaEngine(SUB, ALWAYS)
    plain = engine.deadlines(Severity.P1, T0)
    assert (plain.response, plain.resolution) == (T0 + 2 * H, T0 + 8 * H)
    paused = engine.deadlines(
        Severity.P1,
        T0,
        hist(
            (0.5, TicketStatus.IN_PROGRESS),
            (1, TicketStatus.WAITING_CUSTOMER),
            (4, TicketStatus.IN_PROGRESS),
        ),
    )
    assert paused.response == T0 + 2 * H  # answered at 0:30, before the pause
    assert paused.resolution == T0 + 11 * H  # 3 h of pause added


def test_an_open_pause_is_reported_and_not_yet_counted() -> None:
    engine = SlaEngine(SUB, ALWAYS)
    history = hist((0.5, TicketStatus.IN_PROGRESS), (1, TicketStatus.WAITING_CUSTOMER))
    t = ticket(status=TicketStatus.WAITING_CUSTOMER, first_response_at=T0 + 0.5 * H)
    response, resolution = engine.read(t, history, T0 + 5 * H)
    assert response.state is SlaState.MET
    assert resolution.state is SlaState.PAUSED
    assert resolution.used == 1 * H  # frozen at the pause start
    assert resolution.remaining == 7 * H
    assert resolution.due == T0 + 8 * H


def test_resolving_stops_and_reopening_resumes_the_clock() -> None:
    engine = SlaEngine(SUB, ALWAYS)
    history = hist(
        (1, TicketStatus.IN_PROGRESS), (3, TicketStatus.RESOLVED), (10, TicketStatus.IN_PROGRESS)
    )
    due = engine.deadlines(Severity.P1, T0, history)
    assert due.resolution == T0 + 15 * H  # 7 h resolved do not count
    t = ticket(status=TicketStatus.IN_PROGRESS, first_response_at=T0 + H)
    _, resolution = engine.read(t, history, T0 + 12 * H)
    assert resolution.used == 5 * H
    assert resolution.state is SlaState.OK
    _, later = engine.read(t, history, T0 + 14 * H)
    assert later.state is SlaState.WARNING  # 7 of 8 hours
    _, late = engine.read(t, history, T0 + 15 * H + timedelta(seconds=1))
    assert late.state is SlaState.BREACHED
    assert late.remaining is not None
    assert late.remaining < timedelta(0)


def test_met_and_breached_after_the_clock_stopped() -> None:
    engine = SlaEngine(SUB, ALWAYS)
    fast = hist((1, TicketStatus.IN_PROGRESS), (5, TicketStatus.RESOLVED))
    t = ticket(status=TicketStatus.RESOLVED, first_response_at=T0 + H, resolved_at=T0 + 5 * H)
    response, resolution = engine.read(t, fast, T0 + 100 * H)
    assert (response.state, resolution.state) == (SlaState.MET, SlaState.MET)
    slow = hist((3, TicketStatus.IN_PROGRESS), (9, TicketStatus.RESOLVED))
    t2 = ticket(status=TicketStatus.RESOLVED, first_response_at=T0 + 3 * H, resolved_at=T0 + 9 * H)
    response, resolution = engine.read(t2, slow, T0 + 100 * H)
    assert (response.state, resolution.state) == (SlaState.BREACHED, SlaState.BREACHED)
    assert response.stopped_at == T0 + 3 * H


def test_warning_share_comes_from_the_contract() -> None:
    strict = Contract(
        id=1,
        customer_id=1,
        name="S",
        kind=ContractKind.SUBSCRIPTION,
        sla=SlaPolicy(POLICY.targets, warning_share=0.5),
    )
    t = ticket()
    history = hist()
    response, _ = SlaEngine(SUB, ALWAYS).read(t, history, T0 + 1.2 * H)
    assert response.state is SlaState.OK  # 60 % < 80 %
    response, _ = SlaEngine(strict, ALWAYS).read(t, history, T0 + 1.2 * H)
    assert response.state is SlaState.WARNING
    assert response.share == pytest.approx(0.6)


@pytest.mark.parametrize(
    "kind", [ContractKind.TIME_MATERIAL, ContractKind.PER_JOB, ContractKind.AD_HOC]
)
def test_no_guarantee_kinds_have_no_clock(kind: ContractKind) -> None:
    contract = Contract(id=2, customer_id=1, name="N", kind=kind)
    engine = SlaEngine(contract, OFFICE)
    assert engine.deadlines(Severity.P1, T0).response is None
    response, resolution = engine.read(ticket(contract_kind=kind), hist(), T0 + 99 * H)
    assert (response.state, resolution.state) == (SlaState.NONE, SlaState.NONE)
    assert "no guarantee" in engine.explain(ticket(contract_kind=kind), hist(), Target.RESPONSE)[0]


def test_severity_change_recomputes_from_history_keeping_paused_time() -> None:
    engine = SlaEngine(SUB, ALWAYS)
    history = hist(
        (0.5, TicketStatus.IN_PROGRESS),
        (1, TicketStatus.WAITING_CUSTOMER),
        (3, TicketStatus.IN_PROGRESS),
    )
    p1 = engine.deadlines(Severity.P1, T0, history)
    p2 = engine.deadlines(Severity.P2, T0, history)
    assert p1.resolution == T0 + 10 * H
    assert p2.resolution == T0 + 18 * H  # the same 2 h pause, a longer target


def test_business_calendar_deadlines() -> None:
    engine = SlaEngine(SUB, OFFICE)
    late = T0 + 7.5 * H  # Monday 16:30 Berlin
    due = engine.deadlines(Severity.P1, late)
    assert due.response == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # Tue 10:30 Berlin


def test_status_history_from_events() -> None:
    t = ticket()
    events = [
        Event(1, T0, "d", "ticket.opened", 7, {}, {"status": "new"}),
        Event(2, T0 + H, "d", "ticket.assigned", 7, {"status": "new"}, {"status": "assigned"}),
        Event(3, T0 + 2 * H, "d", "ticket.status", 7, {}, {"status": "waiting_customer"}),
        Event(4, T0 + 3 * H, "d", "ticket.severity", 7, {}, {"severity": "P2"}),
    ]
    assert status_history(t, events) == hist(
        (1, TicketStatus.ASSIGNED), (2, TicketStatus.WAITING_CUSTOMER)
    )


def test_always_open_builtin_needs_no_country() -> None:
    assert ALWAYS_OPEN.is_template
    assert ALWAYS.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("steps", "status", "hours", "expected"),
    [
        pytest.param((), TicketStatus.NEW, 1, (Outcome.RUNNING, Outcome.RUNNING), id="running"),
        pytest.param((), TicketStatus.NEW, 1.8, (Outcome.RUNNING,) * 2, id="warning-runs"),
        pytest.param((), TicketStatus.NEW, 3, (Outcome.BREACHED, Outcome.RUNNING), id="late"),
        pytest.param(
            ((1, TicketStatus.IN_PROGRESS), (5, TicketStatus.RESOLVED)),
            TicketStatus.RESOLVED,
            99,
            (Outcome.MET, Outcome.MET),
            id="met",
        ),
        pytest.param(
            ((3, TicketStatus.IN_PROGRESS), (9, TicketStatus.RESOLVED)),
            TicketStatus.RESOLVED,
            99,
            (Outcome.BREACHED, Outcome.BREACHED),
            id="breached-then-stopped",
        ),
        pytest.param(
            ((0.5, TicketStatus.IN_PROGRESS), (1, TicketStatus.WAITING_CUSTOMER)),
            TicketStatus.WAITING_CUSTOMER,
            30,
            (Outcome.MET, Outcome.RUNNING),
            id="paused-runs",
        ),
        pytest.param(
            ((0.5, TicketStatus.IN_PROGRESS), (9, TicketStatus.WAITING_CUSTOMER)),
            TicketStatus.WAITING_CUSTOMER,
            30,
            (Outcome.MET, Outcome.BREACHED),
            id="paused-after-the-deadline",
        ),
    ],
)
def test_outcome_says_what_each_clock_came_to(
    steps: tuple[tuple[float, TicketStatus], ...],
    status: TicketStatus,
    hours: float,
    expected: tuple[Outcome, Outcome],
) -> None:
    history = hist(*steps)
    responded = next((c.at for c in history if c.status.counts_as_response), None)
    resolved = next((c.at for c in history if c.status is TicketStatus.RESOLVED), None)
    t = ticket(status=status, first_response_at=responded, resolved_at=resolved)
    readings = SlaEngine(SUB, ALWAYS).read(t, history, T0 + hours * H)
    assert (outcome(readings[0]), outcome(readings[1])) == expected


def test_outcome_of_no_guarantee_is_none() -> None:
    contract = Contract(id=2, customer_id=1, name="N", kind=ContractKind.AD_HOC)
    readings = SlaEngine(contract, OFFICE).read(ticket(), hist(), T0 + 99 * H)
    assert [outcome(r) for r in readings] == [Outcome.NONE, Outcome.NONE]
