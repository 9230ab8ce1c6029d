"""Engines, SQLite settings, file permissions and schema migrations.

SQLite is set up for several consoles on one host: WAL (readers never block
the writer), a busy timeout, ``synchronous=FULL`` (a committed change survives
a power cut) and ``BEGIN IMMEDIATE`` for writing units of work: a deferred
transaction that reads and then writes fails with "database is locked" as soon
as another process writes, whatever the timeout, while an immediate one waits
its turn (measured: 15 of 16 concurrent writers failed deferred, none
immediate).
"""

from __future__ import annotations

import os
import sqlite3
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dispatch.domain.errors import InvalidInputError, StorageUnavailableError

if TYPE_CHECKING:  # Alembic is imported only when a migration must run (see below)
    from alembic.config import Config
    from alembic.script import ScriptDirectory

WRITE_OPTION = "dispatch_write"
"""Execution option set by writing units of work (``BEGIN IMMEDIATE`` on SQLite)."""

BUSY_TIMEOUT_MS = 10_000


SECRET_QUERY_KEYS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "sslpassword",
        "secret",
        "token",
        "access_token",
        "auth_token",
        "api_key",
        "apikey",
    }
)
"""Query parameters of a database URL that carry a credential (compared lower-case)."""


def safe_url(url: str | URL) -> str:
    """The URL with every credential masked, fit for screens and logs.

    The password of the user part and the value of every query parameter
    that names a credential (``?password=``, ``sslpassword=``, ``token=`` ...)
    become ``***``.
    """
    try:
        parsed = make_url(url)
        base = parsed.set(query={}).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL must not leak through its repr
        return "<malformed database URL>"
    pairs = []
    for key, value in parsed.query.items():
        secret = key.lower() in SECRET_QUERY_KEYS
        for one in (value,) if isinstance(value, str) else value:
            shown = "***" if secret else quote(one, safe="/:,@")
            pairs.append(f"{quote(key, safe='')}={shown}")
    return f"{base}?{'&'.join(pairs)}" if pairs else base


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or ``None`` for memory or other backends."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def prepare_sqlite_file(path: Path, *, own_dir: Path | None = None) -> None:
    """Check where a SQLite database goes, and create a new file owner-only (0600).

    SQLite creates a new file with the process umask (world-readable under
    022), and its -wal and -shm files copy the main file's mode, so creating
    the main file first with 0600 keeps all three private. An existing file is
    left as its owner set it (a team may share one through a group), but it
    must be a dispatch database (or empty): another application's database is
    refused before anything (such as the switch to WAL mode) changes it.

    Only ``own_dir`` (dispatch's data directory) is created when missing: a
    directory a user named that does not exist is refused, since a typo would
    otherwise open a new, empty queue.

    Raises:
        InvalidInputError: A missing directory, a file where a directory should
            be, or a file that is not a dispatch database.
        StorageUnavailableError: If the directory or the file cannot be created.
    """
    parent = path.parent
    if own_dir is not None and parent == own_dir:
        try:
            parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StorageUnavailableError(
                f"cannot create the directory {parent}: {exc.strerror}"
            ) from None
    if not parent.is_dir():
        blocker = next((p for p in parent.parents if p.exists()), None)
        if parent.exists() or (blocker is not None and not blocker.is_dir()):
            file = parent if parent.exists() else blocker
            raise InvalidInputError(f"{file} is a file, not a directory: cannot hold {path.name}")
        raise InvalidInputError(f"directory {parent} does not exist (create it, or check the path)")
    if path.exists():
        _refuse_foreign_sqlite(path)
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return  # another process created it meanwhile
    except OSError as exc:
        raise StorageUnavailableError(
            f"cannot create the database file {path}: {exc.strerror}"
        ) from None
    os.close(fd)


SQLITE_HEADER = b"SQLite format 3\x00"
DISPATCH_TABLES = frozenset({"alembic_version", "tickets"})
"""Tables every dispatch database has (an empty file has none, and is dispatch's to fill)."""


def _refuse_foreign_sqlite(path: Path) -> None:
    """Refuse an existing file that is not SQLite, or a SQLite database of another program."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except IsADirectoryError:
        raise InvalidInputError(f"{path} is a directory, not a database file") from None
    except OSError as exc:
        raise StorageUnavailableError(
            f"cannot read the database file {path}: {exc.strerror}"
        ) from None
    if not header:
        return  # empty: a new database
    if header != SQLITE_HEADER:
        raise InvalidInputError(f"{path} is not a SQLite database: name another file")
    try:
        # Read-only and immutable: looking must not change the file (no WAL, no -shm).
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            tables = {
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return  # cannot look (locked, encrypted): opening it reports the trouble
    if tables and not tables >= DISPATCH_TABLES:
        shown = ", ".join(sorted(tables)[:4]) + (", …" if len(tables) > 4 else "")
        raise InvalidInputError(
            f"{path} is not a dispatch database (its tables: {shown}): name another file"
        )


def make_engine(url: str, *, own_dir: Path | None = None, **kwargs: Any) -> Engine:
    """Build the engine for ``url`` with dispatch's settings.

    Args:
        url: A SQLAlchemy URL: ``sqlite:///path`` or ``postgresql+psycopg://...``.
        own_dir: dispatch's data directory, created if a SQLite file goes there.
        **kwargs: Extra ``create_engine`` arguments (tests pass a pool class).

    Raises:
        InvalidInputError: If the URL cannot be parsed or names an unsupported
            backend, or its SQLite file cannot be dispatch's (see
            :func:`prepare_sqlite_file`).
        StorageUnavailableError: If the SQLite file cannot be created.
    """
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - the message must not echo the URL (password)
        raise InvalidInputError(f"cannot parse the database URL {safe_url(url)}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InvalidInputError(
            f"unsupported database {safe_url(parsed)}: use sqlite:///PATH or postgresql+psycopg://"
        )
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "postgresql" and parsed.password is None and "password" in parsed.query:
        # A password given as ?password= moves to the user part, where
        # SQLAlchemy's own reprs (of the URL, the engine) mask it too.
        password = parsed.query["password"]
        parsed = parsed.set(
            password=password if isinstance(password, str) else password[0]
        ).difference_update_query(["password"])
    # Error messages must not carry bound values (customer text, tokens).
    kwargs.setdefault("hide_parameters", True)
    if backend == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            prepare_sqlite_file(path, own_dir=own_dir)
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("timeout", BUSY_TIMEOUT_MS / 1000)
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (the driver's implicit
        # transactions cannot be made IMMEDIATE per unit of work).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """The application's one session factory (objects stay readable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


