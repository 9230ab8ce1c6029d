"""What ``dispatch export`` reads: whole tables in chunks, as a port.

Kept apart from ``ports`` because only the export uses it: the rows it yields
carry the references (external ids or stable keys) the export writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dispatch.domain.alerts import Alert
from dispatch.domain.model import Contract, Customer, Technician
from dispatch.domain.ticket import Event, Ticket


@dataclass(frozen=True, slots=True)
class ContractExport:
    """A contract as the export reads it: with its customer's name.

    Attributes:
        contract: The contract.
        customer: Its customer's reference: external id, else ``dispatch:customer:ID``.
    """

    contract: Contract
    customer: str


@dataclass(frozen=True, slots=True)
class TicketExport:
    """A ticket as the export reads it: with its contract's name and its recorded changes.

    Attributes:
        ticket: The ticket (whole description).
        contract: Its contract's reference: external id, else ``dispatch:contract:ID``.
        events: The ticket's events, oldest first.
        caller: How an import names its caller: the contact's external id, else
            its first address (``None``: no caller recorded, or one without either).
    """

    ticket: Ticket
    contract: str
    events: Sequence[Event]
    caller: str | None = None


class ExportSource(Protocol):
    """Every row of a kind, read in chunks so that memory stays flat in the table's size.

    Each method yields in id order; ``start``/``end`` bound the kind's natural
    instant (from ``start`` inclusive to ``end`` exclusive; ``None``: unbounded).
    The iterators are valid while their unit of work is open.
    """

    def customers(self) -> Iterator[Customer]:
        """All customers."""
        ...

    def contracts(self) -> Iterator[ContractExport]:
        """All contracts with their customers' names."""
        ...

    def technicians(self) -> Iterator[Technician]:
        """All technicians."""
        ...

    def tickets(self, start: datetime | None, end: datetime | None) -> Iterator[TicketExport]:
        """Tickets opened in ``[start, end)``, each with its contract and events."""
        ...

    def events(self, start: datetime | None, end: datetime | None) -> Iterator[Event]:
        """Events recorded in ``[start, end)``."""
        ...

    def alerts(self, start: datetime | None, end: datetime | None) -> Iterator[Alert]:
        """Alerts raised in ``[start, end)``."""
        ...
