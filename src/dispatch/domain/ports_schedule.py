"""Ports of planned work and on-call: maintenance plans, rotations and overrides.

Split from ``ports`` (which the unit of work keeps); the same Protocols.
"""

from datetime import date, datetime
from typing import Protocol

from dispatch.domain.oncall import Override, Rotation
from dispatch.domain.plans import Plan, PlanRun


class PlanStore(Protocol):
    """Maintenance plans and their runs; time entries and block periods."""

    def add_plan(self, plan: Plan) -> Plan:
        """Insert a plan."""
        ...

    def plans(self, *, active_only: bool = False) -> list[Plan]:
        """Plans by contract and name."""
        ...

    def last_occurrence(self, plan_id: int) -> datetime | None:
        """The latest occurrence a ticket was opened for."""
        ...

    def claim_run(self, plan_id: int, occurrence: datetime, now: datetime) -> bool:
        """Record the occurrence as being opened; ``False`` if it already was."""
        ...

    def set_run_ticket(self, plan_id: int, occurrence: datetime, ticket_id: int) -> None:
        """Link the occurrence to its ticket."""
        ...

    def runs(self, plan_id: int) -> list[PlanRun]:
        """A plan's occurrences so far."""
        ...

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
        ...

    def used_minutes(self, contract_id: int, start: date, end: date) -> int:
        """Minutes logged on the contract for days in ``[start, end)``."""
        ...

    def open_period(
        self, contract_id: int, start: date, end: date, hours: float, now: datetime
    ) -> bool:
        """Start a block period; ``False`` if it was already started."""
        ...

    def period(self, contract_id: int, start: date) -> tuple[date, float, datetime | None] | None:
        """A started period's end, prepaid hours and low-balance warning instant."""
        ...

    def mark_low(self, contract_id: int, start: date, at: datetime) -> bool:
        """Record the period's low-balance warning once."""
        ...


class OnCallStore(Protocol):
    """On-call rotations and overrides (shifts are computed, never stored)."""

    def rotations(self) -> list[Rotation]:
        """Every rotation, by layer and name."""
        ...

    def add_rotation(self, rotation: Rotation) -> Rotation:
        """Insert a rotation; a name taken already raises ``InvalidInputError``."""
        ...

    def overrides(self, start: datetime, end: datetime) -> list[Override]:
        """Overrides overlapping ``[start, end)``, oldest first."""
        ...

    def add_override(self, override: Override) -> Override:
        """Insert an override."""
        ...
