"""The monitoring intake's rules on the fake stores: dedup, repeats, recovery, re-fire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.domain.conversation import ArticleChannel
from dispatch.domain.model import Severity, TicketStatus
from dispatch.domain.monitoring import (
    EventAction,
    IncidentState,
    MonitoringEvent,
    OnResolve,
    SourceRule,
    Step,
    UnknownTargetError,
    resolve_policy,
)
from dispatch.domain.ports import FixedClock
from dispatch.services import intake_alert, tickets
from dispatch.services.intake_alert import Outcome
from tests.unit.fakes import FakeDirectory, FakeUnitOfWork
from tests.unit.test_services import ACME, ANA, NOW, SOLO, SUB, TM

RULE = SourceRule(name="prom", format="alertmanager", customer="Acme")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(FakeDirectory([ACME, SOLO], [SUB, TM], [ANA]))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def fire(
    key: str = "k1", severity: str = "critical", summary: str = "Disk full", **kw: object
) -> MonitoringEvent:
    return MonitoringEvent(
        key=key,
        action=EventAction.TRIGGER,
        summary=summary,
        details=f"{summary} on db1",
        severities=(severity,),
        **kw,  # type: ignore[arg-type]
    )


def event(action: EventAction, key: str = "k1", **kw: object) -> MonitoringEvent:
    return MonitoringEvent(key=key, action=action, summary="", details=action.value, **kw)  # type: ignore[arg-type]


def send(
    uow: FakeUnitOfWork,
    clock: FixedClock,
    *events: MonitoringEvent,
    rule: SourceRule = RULE,
    **kw: object,
) -> list[Outcome]:
    return intake_alert.receive(lambda: uow, clock, rule, events, **kw)  # type: ignore[arg-type]


def monitoring_articles(uow: FakeUnitOfWork, ticket_id: int) -> list[str]:
    return [
        a.body.splitlines()[0]
        for a in uow.articles.rows
        if a.ticket_id == ticket_id and a.channel is ArticleChannel.MONITORING
    ]


def test_a_flood_of_repeats_is_one_ticket_with_an_article_per_repeat(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    outcomes = send(uow, clock, *[fire() for _ in range(100)])
    assert [o.step for o in outcomes] == [Step.OPEN] + [Step.ARTICLE] * 99
    assert len(uow.tickets.rows) == 1
    (ticket,) = uow.tickets.rows.values()
    assert ticket.severity is Severity.P1
    assert ticket.title == "Disk full"
    assert ticket.customer_name == "Acme"
    headings = monitoring_articles(uow, ticket.id)
    assert headings[0] == "prom: firing (P1)"
    assert headings[1:] == [f"prom: still firing (P1), occurrence {n}" for n in range(2, 101)]
    incident = uow.monitoring.incident(ticket.id)
    assert incident is not None
    assert incident.occurrences == 100
    assert [e.action for e in uow.events.events] == ["ticket.opened"] + ["ticket.article"] * 100


def test_a_change_of_severity_or_summary_adds_an_article(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    send(uow, clock, fire(), fire(severity="warning"), fire(severity="warning", summary="Disk 99%"))
    (ticket,) = uow.tickets.rows.values()
    assert monitoring_articles(uow, ticket.id) == [
        "prom: firing (P1)",
        "prom: changed (P3)",
        "prom: changed (P3)",
    ]
    assert ticket.severity is Severity.P1  # the ticket's severity is the dispatcher's to change


def test_a_recovery_under_a_contract_with_reaction_times_asks_for_confirmation(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    opened, recovered, again = send(uow, clock, fire(), event(EventAction.RESOLVE), fire())
    assert (recovered.step, again.step) == (Step.RESOLVE, Step.ARTICLE)
    ticket = uow.tickets.rows[opened.ticket_id or 0]
    assert ticket.status is TicketStatus.NEW  # left for a dispatcher
    assert monitoring_articles(uow, ticket.id) == [
        "prom: firing (P1)",
        f"prom: recovered: confirm and resolve it (dispatch ticket status {ticket.ref} resolved)",
        "prom: firing again (P1)",
    ]
    incident = uow.monitoring.incident(ticket.id)
    assert incident is not None
    assert incident.state is IncidentState.FIRING


def test_close_resolves_without_stamping_a_first_response(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    rule = SourceRule(
        name="prom", format="alertmanager", customer="Acme", on_resolve=OnResolve.CLOSE
    )
    opened, recovered, repeat = send(
        uow, clock, fire(), event(EventAction.RESOLVE), event(EventAction.RESOLVE), rule=rule
    )
    assert (recovered.step, repeat.step) == (Step.RESOLVE, Step.COUNT)
    ticket = uow.tickets.rows[opened.ticket_id or 0]
    assert ticket.status is TicketStatus.RESOLVED
    assert ticket.resolved_at == NOW
    assert ticket.first_response_at is None  # the monitor is not support answering
    assert monitoring_articles(uow, ticket.id)[-1] == "prom: recovered: resolved by the monitor"


def test_a_refire_reopens_inside_the_window_and_opens_anew_after_it(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    rule = SourceRule(
        name="prom", format="alertmanager", customer="Acme", on_resolve=OnResolve.CLOSE
    )
    (first,) = send(uow, clock, fire(occurrence="t0"), rule=rule)
    send(uow, clock, event(EventAction.RESOLVE), rule=rule)
    clock.advance(timedelta(minutes=30))
    (reopened,) = send(uow, clock, fire(occurrence="t1"), rule=rule)
    assert (reopened.step, reopened.ticket_id) == (Step.REOPEN, first.ticket_id)
    assert uow.tickets.rows[first.ticket_id or 0].status is TicketStatus.ASSIGNED
    send(uow, clock, event(EventAction.RESOLVE), rule=rule)
    clock.advance(timedelta(minutes=61))
    (fresh,) = send(uow, clock, fire(occurrence="t2"), rule=rule)
    assert fresh.step is Step.OPEN
    assert fresh.ticket_id != first.ticket_id
    assert uow.tickets.rows[first.ticket_id or 0].status is TicketStatus.RESOLVED


def test_flapping_stays_on_one_ticket(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    rule = SourceRule(
        name="prom", format="alertmanager", customer="Acme", on_resolve=OnResolve.CLOSE
    )
    for minute in range(20):
        send(uow, clock, fire(occurrence=f"t{minute}"), event(EventAction.RESOLVE), rule=rule)
        clock.advance(timedelta(minutes=1))
    assert len(uow.tickets.rows) == 1


def test_a_closed_ticket_is_final_a_refire_opens_a_new_one(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    rule = SourceRule(
        name="prom", format="alertmanager", customer="Acme", on_resolve=OnResolve.CLOSE
    )
    (first,) = send(uow, clock, fire(occurrence="t0"), rule=rule)
    send(uow, clock, event(EventAction.RESOLVE), rule=rule)
    tickets.change_status(uow, clock, "ana", first.ticket_id or 0, TicketStatus.CLOSED)
    (again,) = send(uow, clock, fire(occurrence="t1"), rule=rule)
    assert again.step is Step.OPEN
    assert again.ticket_id != first.ticket_id


def test_a_repeat_of_what_a_dispatcher_resolved_only_counts(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    (first,) = send(uow, clock, fire(occurrence="2026-11-23T09:00:00Z"))
    tickets.change_status(uow, clock, "ana", first.ticket_id or 0, TicketStatus.RESOLVED)
    (repeat,) = send(uow, clock, fire(occurrence="2026-11-23T09:00:00Z"))
    assert repeat.step is Step.COUNT
    assert uow.tickets.rows[first.ticket_id or 0].status is TicketStatus.RESOLVED
    (recovered,) = send(uow, clock, event(EventAction.RESOLVE))
    assert recovered.step is Step.COUNT  # noted on the incident, the ticket stays resolved


def test_recoveries_and_notices_for_unknown_keys_are_ignored(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    outcomes = send(
        uow,
        clock,
        event(EventAction.RESOLVE),
        event(EventAction.ACKNOWLEDGE),
        event(EventAction.INFO),
    )
    assert [o.step for o in outcomes] == [Step.IGNORE] * 3
    assert uow.tickets.rows == {}
    assert uow.commits == 0


def test_acknowledgements_add_one_article(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    outcomes = send(
        uow, clock, fire(), event(EventAction.ACKNOWLEDGE), event(EventAction.ACKNOWLEDGE)
    )
    assert [o.step for o in outcomes] == [Step.OPEN, Step.ARTICLE, Step.COUNT]
    assert monitoring_articles(uow, outcomes[0].ticket_id or 0)[-1] == "prom: acknowledge"
    (repeat,) = send(uow, clock, fire())
    assert repeat.step is Step.ARTICLE
    incident = uow.monitoring.incident(outcomes[0].ticket_id or 0)
    assert incident is not None
    assert incident.state is IncidentState.ACKNOWLEDGED  # a repeat keeps the acknowledgement


def test_two_keys_are_two_tickets(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    send(uow, clock, fire("a"), fire("b"), fire("a"))
    assert len(uow.tickets.rows) == 2


def test_an_event_for_no_customer_is_refused_before_anything_is_written(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    rule = SourceRule(name="prom", format="alertmanager", customer_label="customer")
    with pytest.raises(UnknownTargetError, match="no customer for 'b'"):
        send(uow, clock, fire("a", labels={"customer": "Acme"}), fire("b"), rule=rule)
    assert uow.tickets.rows == {}


def test_an_unknown_or_uncontracted_customer_is_refused(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    rule = SourceRule(name="prom", format="alertmanager", customer_label="customer")
    with pytest.raises(UnknownTargetError, match="no customer named 'Nobody'"):
        send(uow, clock, fire(labels={"customer": "Nobody"}), rule=rule)
    with pytest.raises(UnknownTargetError, match="source 'prom', key 'k1'"):
        send(uow, clock, fire(labels={"customer": "Solo"}), rule=rule)  # no valid contract
    assert uow.tickets.rows == {}


def test_customers_come_from_a_label_a_routing_key_or_the_default() -> None:
    rule = SourceRule(
        name="pd",
        format="events-v2",
        customer="Default Co",
        customer_label="tenant",
        customers={"acme-prod": "Acme", "RK1": "Solo"},
    )
    assert rule.customer_for(fire(labels={"tenant": "acme-prod"})) == "Acme"
    assert rule.customer_for(fire(labels={"tenant": "Named Directly"})) == "Named Directly"
    assert rule.customer_for(fire(routing_key="RK1")) == "Solo"
    assert rule.customer_for(fire()) == "Default Co"


def test_severities_map_to_the_most_severe_and_else_the_default() -> None:
    rule = SourceRule(
        name="x",
        format="nagios",
        severities={"critical": Severity.P2},
        default_severity=Severity.P4,
    )
    assert rule.severity_for(fire(severity="CRITICAL")) is Severity.P2
    assert rule.severity_for(fire(severity="weird")) is Severity.P4
    default = SourceRule(name="x", format="alertmanager")
    group = MonitoringEvent("g", EventAction.TRIGGER, "s", "d", severities=("warning", "critical"))
    assert default.severity_for(group) is Severity.P1


def test_the_contract_setting_wins_over_the_source_and_the_default() -> None:
    plain = SourceRule(name="x", format="alertmanager")
    noting = SourceRule(name="x", format="alertmanager", on_resolve=OnResolve.NOTE)
    assert resolve_policy(plain, "SUB-1", True, {}) is OnResolve.CONFIRM
    assert resolve_policy(plain, "TM-1", False, {}) is OnResolve.CLOSE
    assert resolve_policy(noting, "SUB-1", True, {}) is OnResolve.NOTE
    assert resolve_policy(noting, "SUB-1", True, {"SUB-1": OnResolve.CLOSE}) is OnResolve.CLOSE


def test_the_payload_is_kept_capped(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    (opened,) = send(uow, clock, fire(), payload="x" * 100_000)
    incident = uow.monitoring.incident(opened.ticket_id or 0)
    assert incident is not None
    assert len(incident.payload) == 65_536


def test_a_recovery_after_an_acknowledgement_on_a_closed_ticket_is_recorded(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    opened, _ = send(uow, clock, fire(), event(EventAction.ACKNOWLEDGE))
    tickets.change_status(uow, clock, "ana", opened.ticket_id or 0, TicketStatus.RESOLVED)
    tickets.change_status(uow, clock, "ana", opened.ticket_id or 0, TicketStatus.CLOSED)
    (recovered,) = send(uow, clock, event(EventAction.RESOLVE))
    assert recovered.step is Step.COUNT
    incident = uow.monitoring.incident(opened.ticket_id or 0)
    assert incident is not None
    assert incident.state is IncidentState.RECOVERED
