"""Maintenance plans, their runs, time entries and block periods in SQL.

Unique keys do the "exactly once": a plan run per (plan, occurrence), a block
period per (contract, start); inserts use ``ON CONFLICT DO NOTHING`` and tell
the caller whether it was the one that inserted.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select, true, update
from sqlalchemy.orm import Session

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Severity
from dispatch.domain.plans import Plan, PlanRun
from dispatch.store.db import dialect_insert
from dispatch.store.schema import BlockPeriodRow, PlanRow, PlanRunRow, TimeEntryRow


class SqlPlanStore:
    """Plans, runs, time entries and block periods.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    # --- plans --------------------------------------------------------------------

    def add_plan(self, plan: Plan) -> Plan:
        """Insert a plan (its name must be new for the contract)."""
        taken = self._session.scalar(
            select(PlanRow.id).where(
                PlanRow.contract_id == plan.contract_id, PlanRow.name == plan.name
            )
        )
        if taken is not None:
            raise InvalidInputError(f"the contract already has a plan named {plan.name!r}")
        row = PlanRow(
            contract_id=plan.contract_id,
            name=plan.name,
            title=plan.title,
            description=plan.description,
            schedule=plan.schedule,
            timezone=plan.timezone,
            lead_minutes=int(plan.lead.total_seconds() // 60),
            severity=plan.severity.value,
            skills=sorted(plan.skills),
            needs_onsite=plan.needs_onsite,
            active=plan.active,
            created_at=plan.created_at,
        )
        self._session.add(row)
        self._session.flush()
        return _plan(row)

    def plans(self, *, active_only: bool = False) -> list[Plan]:
        """Plans by contract and name."""
        query = select(PlanRow).order_by(PlanRow.contract_id, PlanRow.name)
        if active_only:
            query = query.where(PlanRow.active == true())
        return [_plan(r) for r in self._session.scalars(query)]

    def last_occurrence(self, plan_id: int) -> datetime | None:
        """The latest occurrence a ticket was opened for."""
        return self._session.scalar(
            select(func.max(PlanRunRow.occurrence)).where(PlanRunRow.plan_id == plan_id)
        )

    def claim_run(self, plan_id: int, occurrence: datetime, now: datetime) -> bool:
        """Record the occurrence as being opened; ``False`` if it already was."""
        inserted = self._session.scalar(
            dialect_insert(self._session, PlanRunRow)
            .values(plan_id=plan_id, occurrence=occurrence, ticket_id=None, created_at=now)
            .on_conflict_do_nothing(index_elements=["plan_id", "occurrence"])
            .returning(PlanRunRow.id)
        )
        return inserted is not None

    def set_run_ticket(self, plan_id: int, occurrence: datetime, ticket_id: int) -> None:
        """Link the occurrence to the ticket opened for it."""
        self._session.execute(
            update(PlanRunRow)
            .where(PlanRunRow.plan_id == plan_id, PlanRunRow.occurrence == occurrence)
            .values(ticket_id=ticket_id)
        )

    def runs(self, plan_id: int) -> list[PlanRun]:
        """A plan's occurrences so far, oldest first."""
        rows = self._session.scalars(
            select(PlanRunRow).where(PlanRunRow.plan_id == plan_id).order_by(PlanRunRow.occurrence)
        )
        return [PlanRun(r.plan_id, r.occurrence, r.ticket_id, r.created_at) for r in rows]

    # --- time and block hours -----------------------------------------------------------

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
        """Record work on a ticket."""
        self._session.add(
            TimeEntryRow(
                ticket_id=ticket_id,
                contract_id=contract_id,
                actor=actor,
                minutes=minutes,
                worked_on=worked_on,
                note=note,
                logged_at=at,
            )
        )
        self._session.flush()

    def used_minutes(self, contract_id: int, start: date, end: date) -> int:
        """Minutes logged on the contract's tickets for days in ``[start, end)``."""
        total = self._session.scalar(
            select(func.coalesce(func.sum(TimeEntryRow.minutes), 0)).where(
                TimeEntryRow.contract_id == contract_id,
                TimeEntryRow.worked_on >= start,
                TimeEntryRow.worked_on < end,
            )
        )
        return int(total or 0)

    def open_period(
        self, contract_id: int, start: date, end: date, hours: float, now: datetime
    ) -> bool:
        """Start a block period (the rollover); ``False`` if it was already started."""
        inserted = self._session.scalar(
            dialect_insert(self._session, BlockPeriodRow)
            .values(
                contract_id=contract_id,
                period_start=start,
                period_end=end,
                prepaid_hours=hours,
                opened_at=now,
                low_warned_at=None,
            )
            .on_conflict_do_nothing(index_elements=["contract_id", "period_start"])
            .returning(BlockPeriodRow.id)
        )
        return inserted is not None

    def period(self, contract_id: int, start: date) -> tuple[date, float, datetime | None] | None:
        """A started period's end, prepaid hours and low-balance warning instant."""
        row = self._session.scalars(
            select(BlockPeriodRow).where(
                BlockPeriodRow.contract_id == contract_id, BlockPeriodRow.period_start == start
            )
        ).first()
        return (row.period_end, row.prepaid_hours, row.low_warned_at) if row else None

    def mark_low(self, contract_id: int, start: date, at: datetime) -> bool:
        """Record the period's low-balance warning; ``False`` if it was recorded before."""
        done = self._session.execute(
            update(BlockPeriodRow)
            .where(
                BlockPeriodRow.contract_id == contract_id,
                BlockPeriodRow.period_start == start,
                BlockPeriodRow.low_warned_at.is_(None),
            )
            .values(low_warned_at=at)
        )
        return getattr(done, "rowcount", 0) == 1


def _plan(row: PlanRow) -> Plan:
    return Plan(
        id=row.id,
        contract_id=row.contract_id,
        name=row.name,
        title=row.title,
        schedule=row.schedule,
        timezone=row.timezone,
        lead=timedelta(minutes=row.lead_minutes),
        created_at=row.created_at,
        severity=Severity(row.severity),
        skills=frozenset(row.skills),
        needs_onsite=row.needs_onsite,
        description=row.description,
        active=row.active,
    )
