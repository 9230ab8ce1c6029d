"""A ticket's monitoring incident as JSON and as text, for ``dispatch ticket show``.

Beside ``formats`` (which is full): what the monitor last said of the key the
ticket was opened for, how often, and whether Alertmanager left alerts out.
"""

from __future__ import annotations

from typing import Any

from dispatch.domain.monitoring import Incident
from dispatch.domain.text import printable


def incident_json(incident: Incident | None) -> dict[str, Any] | None:
    """The incident's fields (the payload left out: it can be 64 KiB), or ``None``."""
    if incident is None:
        return None
    return {
        "source": incident.source,
        "key": incident.key,
        "state": incident.state.value,
        "severity": incident.severity.value,
        "occurrences": incident.occurrences,
        "first_seen": incident.first_seen.isoformat(),
        "last_seen": incident.last_seen.isoformat(),
        "group": incident.group,
        "truncated": incident.truncated,
    }


def incident_line(incident: Incident) -> str:
    """``monitoring   prom: firing, 37 events, last 2026-11-23 09:30 UTC``."""
    events = "1 event" if incident.occurrences == 1 else f"{incident.occurrences:,} events"
    left_out = "; Alertmanager left alerts out" if incident.truncated else ""
    text = (
        f"{incident.source}: {incident.state.value}, {events}, "
        f"last {incident.last_seen:%Y-%m-%d %H:%M} UTC{left_out} (key {incident.key})"
    )
    line = printable(text)
    return "monitoring   " + (line if len(line) <= 200 else line[:199] + "…")
