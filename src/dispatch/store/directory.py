"""Customers, contracts, technicians and calendars in SQL (the ``DirectoryStore`` port)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from dispatch.domain.calendar import Calendar
from dispatch.domain.errors import NotFoundError
from dispatch.domain.model import Contact, Contract, Customer, Technician
from dispatch.store import convert
from dispatch.store.schema import (
    CalendarRow,
    ContactRow,
    ContractRow,
    CustomerRow,
    TechnicianRow,
    TicketRow,
)


class SqlDirectoryStore:
    """Customers, contracts and technicians in SQL.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def customers(self) -> list[Customer]:
        """All customers by name (retired ones too), each with its contacts."""
        rows = self._session.scalars(select(CustomerRow).order_by(CustomerRow.name)).all()
        contacts: dict[int, list[ContactRow]] = {}
        for contact in self._session.scalars(select(ContactRow).order_by(ContactRow.id)):
            contacts.setdefault(contact.customer_id, []).append(contact)
        return [convert.customer_from_row(r, contacts.get(r.id, ())) for r in rows]

    def customer_by_name(self, name: str) -> Customer:
        """The customer called exactly ``name``."""
        row = self._session.scalars(select(CustomerRow).where(CustomerRow.name == name)).first()
        if row is None:
            raise NotFoundError(f"no customer named {name!r}")
        return self._with_contacts(row)

    def customer(self, customer_id: int) -> Customer:
        """The customer with this id."""
        row = self._session.get(CustomerRow, customer_id)
        if row is None:
            raise NotFoundError(f"no customer with id {customer_id}")
        return self._with_contacts(row)

    def has_customers(self) -> bool:
        """Whether any customer that is not retired exists (one index probe)."""
        found = self._session.scalar(
            select(CustomerRow.id).where(CustomerRow.retired_at.is_(None)).limit(1)
        )
        return found is not None

    def customer_by_external_id(self, external_id: str) -> Customer | None:
        """The customer an import knows as ``external_id``, if any."""
        row = self._session.scalars(
            select(CustomerRow).where(CustomerRow.external_id == external_id)
        ).first()
        return None if row is None else self._with_contacts(row)

    def _with_contacts(self, row: CustomerRow) -> Customer:
        contacts = self._session.scalars(
            select(ContactRow).where(ContactRow.customer_id == row.id).order_by(ContactRow.id)
        ).all()
        return convert.customer_from_row(row, contacts)

    def update_customer(self, customer: Customer, fields: Collection[str]) -> Customer:
        """Write the ``fields`` of ``customer`` (found by id); its contacts are left alone."""
        self._update(CustomerRow, customer.id, convert.customer_columns(customer), fields)
        return self.customer(customer.id)

    def add_contact(self, contact: Contact) -> Contact:
        """Insert a contact."""
        row = ContactRow(**convert.contact_columns(contact))
        self._session.add(row)
        self._session.flush()
        return convert.contact_from_row(row)

    def contact(self, contact_id: int) -> Contact:
        """One contact."""
        row = self._session.get(ContactRow, contact_id)
        if row is None:
            raise NotFoundError(f"no contact with id {contact_id}")
        return convert.contact_from_row(row)

    def contacts_by_external_id(self, external_ids: Sequence[str]) -> dict[str, Contact]:
        """The contacts an import knows by these ids."""
        rows = self._session.scalars(
            select(ContactRow).where(ContactRow.external_id.in_(list(external_ids)))
        )
        return {str(r.external_id): convert.contact_from_row(r) for r in rows}

    def update_contact(self, contact: Contact, fields: Collection[str]) -> Contact:
        """Write the ``fields`` of ``contact`` (found by id)."""
        self._update(ContactRow, contact.id, convert.contact_columns(contact), fields)
        return self.contact(contact.id)

    def remove_contact(self, contact_id: int) -> None:
        """Delete a contact; the tickets they called about keep no caller."""
        self._session.execute(
            update(TicketRow).where(TicketRow.contact_id == contact_id).values(contact_id=None)
        )
        done = self._session.execute(delete(ContactRow).where(ContactRow.id == contact_id))
        if getattr(done, "rowcount", 0):
            return
        raise NotFoundError(f"no contact with id {contact_id}")

    def _update(
        self,
        table: type[CustomerRow | ContactRow | ContractRow | TechnicianRow],
        row_id: int,
        values: dict[str, object],
        fields: Collection[str],
    ) -> None:
        """Write only ``fields``: an edit of one field never writes back another's old value."""
        changes = {name: values[name] for name in fields}
        if not changes:
            return
        done = self._session.execute(update(table).where(table.id == row_id).values(**changes))
        if not getattr(done, "rowcount", 0):
            raise NotFoundError(f"no {table.__tablename__[:-1]} with id {row_id}")

    def contracts(self, customer_id: int | None = None) -> list[Contract]:
        """Contracts by customer and name."""
        query = select(ContractRow).order_by(ContractRow.customer_id, ContractRow.name)
        if customer_id is not None:
            query = query.where(ContractRow.customer_id == customer_id)
        return [convert.contract_from_row(r) for r in self._session.scalars(query)]

    def contract(self, contract_id: int) -> Contract:
        """One contract."""
        row = self._session.get(ContractRow, contract_id)
        if row is None:
            raise NotFoundError(f"no contract with id {contract_id}")
        return convert.contract_from_row(row)

    def contract_by_name(self, name: str) -> Contract:
        """The contract called exactly ``name``."""
        row = self._session.scalars(select(ContractRow).where(ContractRow.name == name)).first()
        if row is None:
            raise NotFoundError(f"no contract named {name!r}")
        return convert.contract_from_row(row)

    def contract_by_external_id(self, external_id: str) -> Contract | None:
        """The contract an import knows as ``external_id``, if any."""
        row = self._session.scalars(
            select(ContractRow).where(ContractRow.external_id == external_id)
        ).first()
        return None if row is None else convert.contract_from_row(row)

    def update_contract(self, contract: Contract, fields: Collection[str]) -> Contract:
        """Write the ``fields`` of ``contract`` (found by id)."""
        self._update(ContractRow, contract.id, convert.contract_columns(contract), fields)
        return self.contract(contract.id)

    def technicians(self) -> list[Technician]:
        """All technicians by login (retired ones too)."""
        rows = self._session.scalars(select(TechnicianRow).order_by(TechnicianRow.login))
        return [convert.technician_from_row(r) for r in rows]

    def technician(self, login: str) -> Technician:
        """The technician with this login."""
        row = self._session.scalars(
            select(TechnicianRow).where(TechnicianRow.login == login)
        ).first()
        if row is None:
            raise NotFoundError(f"no technician with login {login!r}")
        return convert.technician_from_row(row)

    def technician_by_external_id(self, external_id: str) -> Technician | None:
        """The technician an import knows as ``external_id``, if any."""
        row = self._session.scalars(
            select(TechnicianRow).where(TechnicianRow.external_id == external_id)
        ).first()
        return None if row is None else convert.technician_from_row(row)

    def update_technician(self, tech: Technician, fields: Collection[str]) -> Technician:
        """Write the ``fields`` of ``tech`` (found by id)."""
        self._update(TechnicianRow, tech.id, convert.technician_columns(tech), fields)
        return self.technician(tech.login)

    def calendars(self) -> dict[str, Calendar]:
        """The calendars defined in the database, by name."""
        rows = self._session.scalars(select(CalendarRow).order_by(CalendarRow.name))
        return {r.name: convert.calendar_from_row(r) for r in rows}

    def save_calendar(self, calendar: Calendar, at: datetime) -> bool:
        """Create or replace a calendar definition; ``True`` if it was new."""
        row = self._session.scalars(
            select(CalendarRow).where(CalendarRow.name == calendar.name)
        ).first()
        if row is None:
            self._session.add(
                CalendarRow(name=calendar.name, definition=calendar.to_json(), updated_at=at)
            )
            self._session.flush()
            return True
        row.definition = calendar.to_json()
        row.updated_at = at
        self._session.flush()
        return False

    def add_customer(self, customer: Customer) -> Customer:
        """Insert a customer and its contacts."""
        row = convert.customer_to_row(customer)
        self._session.add(row)
        self._session.flush()
        for contact in customer.contacts:
            self._session.add(
                ContactRow(**{**convert.contact_columns(contact), "customer_id": row.id})
            )
        self._session.flush()
        return self._with_contacts(row)

    def add_contract(self, contract: Contract) -> Contract:
        """Insert a contract."""
        row = convert.contract_to_row(contract)
        self._session.add(row)
        self._session.flush()
        return convert.contract_from_row(row)

    def add_technician(self, tech: Technician) -> Technician:
        """Insert a technician."""
        row = convert.technician_to_row(tech)
        self._session.add(row)
        self._session.flush()
        return convert.technician_from_row(row)
