"""Tables, as SQLAlchemy 2.0 typed declarative rows.

The Alembic migrations under ``dispatch/store/migrations`` create these; this
module is their Python mirror and must agree with them (a test compares).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dispatch.domain.conversation import ArticleChannel, Visibility
from dispatch.domain.model import (
    Channel,
    ContractKind,
    Severity,
    TechStatus,
    TicketKind,
    TicketStatus,
)
from dispatch.store.types import UTCDateTime

NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
"""Stored as a ticket's queue deadline when it has none, so that one ascending
index serves the queue order on every backend (SQLite sorts NULL first,
PostgreSQL last). Never leaves the store."""


UNMAPPED_TABLE_PREFIXES = ("ticket_search",)
"""Tables the migrations make that no row class maps: SQLite's full-text index
(``ticket_search`` and FTS5's shadow tables). Schema comparisons skip them."""


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """For Alembic's comparisons: everything but the unmapped tables."""
    return not (type_ == "table" and name is not None and name.startswith(UNMAPPED_TABLE_PREFIXES))


def _in(column: str, values: type[Any]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class CustomerRow(Base):
    """A customer."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text, default="")
    external_id: Mapped[str | None] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_domains: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    triage: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (Index("ix_customers_external_id", "external_id", unique=True),)


class ContactRow(Base):
    """A customer's contact person; e-mail addresses and phone numbers are JSON lists."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_external_id", "external_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    emails: Mapped[list[str]] = mapped_column(JSON)
    phones: Mapped[list[str]] = mapped_column(JSON)
    role: Mapped[str] = mapped_column(String(100), default="")
    external_id: Mapped[str | None] = mapped_column(String(200))


class ContractRow(Base):
    """A contract; the SLA policy is JSON (minutes per severity)."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint(_in("kind", ContractKind), name="kind"),
        Index("ix_contracts_external_id", "external_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    sla: Mapped[dict[str, Any]] = mapped_column(JSON)
    calendar: Mapped[str] = mapped_column(String(64))
    hourly_rate: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    prepaid_hours: Mapped[float | None] = mapped_column(Float)
    period: Mapped[str | None] = mapped_column(String(8))
    fixed_fee: Mapped[float | None] = mapped_column(Float)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    external_id: Mapped[str | None] = mapped_column(String(200))
    precedence: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    job_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    incident_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    included_hours: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    overage_rate: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    first_response: Mapped[str] = mapped_column(String(20), default="reply", server_default="reply")


class TechnicianRow(Base):
    """A technician; skills are a JSON list."""

    __tablename__ = "technicians"
    __table_args__ = (
        CheckConstraint(_in("status", TechStatus), name="status"),
        Index("ix_technicians_external_id", "external_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    skills: Mapped[list[str]] = mapped_column(JSON)
    on_call: Mapped[bool] = mapped_column(Boolean)
    onsite_capable: Mapped[bool] = mapped_column(Boolean)
    home_region: Mapped[str] = mapped_column(String(64))
    max_tickets: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketRow(Base):
    """A ticket, with denormalised sort columns for the queue index.

    ``priority_rank``, ``queue_due``, ``queue_warn`` and ``severity_level``
    repeat facts held elsewhere (contract kind, the nearest running deadline
    and the instant its clock reaches the warning share, severity) so that the
    queue order is one index walk and "breached" or "at risk" are range scans.
    The repository sets them on every write.
    ``version`` is SQLAlchemy's version counter: an UPDATE that finds another
    version fails instead of overwriting.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_in("status", TicketStatus), name="status"),
        CheckConstraint(_in("severity", Severity), name="severity"),
        CheckConstraint(_in("kind", TicketKind), name="kind"),
        CheckConstraint(_in("channel", Channel), name="channel"),
        Index(
            "ix_tickets_queue",
            "is_open",
            "priority_rank",
            "queue_due",
            "severity_level",
            "opened_at",
            "id",
        ),
        Index("ix_tickets_response_due", "is_open", "response_due"),
        Index("ix_tickets_resolution_due", "is_open", "resolution_due"),
        Index("ix_tickets_open_due", "is_open", "queue_due"),
        Index("ix_tickets_open_opened", "is_open", "opened_at", "id"),
        Index("ix_tickets_open_warn_due", "is_open", "queue_warn", "queue_due"),
        Index("ix_tickets_open_assignee", "is_open", "assignee_id"),
        Index("ix_tickets_open_response_warn", "is_open", "response_warn_at"),
        Index("ix_tickets_open_resolution_warn", "is_open", "resolution_warn_at"),
        Index("ix_tickets_external_id", "external_id", unique=True),
        # One open ticket per monitoring key: two alerts at once cannot open two.
        # Migration 0017 makes it partial (WHERE is_open) on PostgreSQL too; naming
        # postgresql_where here would import that dialect at every SQLite start.
        Index(
            "ix_tickets_open_monitoring_key",
            "monitoring_key",
            unique=True,
            sqlite_where=text("is_open"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20))
    needs_onsite: Mapped[bool] = mapped_column(Boolean)
    skills: Mapped[list[str]] = mapped_column(JSON)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"), index=True)
    # Who called. Removing a contact clears it here first (``SqlDirectoryStore.remove_contact``),
    # not ON DELETE SET NULL: SQLite would not reflect that on a column added later (0014).
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    bug_ref: Mapped[str | None] = mapped_column(String(200))
    is_open: Mapped[bool] = mapped_column(Boolean)
    priority_rank: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str | None] = mapped_column(String(200))
    monitoring_key: Mapped[str | None] = mapped_column(String(320))
    queue_due: Mapped[datetime] = mapped_column(UTCDateTime)
    queue_warn: Mapped[datetime] = mapped_column(UTCDateTime)
    response_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    severity_level: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own idiom


