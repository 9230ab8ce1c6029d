"""Customers, contracts, technicians and calendars in SQL (the ``DirectoryStore`` port)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.domain.calendar import Calendar
from dispatch.domain.errors import NotFoundError
from dispatch.domain.model import Contract, Customer, Technician
from dispatch.store import convert
from dispatch.store.schema import CalendarRow, ContractRow, CustomerRow, TechnicianRow


class SqlDirectoryStore:
    """Customers, contracts and technicians in SQL.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def customers(self) -> list[Customer]:
        """All customers by name."""
        rows = self._session.scalars(select(CustomerRow).order_by(CustomerRow.name))
        return [convert.customer_from_row(r) for r in rows]

    def customer_by_name(self, name: str) -> Customer:
        """The customer called exactly ``name``."""
        row = self._session.scalars(select(CustomerRow).where(CustomerRow.name == name)).first()
        if row is None:
            raise NotFoundError(f"no customer named {name!r}")
        return convert.customer_from_row(row)

    def customer(self, customer_id: int) -> Customer:
        """The customer with this id."""
        row = self._session.get(CustomerRow, customer_id)
        if row is None:
            raise NotFoundError(f"no customer with id {customer_id}")
        return convert.customer_from_row(row)

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

    def technicians(self) -> list[Technician]:
        """All technicians by login."""
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
        """Insert a customer (demo data and imports)."""
        row = convert.customer_to_row(customer)
        self._session.add(row)
        self._session.flush()
        return convert.customer_from_row(row)

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
