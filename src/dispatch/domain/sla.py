"""SLA deadlines: the one place where business time is added to an instant.

For now every contract counts plain 24/7 time; the SLA engine (business
calendars, holidays, pauses) replaces the arithmetic here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dispatch.domain.model import Contract, Severity, require_utc


@dataclass(frozen=True, slots=True)
class Deadlines:
    """The due instants of one ticket; ``None`` where nothing is promised.

    Attributes:
        response: Deadline for the first reaction.
        resolution: Deadline for the resolution.
    """

    response: datetime | None
    resolution: datetime | None


def deadlines_for(contract: Contract, severity: Severity, opened_at: datetime) -> Deadlines:
    """Compute a ticket's deadlines from its contract, severity and opening time.

    Args:
        contract: The contract the ticket falls under.
        severity: The ticket's severity.
        opened_at: When the customer asked (aware).

    Returns:
        The response and resolution deadlines in UTC, or ``None`` for each where
        the contract promises nothing for this severity.
    """
    start = require_utc(opened_at, "opened at")
    target = contract.sla.for_severity(severity)
    if target is None:
        return Deadlines(None, None)
    return Deadlines(start + target.response, start + target.resolution)
