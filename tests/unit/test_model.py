from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from dispatch.domain.calendar import ALWAYS_OPEN
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import (
    ALLOWED_TRANSITIONS,
    BlockPeriod,
    Contract,
    ContractKind,
    Severity,
    SlaPolicy,
    SlaTarget,
    Target,
    TicketStatus,
    require_utc,
)
from dispatch.domain.sla import SlaEngine
from dispatch.domain.ticket import Ticket

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
POLICY = SlaPolicy(
    targets={
        Severity.P1: SlaTarget(timedelta(hours=2), timedelta(hours=8)),
        Severity.P2: SlaTarget(timedelta(hours=4), timedelta(hours=16)),
    }
)


@pytest.mark.parametrize(
    ("kind", "rank", "guaranteed"),
    [
        (ContractKind.SUBSCRIPTION, 1, True),
        (ContractKind.MANAGED, 1, True),
        (ContractKind.BLOCK_HOURS, 2, True),
        (ContractKind.TIME_MATERIAL, 3, False),
        (ContractKind.PER_JOB, 3, False),
        (ContractKind.AD_HOC, 3, False),
    ],
)
def test_priority_rank_follows_the_contract_kind(
    kind: ContractKind, rank: int, guaranteed: bool
) -> None:
    assert kind.priority_rank == rank
    assert kind.has_guarantee is guaranteed


@pytest.mark.parametrize(
    "kind", [ContractKind.TIME_MATERIAL, ContractKind.PER_JOB, ContractKind.AD_HOC]
)
def test_contracts_without_guarantee_cannot_promise_reaction_times(kind: ContractKind) -> None:
    with pytest.raises(InvalidInputError, match="cannot promise"):
        Contract(id=1, customer_id=1, name="X", kind=kind, sla=POLICY)


def test_block_hours_need_hours_and_period() -> None:
    with pytest.raises(InvalidInputError, match="prepaid hours"):
        Contract(id=1, customer_id=1, name="B", kind=ContractKind.BLOCK_HOURS)
    ok = Contract(
        id=1,
        customer_id=1,
        name="B",
        kind=ContractKind.BLOCK_HOURS,
        prepaid_hours=10,
        period=BlockPeriod.MONTH,
    )
    assert ok.priority_rank == 2


def test_contract_validity_window() -> None:
    c = Contract(
        id=1,
        customer_id=1,
        name="S",
        kind=ContractKind.SUBSCRIPTION,
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31),
    )
    assert c.is_active_on(date(2026, 6, 1))
    assert not c.is_active_on(date(2027, 1, 1))
    with pytest.raises(InvalidInputError, match="end before"):
        Contract(
            id=1,
            customer_id=1,
            name="S",
            kind=ContractKind.SUBSCRIPTION,
            valid_from=date(2026, 1, 1),
            valid_to=date(2025, 1, 1),
        )


def test_sla_targets_must_be_positive_and_ordered() -> None:
    with pytest.raises(InvalidInputError):
        SlaTarget(timedelta(0), timedelta(hours=1))
    with pytest.raises(InvalidInputError, match="shorter"):
        SlaTarget(timedelta(hours=4), timedelta(hours=2))
    with pytest.raises(InvalidInputError, match="warning share"):
        SlaPolicy(warning_share=1.5)


def test_sla_policy_json_round_trip() -> None:
    assert SlaPolicy.from_json(POLICY.to_json()) == POLICY
    with pytest.raises(InvalidInputError, match="malformed"):
        SlaPolicy.from_json({"targets": {"P9": {"response_minutes": 1, "resolution_minutes": 2}}})


def test_require_utc_refuses_naive_and_converts_offsets() -> None:
    with pytest.raises(InvalidInputError, match="time zone"):
        require_utc(datetime(2026, 1, 1, 10, 0), "opened at")  # noqa: DTZ001 - the point
    local = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert require_utc(local, "x") == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert require_utc(local, "x").tzinfo is UTC


def test_deadlines_come_from_the_contract_and_severity() -> None:
    always = ALWAYS_OPEN.with_place("Europe/Bucharest", None, None)
    sub = Contract(id=1, customer_id=1, name="S", kind=ContractKind.SUBSCRIPTION, sla=POLICY)
    due = SlaEngine(sub, always).deadlines(Severity.P1, T0)
    assert (due.response, due.resolution) == (T0 + timedelta(hours=2), T0 + timedelta(hours=8))
    assert SlaEngine(sub, always).deadlines(Severity.P4, T0).response is None
    tm = Contract(id=2, customer_id=1, name="T", kind=ContractKind.TIME_MATERIAL)
    assert SlaEngine(tm, always).deadlines(Severity.P1, T0).resolution is None


def _ticket(**changes: Any) -> Ticket:
    base = Ticket(
        id=1,
        customer_id=1,
        customer_name="C",
        contract_id=1,
        contract_kind=ContractKind.SUBSCRIPTION,
        title="t",
        opened_at=T0,
        response_due=T0 + timedelta(hours=2),
        resolution_due=T0 + timedelta(hours=8),
    )
    return replace(base, **changes)


def test_next_deadline_is_response_until_answered_then_resolution() -> None:
    assert _ticket().next_deadline() == (Target.RESPONSE, T0 + timedelta(hours=2))
    answered = _ticket(first_response_at=T0 + timedelta(minutes=5))
    assert answered.next_deadline() == (Target.RESOLUTION, T0 + timedelta(hours=8))
    done = _ticket(first_response_at=T0, resolved_at=T0 + timedelta(hours=1))
    assert done.next_deadline() is None
    assert _ticket(response_due=None, resolution_due=None).next_due is None


def test_workflow_transitions() -> None:
    assert ALLOWED_TRANSITIONS[TicketStatus.CLOSED] == frozenset()
    assert TicketStatus.NEW not in set().union(*ALLOWED_TRANSITIONS.values())
    assert TicketStatus.CLOSED in ALLOWED_TRANSITIONS[TicketStatus.RESOLVED]
    assert TicketStatus.CLOSED not in ALLOWED_TRANSITIONS[TicketStatus.IN_PROGRESS]
    for status, allowed in ALLOWED_TRANSITIONS.items():
        assert status not in allowed


def test_every_status_has_one_name_for_people() -> None:
    labels = {s: s.label for s in TicketStatus}
    assert labels[TicketStatus.IN_PROGRESS] == "in progress"
    assert labels[TicketStatus.WAITING_CUSTOMER] == "waiting"
    assert labels[TicketStatus.ESCALATED_DEV] == "escalated"
    assert len(set(labels.values())) == len(labels)
