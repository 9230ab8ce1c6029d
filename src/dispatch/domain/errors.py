"""Errors the domain and the services raise; every layer above translates them.

Each carries a message fit to show a dispatcher as it is: it says what is wrong
and where, and never contains secrets.
"""

from __future__ import annotations


class DispatchError(Exception):
    """Base of every error dispatch reports to its user."""


class InvalidInputError(DispatchError):
    """Input that breaks a rule: a bad severity, an unparsable time, a forbidden change."""


class NotFoundError(DispatchError):
    """A named customer, contract, ticket or technician does not exist."""


class DuplicateError(InvalidInputError):
    """Something stored once only is there already (an e-mail's Message-ID)."""


class ConflictError(DispatchError):
    """A change was based on a stale read: someone else changed the record first.

    Attributes:
        ticket_id: The ticket concerned.
        expected_version: The version the change was based on.
        actual_version: The version now stored.
        changed_by: Who made the latest change, if known.
        changed_at: When, if known (ISO text).
        summary: What that change did, if known.
    """

    def __init__(
        self,
        ticket_id: int,
        expected_version: int,
        actual_version: int,
        *,
        changed_by: str | None = None,
        changed_at: str | None = None,
        summary: str | None = None,
    ) -> None:
        self.ticket_id = ticket_id
        self.expected_version = expected_version
        self.actual_version = actual_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.summary = summary
        who = f" by {changed_by}" if changed_by else ""
        when = f" at {changed_at}" if changed_at else ""
        what = f" ({summary})" if summary else ""
        super().__init__(
            f"T-{ticket_id} was changed{who}{when}{what}: your copy is version "
            f"{expected_version}, the stored one is {actual_version}; reload and try again"
        )


class ReadOnlyError(DispatchError):
    """A change was asked of a read-only console (``--read-only``, ``[access] read_only``)."""


class StorageUnavailableError(DispatchError):
    """The database cannot be reached or is locked; the message names no secret."""


class DeliveryFailedError(DispatchError):
    """A notification could not be delivered (the message never holds the address)."""


class DeliveryRejectedError(DeliveryFailedError):
    """The receiving server refused a message for good (a 5xx reply): no retry helps."""
