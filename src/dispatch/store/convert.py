"""Row <-> domain conversions; the only place that knows both shapes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from dispatch.domain.calendar import Calendar
from dispatch.domain.conversation import FirstResponse
from dispatch.domain.model import (
    BlockPeriod,
    Channel,
    Contact,
    Contract,
    ContractKind,
    Customer,
    Severity,
    SlaPolicy,
    Technician,
    TechStatus,
    TicketKind,
    TicketStatus,
)
from dispatch.domain.ticket import Event, Ticket
from dispatch.store.schema import (
    NO_DEADLINE,
    CalendarRow,
    ContactRow,
    ContractRow,
    CustomerRow,
    EventRow,
    TechnicianRow,
    TicketRow,
)


def customer_from_row(row: CustomerRow, contacts: Sequence[ContactRow] = ()) -> Customer:
    """Domain customer from its row (and its contacts' rows, in their order)."""
    return Customer(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        country=row.country,
        region=row.region,
        address=row.address,
        contacts=tuple(contact_from_row(c) for c in contacts),
        external_id=row.external_id,
        retired_at=row.retired_at,
        mail_domains=tuple(row.mail_domains or ()),
        triage=row.triage,
    )


def customer_columns(customer: Customer) -> dict[str, object]:
    """The writable columns of ``customer`` (not its id, not its contacts)."""
    return {
        "name": customer.name,
        "timezone": customer.timezone,
        "country": customer.country,
        "region": customer.region,
        "address": customer.address,
        "external_id": customer.external_id,
        "retired_at": customer.retired_at,
        "mail_domains": list(customer.mail_domains),
        "triage": customer.triage,
    }


def customer_to_row(customer: Customer) -> CustomerRow:
    """A new row for ``customer`` (its id is left to the database)."""
    return CustomerRow(**customer_columns(customer))


def contact_from_row(row: ContactRow) -> Contact:
    """Domain contact from its row."""
    return Contact(
        id=row.id,
        customer_id=row.customer_id,
        name=row.name,
        emails=tuple(row.emails),
        phones=tuple(row.phones),
        role=row.role,
        external_id=row.external_id,
    )


def contact_columns(contact: Contact) -> dict[str, object]:
    """The writable columns of ``contact`` (not its id)."""
    return {
        "customer_id": contact.customer_id,
        "name": contact.name,
        "emails": list(contact.emails),
        "phones": list(contact.phones),
        "role": contact.role,
        "external_id": contact.external_id,
    }


def contract_from_row(row: ContractRow) -> Contract:
    """Domain contract from its row."""
    return Contract(
        id=row.id,
        customer_id=row.customer_id,
        name=row.name,
        kind=ContractKind(row.kind),
        sla=SlaPolicy.from_json(row.sla),
        calendar=row.calendar,
        hourly_rate=row.hourly_rate,
        currency=row.currency,
        prepaid_hours=row.prepaid_hours,
        period=BlockPeriod(row.period) if row.period else None,
        fixed_fee=row.fixed_fee,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        external_id=row.external_id,
        precedence=row.precedence,
        job_price=row.job_price,
        incident_price=row.incident_price,
        included_hours=row.included_hours,
        overage_rate=row.overage_rate,
        first_response=FirstResponse(row.first_response),
    )


def contract_columns(contract: Contract) -> dict[str, object]:
    """The writable columns of ``contract`` (not its id)."""
    return {
        "customer_id": contract.customer_id,
        "name": contract.name,
        "kind": contract.kind.value,
        "sla": contract.sla.to_json(),
        "calendar": contract.calendar,
        "hourly_rate": contract.hourly_rate,
        "currency": contract.currency,
        "prepaid_hours": contract.prepaid_hours,
        "period": contract.period.value if contract.period else None,
        "fixed_fee": contract.fixed_fee,
        "valid_from": contract.valid_from,
        "valid_to": contract.valid_to,
        "external_id": contract.external_id,
        "precedence": contract.precedence,
        "job_price": contract.job_price,
        "incident_price": contract.incident_price,
        "included_hours": contract.included_hours,
        "overage_rate": contract.overage_rate,
        "first_response": contract.first_response.value,
    }


def contract_to_row(contract: Contract) -> ContractRow:
    """A new row for ``contract``."""
    return ContractRow(**contract_columns(contract))


def technician_from_row(row: TechnicianRow) -> Technician:
    """Domain technician from its row."""
    return Technician(
        id=row.id,
        login=row.login,
        name=row.name,
        skills=frozenset(row.skills),
        on_call=row.on_call,
        onsite_capable=row.onsite_capable,
        home_region=row.home_region,
        max_tickets=row.max_tickets,
        status=TechStatus(row.status),
        external_id=row.external_id,
        retired_at=row.retired_at,
    )


def technician_columns(tech: Technician) -> dict[str, object]:
    """The writable columns of ``tech`` (not its id)."""
    return {
        "login": tech.login,
        "name": tech.name,
        "skills": sorted(tech.skills),
        "on_call": tech.on_call,
        "onsite_capable": tech.onsite_capable,
        "home_region": tech.home_region,
        "max_tickets": tech.max_tickets,
        "status": tech.status.value,
        "external_id": tech.external_id,
        "retired_at": tech.retired_at,
    }


def technician_to_row(tech: Technician) -> TechnicianRow:
    """A new row for ``tech``."""
    return TechnicianRow(**technician_columns(tech))


def ticket_from_row(
    row: TicketRow,
    customer_name: str,
    contract_kind: str,
    assignee: str | None,
    cut: tuple[str, int | None] | None = None,
) -> Ticket:
    """Domain ticket from its row and the joined names.

    ``cut`` is what was read of the description instead of its column (for
    display): its beginning, and the whole size in bytes if that was cut.
    """
    if cut is not None:
        description, description_size = cut
    else:
        description, description_size = row.description, None
    return Ticket(
        id=row.id,
        customer_id=row.customer_id,
        customer_name=customer_name,
        contract_id=row.contract_id,
        contract_kind=ContractKind(contract_kind),
        title=row.title,
        description=description,
        description_size=description_size,
        kind=TicketKind(row.kind),
        channel=Channel(row.channel),
        severity=Severity(row.severity),
        status=TicketStatus(row.status),
        needs_onsite=row.needs_onsite,
        skills=frozenset(row.skills),
        opened_at=row.opened_at,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        response_due=row.response_due,
        resolution_due=row.resolution_due,
        assignee=assignee,
        bug_ref=row.bug_ref,
        external_id=row.external_id,
        contact_id=row.contact_id,
        version=row.version,
        response_warn_at=row.response_warn_at,
        resolution_warn_at=row.resolution_warn_at,
    )


def queue_due(ticket: Ticket) -> datetime:
    """The stored sort deadline: the nearest running one, or the far-future stand-in."""
    due = ticket.next_due
    return due if due is not None else NO_DEADLINE


def ticket_columns(ticket: Ticket, assignee_id: int | None) -> dict[str, object]:
    """The writable columns of ``ticket``, sort columns included (no id, no version)."""
    return {
        "customer_id": ticket.customer_id,
        "contract_id": ticket.contract_id,
        "title": ticket.title,
        "description": ticket.description,
        "kind": ticket.kind.value,
        "channel": ticket.channel.value,
        "severity": ticket.severity.value,
        "status": ticket.status.value,
        "needs_onsite": ticket.needs_onsite,
        "skills": sorted(ticket.skills),
        "opened_at": ticket.opened_at,
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
        "response_due": ticket.response_due,
        "resolution_due": ticket.resolution_due,
        "assignee_id": assignee_id,
        "bug_ref": ticket.bug_ref,
        "external_id": ticket.external_id,
        "contact_id": ticket.contact_id,
        "is_open": ticket.is_open,
        "priority_rank": ticket.priority_rank,
        "queue_due": queue_due(ticket),
        "queue_warn": ticket.next_warn or NO_DEADLINE,
        "response_warn_at": ticket.response_warn_at,
        "resolution_warn_at": ticket.resolution_warn_at,
        "severity_level": ticket.severity.level,
    }


def calendar_from_row(row: CalendarRow) -> Calendar:
    """Domain calendar from its stored definition."""
    return Calendar.from_json(row.definition, name=row.name, where=f"stored calendar {row.name!r}")


def event_from_row(row: EventRow) -> Event:
    """Domain event from its row."""
    return Event(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        ticket_id=row.ticket_id,
        before=dict(row.before),
        after=dict(row.after),
        note=row.note,
    )
