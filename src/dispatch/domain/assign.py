"""Suggesting a technician for a ticket (DOMAIN.md rule 4), with reasons.

Each technician gets a score from skill match, current load against their
maximum, on-call status, on-site capability when the ticket needs a visit,
and availability; the reasons say in words what counted. Technicians who are
off, or cannot make a needed visit, stay in the list (a dispatcher may still
choose them) but rank after everyone eligible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dispatch.domain.model import Severity, Technician, TechStatus
from dispatch.domain.ticket import Ticket


@dataclass(frozen=True, slots=True)
class Candidate:
    """One technician's standing for one ticket.

    Attributes:
        tech: The technician.
        load: Open tickets assigned to them now.
        score: Higher is better (0 to 100 for eligible technicians).
        eligible: False when off duty or unable to make a needed visit.
        reasons: What counted, in words, most important first.
    """

    tech: Technician
    load: int
    score: float
    eligible: bool
    reasons: tuple[str, ...]


def rank_technicians(
    ticket: Ticket, technicians: Iterable[Technician], loads: Mapping[str, int]
) -> list[Candidate]:
    """Technicians ordered best first for ``ticket``, each with the reasons for its place.

    Retired technicians are left out: they stay in old assignments only.
    """
    out = [
        _candidate(ticket, tech, loads.get(tech.login, 0))
        for tech in technicians
        if tech.retired_at is None
    ]
    return sorted(out, key=lambda c: (not c.eligible, -c.score, c.load, c.tech.login))


def _candidate(ticket: Ticket, tech: Technician, load: int) -> Candidate:
    reasons: list[str] = []
    eligible = True
    needed = ticket.skills
    if needed:
        matched = needed & tech.skills
        coverage = len(matched) / len(needed)
        missing = sorted(needed - tech.skills)
        text = f"skills {len(matched)}/{len(needed)}"
        if missing:
            text += f" (lacks {', '.join(missing)})"
        reasons.append(text)
    else:
        coverage = 1.0
        reasons.append("no particular skills needed")
    capacity = max(tech.max_tickets, 1)
    free = max(0.0, 1.0 - load / capacity)
    reasons.append(f"load {load}/{tech.max_tickets}" + (" (full)" if load >= capacity else ""))
    urgent = ticket.severity in (Severity.P1, Severity.P2)
    if tech.on_call:
        reasons.append("on call")
    score = (
        45 * coverage + 25 * free + (15 if tech.on_call and urgent else 5 if tech.on_call else 0)
    )
    if ticket.needs_onsite:
        if tech.onsite_capable:
            reasons.append("can go on site")
            score += 5
        else:
            reasons.append("cannot go on site")
            eligible = False
    if tech.status is TechStatus.AVAILABLE:
        reasons.append("available")
        score += 10
    elif tech.status is TechStatus.BUSY:
        reasons.append("busy")
    else:
        reasons.append("off duty")
        eligible = False
    if load >= capacity:
        score -= 20
    return Candidate(tech, load, round(score, 1), eligible, tuple(reasons))
