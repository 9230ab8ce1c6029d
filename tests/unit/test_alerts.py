"""Which thresholds a ticket has reached, and the sweep on in-memory ports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dispatch.domain.alerts import Alert, AlertLevel, is_late, reached
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import ContractKind, Severity, Target, TicketStatus
from dispatch.domain.ports import FixedClock
from dispatch.domain.ticket import Ticket
from dispatch.services import alerts
from tests.unit.fakes import FakeDirectory, FakeUnitOfWork

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TICKET = Ticket(
    id=7,
    customer_id=1,
    customer_name="Acme",
    contract_id=1,
    contract_kind=ContractKind.SUBSCRIPTION,
    title="Router down",
    opened_at=T0,
    severity=Severity.P1,
    response_due=T0 + timedelta(hours=4),
    response_warn_at=T0 + timedelta(hours=3, minutes=12),
    resolution_due=T0 + timedelta(hours=12),
    resolution_warn_at=T0 + timedelta(hours=9, minutes=36),
)


def levels(ticket: Ticket, now: datetime) -> list[tuple[Target, AlertLevel]]:
    return [(t.target, t.level) for t in reached(ticket, now)]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (timedelta(hours=3), []),
        (timedelta(hours=3, minutes=12), [(Target.RESPONSE, AlertLevel.WARNING)]),
        (
            timedelta(hours=4),
            [(Target.RESPONSE, AlertLevel.WARNING), (Target.RESPONSE, AlertLevel.BREACH)],
        ),
        (
            timedelta(hours=10),
            [
                (Target.RESPONSE, AlertLevel.WARNING),
                (Target.RESPONSE, AlertLevel.BREACH),
                (Target.RESOLUTION, AlertLevel.WARNING),
            ],
        ),
    ],
)
def test_thresholds_reached_as_time_passes(after: timedelta, expected: list[object]) -> None:
    assert levels(TICKET, T0 + after) == expected


def test_met_paused_closed_and_unguaranteed_tickets_reach_nothing_more() -> None:
    late = T0 + timedelta(days=2)
    answered = replace(TICKET, first_response_at=T0 + timedelta(minutes=5))
    assert levels(answered, late) == [
        (Target.RESOLUTION, AlertLevel.WARNING),
        (Target.RESOLUTION, AlertLevel.BREACH),
    ]
    assert reached(replace(TICKET, status=TicketStatus.WAITING_CUSTOMER), late) == []
    assert reached(replace(TICKET, status=TicketStatus.CLOSED), late) == []
    unguaranteed = replace(
        TICKET,
        contract_kind=ContractKind.TIME_MATERIAL,
        response_due=None,
        response_warn_at=None,
        resolution_due=None,
        resolution_warn_at=None,
    )
    assert reached(unguaranteed, late) == []


def test_lateness_is_measured_from_the_threshold() -> None:
    grace = timedelta(seconds=60)
    assert not is_late(T0, T0 + timedelta(seconds=60), grace)
    assert is_late(T0, T0 + timedelta(seconds=61), grace)


def test_alert_wording() -> None:
    alert = Alert(3, 7, Target.RESPONSE, AlertLevel.BREACH, T0, T0, late=False)
    assert (alert.ref, alert.ticket_ref) == ("A-3", "T-7")
    assert alert.summary() == "T-7 response breached"
    assert replace(alert, level=AlertLevel.WARNING).summary() == (
        "T-7 response at its warning share"
    )


def test_the_sweep_raises_each_threshold_once() -> None:
    uow = FakeUnitOfWork(FakeDirectory())
    uow.tickets.rows[TICKET.id] = TICKET
    clock = FixedClock(T0 + timedelta(hours=4))
    first = alerts.sweep_alerts(uow, uow, clock, alerts.SweepPolicy(batch=1))
    assert [(a.target, a.level) for a in first] == [
        (Target.RESPONSE, AlertLevel.WARNING),
        (Target.RESPONSE, AlertLevel.BREACH),
    ]
    assert [a.late for a in first] == [True, False]  # 48 min after its warning instant
    assert alerts.sweep_alerts(uow, uow, clock) == []


@pytest.mark.parametrize(
    ("interval", "lease", "batch"),
    [(0, 45, 10), (15, 15, 10), (15, 45, 0)],
)
def test_a_sweep_policy_that_cannot_work_is_refused(
    interval: float, lease: float, batch: int
) -> None:
    with pytest.raises(InvalidInputError):
        alerts.SweepPolicy(
            interval=timedelta(seconds=interval), lease=timedelta(seconds=lease), batch=batch
        )