# --- migrations -----------------------------------------------------------
#
# Importing Alembic pulls Mako and Pygments: about 100 ms of every start, for
# a check that is one SELECT. So the revision a database is at is read with
# plain SQL and compared with HEAD_REVISION, and Alembic is imported only to
# upgrade (or to name the shipped head for ``dispatch db``).

HEAD_REVISION = "0017"
"""The newest migration shipped with this version of dispatch (a new migration
changes it: a test compares it with Alembic's head of ``migrations/versions``)."""

VERSION_TABLE = "alembic_version"
"""Alembic's table holding the revision a database is at."""


def _migrations() -> str:
    return str(resources.files("dispatch.store") / "migrations")


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", _migrations())
    config.attributes["connection"] = connection
    return config


def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(_migrations())


def head_revision() -> str:
    """The newest migration shipped with this version of dispatch, as Alembic finds it."""
    head = _script().get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, ``None`` for an empty database.

    Read as Alembic reads it (the one row of ``alembic_version``, if the table
    exists), without importing Alembic.

    Raises:
        StorageUnavailableError: If the database cannot be reached or read, or
            it records more than one revision (dispatch's migrations are a line).
    """
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(VERSION_TABLE):
                return None
            rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    except SQLAlchemyError as exc:
        raise StorageUnavailableError(
            f"cannot open the database {safe_url(engine.url)}: {_first_line(exc)}"
        ) from None
    if len(rows) > 1:
        raise StorageUnavailableError(
            f"the database {safe_url(engine.url)} records several schema revisions "
            f"({', '.join(sorted(rows))}): it was not migrated by dispatch"
        )
    return rows[0] if rows else None


def upgrade(engine: Engine) -> None:
    """Apply every pending migration in one transaction.

    Raises:
        StorageUnavailableError: If the database cannot be reached or migrated,
            or its schema is newer than this version of dispatch knows.
    """
    from alembic import command

    current = current_revision(engine)
    if current is not None and not _known_revision(current):
        raise StorageUnavailableError(
            f"the database {safe_url(engine.url)} is at schema revision {current}, "
            f"newer than this dispatch knows ({head_revision()}): upgrade dispatch"
        )
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # SQLite's way to change a table that others reference: copy it
                # with foreign keys off (they cannot be switched inside a
                # transaction), then check them all before the commit.
                _sqlite_foreign_keys(conn, on=False)
            try:
                with conn.begin():
                    if not sqlite:
                        # Two processes upgrading the same database wait for each
                        # other; the second then finds nothing to do. (On SQLite the
                        # writing transaction is BEGIN IMMEDIATE, which serialises.)
                        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
                    command.upgrade(_alembic_config(conn), "head")
                    if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise StorageUnavailableError(
                            f"cannot migrate the database {safe_url(engine.url)}: "
                            "it would break a reference between tables"
                        )
            finally:
                if sqlite:
                    _sqlite_foreign_keys(conn, on=True)
    except SQLAlchemyError as exc:
        raise StorageUnavailableError(
            f"cannot migrate the database {safe_url(engine.url)}: {_first_line(exc)}"
        ) from None


def _sqlite_foreign_keys(conn: Connection, *, on: bool) -> None:
    """Switch SQLite's foreign key checks on the connection (outside a transaction)."""
    raw = conn.connection.driver_connection
    assert raw is not None  # a checked-out connection has its driver's connection
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def ensure_schema(engine: Engine) -> None:
    """Upgrade the database if it is not at the newest migration (cheap when it is).

    An up-to-date database costs one read and no import of Alembic.
    """
    if current_revision(engine) != HEAD_REVISION:
        upgrade(engine)


def _first_line(exc: SQLAlchemyError) -> str:
    """The driver's own message, first line (no SQL, no parameters)."""
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]


def _known_revision(revision: str) -> bool:
    """Whether this version's migrations include ``revision``."""
    from alembic.util import CommandError as AlembicError

    try:
        return _script().get_revision(revision) is not None
    except AlembicError:
        return False


def dialect_insert(session: Session, table: Any) -> Any:
    """The backend's own ``INSERT`` construct: both know ``ON CONFLICT DO NOTHING``."""
    # Imported here: a SQLite console never loads PostgreSQL's dialect (about 20 ms).
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def translate(exc: SQLAlchemyError) -> StorageUnavailableError:
    """Turn a database error into one line that names no parameter or password."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        detail = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        detail = detail or type(exc.orig).__name__
    else:
        detail = type(exc).__name__
    if isinstance(exc, OperationalError) and "locked" in detail:
        return StorageUnavailableError(f"the database is busy (another writer holds it): {detail}")
    return StorageUnavailableError(f"database error: {detail}")
