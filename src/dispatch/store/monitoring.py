"""Monitoring keys in SQL: which ticket holds a key, and what the monitor said of it."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch.domain.errors import DuplicateError
from dispatch.domain.model import Severity, TicketStatus
from dispatch.domain.monitoring import Incident, IncidentState, KeyTicket
from dispatch.store.schema import TicketRow
from dispatch.store.schema_monitoring import MonitoringIncidentRow


def ticket_key(source: str, key: str) -> str:
    """What ``tickets.monitoring_key`` holds for a source's key."""
    return f"{source}:{key}"


class SqlMonitoringStore:
    """Monitoring incidents on tickets; one open ticket per key (a unique partial index).

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def latest(self, source: str, key: str) -> KeyTicket | None:
        """The key's newest ticket with its incident, or ``None``.

        The incident's row is locked until the transaction ends (PostgreSQL;
        SQLite's writers hold the whole database), so two events for one key
        count one after the other instead of both counting from the same number.
        """
        query = (
            select(MonitoringIncidentRow, TicketRow.status, TicketRow.resolved_at)
            .join(TicketRow, TicketRow.id == MonitoringIncidentRow.ticket_id)
            .where(MonitoringIncidentRow.source == source, MonitoringIncidentRow.dedup_key == key)
            .order_by(MonitoringIncidentRow.ticket_id.desc())
            .limit(1)
            .with_for_update(of=MonitoringIncidentRow)
        )
        found = self._session.execute(query).first()
        if found is None:
            return None
        row, status, resolved_at = found
        return KeyTicket(_incident(row), TicketStatus(status), resolved_at)

    def incident(self, ticket_id: int) -> Incident | None:
        """The ticket's incident, if a monitoring event opened it."""
        row = self._session.get(MonitoringIncidentRow, ticket_id)
        return None if row is None else _incident(row)

    def attach(self, incident: Incident) -> None:
        """Give the incident's ticket its key and store the incident.

        The key moves off the source's older, finished tickets (so that one of
        them reopened by hand does not collide with it).

        Raises:
            DuplicateError: Another open ticket holds the key (another event
                opened it meanwhile); the transaction stays usable.
        """
        held = ticket_key(incident.source, incident.key)
        try:
            with self._session.begin_nested():
                self._session.execute(
                    update(TicketRow)
                    .where(TicketRow.monitoring_key == held, TicketRow.is_open.is_(False))
                    .values(monitoring_key=None)
                    .execution_options(synchronize_session=False)
                )
                self._session.execute(
                    update(TicketRow)
                    .where(TicketRow.id == incident.ticket_id)
                    .values(monitoring_key=held)
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            raise DuplicateError(f"an open ticket holds {held!r} already") from None
        row = MonitoringIncidentRow(ticket_id=incident.ticket_id)
        _fill(row, incident)
        self._session.add(row)
        self._session.flush()

    def save(self, incident: Incident) -> None:
        """Store what the monitor last said of the incident's key."""
        row = self._session.get(MonitoringIncidentRow, incident.ticket_id)
        if row is None:
            raise ValueError(f"T-{incident.ticket_id} has no monitoring incident")
        _fill(row, incident)
        self._session.flush()


def _fill(row: MonitoringIncidentRow, incident: Incident) -> None:
    row.source = incident.source
    row.dedup_key = incident.key
    row.state = incident.state.value
    row.severity = incident.severity.value
    row.summary = incident.summary
    row.occurrence = incident.occurrence
    row.occurrences = incident.occurrences
    row.first_seen = incident.first_seen
    row.last_seen = incident.last_seen
    row.group_key = incident.group
    row.truncated = incident.truncated
    row.payload = incident.payload


def _incident(row: MonitoringIncidentRow) -> Incident:
    return Incident(
        ticket_id=row.ticket_id,
        source=row.source,
        key=row.dedup_key,
        state=IncidentState(row.state),
        severity=Severity(row.severity),
        summary=row.summary,
        occurrence=row.occurrence,
        occurrences=row.occurrences,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        group=row.group_key,
        truncated=row.truncated,
        payload=row.payload,
    )