class ArticleRow(Base):
    """One entry of a ticket's conversation. Append-only: never updated, never deleted."""

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint(_in("channel", ArticleChannel), name="channel"),
        CheckConstraint(_in("visibility", Visibility), name="visibility"),
        Index("ix_articles_ticket", "ticket_id", "id"),
        Index("ix_articles_message_id", "message_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(String(320))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    phone: Mapped[str | None] = mapped_column(String(40))
    message_id: Mapped[str | None] = mapped_column(String(998))
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list[str]] = mapped_column(JSON)
    auto: Mapped[str | None] = mapped_column(String(16))
    raw_ref: Mapped[str | None] = mapped_column(String(64))


class AttachmentRow(Base):
    """A file an article came with; its bytes live in the blob directory by ``sha256``."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_article", "article_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored: Mapped[bool] = mapped_column(Boolean)


class TicketLinkRow(Base):
    """A ticket that follows another: mail answering a closed ticket opens a new one."""

    __tablename__ = "ticket_links"
    __table_args__ = (
        CheckConstraint("kind IN ('follows')", name="kind"),
        Index("ix_ticket_links_ticket", "ticket_id"),
        Index("ix_ticket_links_other", "other_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    other_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarRow(Base):
    """A named business calendar; the definition is ``Calendar.to_json()``."""

    __tablename__ = "calendars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventRow(Base):
    """One change: who, when, what, before and after. Append-only."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


class AlertRow(Base):
    """One raised alert; (ticket, target, level) is unique, so it is raised once."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target", "level", name="uq_alerts_key"),
        CheckConstraint("target IN ('response', 'resolution')", name="target"),
        CheckConstraint("level IN ('warning', 'breach')", name="level"),
        Index("ix_alerts_unacked", "acked_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    target: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean)
    acked_by: Mapped[str | None] = mapped_column(String(64))
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CounterRow(Base):
    """A figure kept exact by the triggers of migration 0010, which names them.

    Open tickets per assignee and per deadline bucket; unacknowledged breach alerts.
    """

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class LeaseRow(Base):
    """Who holds a named duty (the sweep) until when; taken over once expired."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryRow(Base):
    """The outbox: an alert to a notification target at an escalation step, or a reply.

    Exactly one of ``alert_id`` and ``article_id`` is set. A reply has one
    delivery (``article_id`` is unique), so it is never sent twice.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "target", "step", name="uq_deliveries_key"),
        CheckConstraint("state IN ('pending', 'sent', 'failed')", name="state"),
        CheckConstraint("(alert_id IS NULL) <> (article_id IS NULL)", name="one_subject"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
        Index("ix_deliveries_article", "article_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    target: Mapped[str] = mapped_column(String(100))
    step: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class DeliveryAttemptRow(Base):
    """Every attempt to deliver, successful or not. Append-only."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (Index("ix_delivery_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text)


class PlanRow(Base):
    """A maintenance plan: a regular ticket per occurrence of a cron schedule."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("contract_id", "name", name="uq_plans_contract_name"),
        CheckConstraint(_in("severity", Severity), name="severity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text)
    schedule: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    lead_minutes: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(2))
    skills: Mapped[list[str]] = mapped_column(JSON)
    needs_onsite: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanRunRow(Base):
    """One occurrence of a plan; (plan, occurrence) is unique, so it is opened once."""

    __tablename__ = "plan_runs"
    __table_args__ = (UniqueConstraint("plan_id", "occurrence", name="uq_plan_runs_occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TimeEntryRow(Base):
    """Work logged on a ticket (draws block hours down). Append-only."""

    __tablename__ = "time_entries"
    __table_args__ = (Index("ix_time_entries_ticket", "ticket_id", "worked_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    minutes: Mapped[int] = mapped_column(Integer)
    worked_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BlockPeriodRow(Base):
    """A block-hours contract's period; (contract, start) is unique (one rollover each)."""

    __tablename__ = "block_periods"
    __table_args__ = (
        UniqueConstraint("contract_id", "period_start", name="uq_block_periods_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    prepaid_hours: Mapped[float] = mapped_column(Float)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    low_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PresenceRow(Base):
    """Which ticket a dispatcher has open, until when (a heartbeat renews it)."""

    __tablename__ = "presence"
    __table_args__ = (Index("ix_presence_ticket", "ticket_id", "expires_at"),)

    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OnCallRotationRow(Base):
    """An on-call rotation; members are a JSON list of logins in turn order."""

    __tablename__ = "oncall_rotations"
    __table_args__ = (
        CheckConstraint("period IN ('daily', 'weekly')", name="period"),
        CheckConstraint("handover_minute >= 0 AND handover_minute < 1440", name="handover"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    layer: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    handover_minute: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(8))
    weekday: Mapped[int | None] = mapped_column(Integer)
    start_day: Mapped[date] = mapped_column(Date)
    members: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OnCallOverrideRow(Base):
    """One technician on call in another's place from ``starts_at`` to ``ends_at``."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (Index("ix_oncall_overrides_span", "ends_at", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    replaces: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The monitoring intake's table lives in its own module (this one is full); it is
# imported here so that every user of Base.metadata sees it.
from dispatch.store.schema_monitoring import MonitoringIncidentRow  # noqa: E402

__all__ = ["MonitoringIncidentRow"]
