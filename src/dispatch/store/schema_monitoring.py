"""The monitoring intake's table: what is known of each monitoring key on its ticket.

Beside ``schema`` (which is full) and part of its metadata. The key's
uniqueness among open tickets is an index on ``tickets.monitoring_key``;
this table keeps the rest: the monitor's last word, how often it spoke, the
last payload (capped).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.domain.model import Severity
from dispatch.domain.monitoring import IncidentState
from dispatch.store.schema import Base, _in
from dispatch.store.types import UTCDateTime


class MonitoringIncidentRow(Base):
    """A monitoring key's state on one ticket (a ticket has at most one key)."""

    __tablename__ = "monitoring_incidents"
    __table_args__ = (
        CheckConstraint(_in("state", IncidentState), name="state"),
        CheckConstraint(_in("severity", Severity), name="severity"),
        Index("ix_monitoring_incidents_key", "source", "dedup_key", "ticket_id"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    dedup_key: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(2))
    summary: Mapped[str] = mapped_column(Text)
    occurrence: Mapped[str | None] = mapped_column(String(255))
    occurrences: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    group_key: Mapped[str | None] = mapped_column(Text)
    truncated: Mapped[bool] = mapped_column(Boolean)
    payload: Mapped[str] = mapped_column(Text)
