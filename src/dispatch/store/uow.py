"""The SQL unit of work: one Session, one short transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dispatch.store.alerts import SqlAlertStore, SqlOutbox
from dispatch.store.articles import SqlArticleStore
from dispatch.store.db import WRITE_OPTION, translate
from dispatch.store.directory import SqlDirectoryStore
from dispatch.store.events import SqlEventLog
from dispatch.store.export import SqlExportSource
from dispatch.store.feed import SqlPresence
from dispatch.store.links import SqlTicketLinks
from dispatch.store.monitoring import SqlMonitoringStore
from dispatch.store.oncall import SqlOnCallStore
from dispatch.store.plans import SqlPlanStore
from dispatch.store.repository import SqlTicketStore


class SqlUnitOfWork:
    """A transaction over the stores; ``with uow: ...; uow.commit()``.

    Leaving the block without ``commit`` rolls back, so an error half-way
    leaves nothing half-written. Database errors leave as
    ``StorageUnavailableError`` with a message that holds no parameters or secrets.

    Args:
        session_factory: The application's one ``sessionmaker``.
        write: Whether this unit writes. On SQLite a writing unit starts with
            ``BEGIN IMMEDIATE`` so that it takes the write lock before reading
            what it will change (see ``dispatch.store.db``).
    """

    tickets: SqlTicketStore
    directory: SqlDirectoryStore
    events: SqlEventLog
    articles: SqlArticleStore
    links: SqlTicketLinks
    alerts: SqlAlertStore
    monitoring: SqlMonitoringStore
    outbox: SqlOutbox
    plans: SqlPlanStore
    presence: SqlPresence
    oncall: SqlOnCallStore
    exports: SqlExportSource

    def __init__(self, session_factory: sessionmaker[Session], *, write: bool = True) -> None:
        self._factory = session_factory
        self._write = write
        self._session: Session | None = None

    def __enter__(self) -> Self:
        session = self._factory()
        try:
            # Options must be set before the connection begins its transaction.
            session.connection(execution_options={WRITE_OPTION: self._write})
        except SQLAlchemyError as exc:
            session.close()
            raise translate(exc) from None
        self._session = session
        self.tickets = SqlTicketStore(session)
        self.directory = SqlDirectoryStore(session)
        self.events = SqlEventLog(session)
        self.articles = SqlArticleStore(session)
        self.links = SqlTicketLinks(session)
        self.alerts = SqlAlertStore(session)
        self.monitoring = SqlMonitoringStore(session)
        self.outbox = SqlOutbox(session)
        self.plans = SqlPlanStore(session)
        self.presence = SqlPresence(session)
        self.oncall = SqlOnCallStore(session)
        self.exports = SqlExportSource(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._require()
        try:
            try:
                session.rollback()
            finally:
                session.close()
                self._session = None
        except SQLAlchemyError as failed:
            # On a lost connection the rollback fails too. An error of the block's own
            # says more (it goes on as it is); else the failure leaves translated.
            if exc is not None and not isinstance(exc, SQLAlchemyError):
                return
            raise translate(exc if isinstance(exc, SQLAlchemyError) else failed) from None
        if isinstance(exc, SQLAlchemyError):
            raise translate(exc) from None

    @property
    def session(self) -> Session:
        """The open session (for bulk loaders inside ``dispatch.store``)."""
        return self._require()

    def commit(self) -> None:
        """Commit the transaction."""
        try:
            self._require().commit()
        except SQLAlchemyError as exc:
            raise translate(exc) from None

    def rollback(self) -> None:
        """Roll the transaction back."""
        self._require().rollback()

    def _require(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its with-block")
        return self._session
