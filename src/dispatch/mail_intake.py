"""``dispatch intake mail``: one message from the MTA, spooled first, then taken in.

The contract with the MTA (Postfix ``pipe``, ``.forward``, fetchmail/getmail ``mda``):

- exit 0 once the message is stored, quarantined or deliberately ignored
  (a duplicate, our own mail come back, an empty input);
- exit 75 (EX_TEMPFAIL) only for transient trouble: the configuration cannot
  be read, the spool is not writable, the database is down or locked, or this
  run took longer than ``[intake] timeout_seconds``. The MTA keeps the message
  and tries again; the spool copy makes that retry idempotent.
- never a bounce for our own bug: the raw bytes are on disk (``dispatch.spool``)
  before a byte is parsed; a message that cannot be parsed or stored because
  of a bug goes to the quarantine with the error, and the exit is 0.

Every outcome is one line on stderr and in ``<spool>/intake.log``.
"""

from __future__ import annotations

import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

if TYPE_CHECKING:
    from dispatch.config import Settings
    from dispatch.spool import Received, Spool

EX_OK = 0
EX_TEMPFAIL = 75


class IntakeTimeoutError(BaseException):
    """This run passed its time limit (a ``BaseException``: no handler may quarantine it)."""


def run(
    stdin: BinaryIO,
    *,
    db: str | None = None,
    spool_dir: Path | None = None,
    err: TextIO | None = None,
) -> int:
    """Take one message from ``stdin`` in; the exit code for the MTA."""
    from dispatch.config import load_settings
    from dispatch.domain.errors import DispatchError
    from dispatch.spool import Spool

    log = _Log(err or sys.stderr)
    try:
        settings = load_settings(db=db)
    except DispatchError as exc:
        log.say(f"tempfail: the configuration cannot be read: {exc}")
        return EX_TEMPFAIL
    spool = Spool(spool_dir or settings.spool_dir)
    try:
        received = spool.receive(stdin)
    except OSError as exc:
        log.say(f"tempfail: the spool {spool.root} is not writable: {exc.strerror or exc}")
        return EX_TEMPFAIL
    log.file = spool.root / "intake.log"
    if received.size == 0:
        received.path.unlink(missing_ok=True)
        log.say("ignored: empty input")
        return EX_OK
    limits = settings.intake
    if received.size > limits.max_message_bytes:
        spool.quarantine(
            received,
            f"too large: {received.size:,} bytes, at most {limits.max_message_bytes:,} "
            "([intake] max_message_bytes)",
        )
        log.say(f"quarantined {received.sha256}: {received.size:,} bytes is too large")
        return EX_OK
    try:
        with _deadline(limits.timeout_seconds):
            return _take_in(settings, spool, received, log)
    except IntakeTimeoutError:
        log.say(f"tempfail: {received.sha256} took over {limits.timeout_seconds:g} s")
        return EX_TEMPFAIL


def _take_in(settings: Settings, spool: Spool, received: Received, log: _Log) -> int:
    from dispatch.bootstrap import open_storage
    from dispatch.domain.errors import DispatchError, StorageUnavailableError
    from dispatch.domain.mail import parse_mail
    from dispatch.domain.ports import SystemClock
    from dispatch.services.intake_mail import MailPolicy, take_in
    from dispatch.spool import html_to_text

    try:
        limit = settings.intake.max_attachment_bytes
        skeleton = spool.skeleton(received, max_attachment_bytes=limit)
        mail = parse_mail(
            skeleton.raw,
            raw_sha256=received.sha256,
            html_to_text=html_to_text,
            own_address=settings.mail.sender,
            max_attachment_bytes=settings.intake.max_attachment_bytes,
            blobs=skeleton.blobs,
            blob_header=skeleton.header,
        )
        for data in mail.payloads.values():
            spool.put_blob(data)
    except OSError as exc:
        log.say(f"tempfail: the spool cannot keep attachments: {exc.strerror or exc}")
        return EX_TEMPFAIL
    except Exception:  # noqa: BLE001 - a bug of ours: keep the mail, never bounce it
        return _quarantine(spool, received, log, "could not be parsed")
    policy = MailPolicy(own_address=settings.mail.sender, severity=settings.intake.severity)
    try:
        storage = open_storage(settings.db_url)
    except DispatchError as exc:  # down, locked, or a URL to fix: the MTA tries again
        log.say(f"tempfail: the database cannot be used: {exc}")
        return EX_TEMPFAIL
    try:
        outcome = take_in(
            storage.writer(),
            SystemClock(),
            mail,
            received.sha256,
            policy,
            calendars=settings.calendars,
        )
    except StorageUnavailableError as exc:
        log.say(f"tempfail: the database cannot be used: {exc}")
        return EX_TEMPFAIL
    except Exception:  # noqa: BLE001 - a bug of ours: keep the mail, never bounce it
        return _quarantine(spool, received, log, "could not be stored")
    finally:
        storage.dispose()
    spool.done(received)
    where = f" T-{outcome.ticket_id}" if outcome.ticket_id else ""
    extra = "".join(
        [
            " (opened)" if outcome.opened else "",
            " (reopened)" if outcome.reopened else "",
            f" (follows T-{outcome.follows_id})" if outcome.follows_id else "",
            " (triage)" if outcome.triage else "",
        ]
    )
    log.say(f"{outcome.action}{where}{extra}: {mail.message_id}: {outcome.reason}")
    return EX_OK


def _quarantine(spool: Spool, received: Received, log: _Log, what: str) -> int:
    reason = traceback.format_exc(limit=20)
    try:
        spool.quarantine(received, reason)
    except OSError as exc:
        log.say(f"tempfail: {received.sha256} {what} and cannot be quarantined: {exc}")
        return EX_TEMPFAIL
    last = reason.strip().splitlines()[-1] if reason.strip() else "unknown error"
    log.say(f"quarantined {received.sha256}: {what}: {last}")
    return EX_OK


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise ``IntakeTimeoutError`` after ``seconds`` (main thread only; elsewhere no limit)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(_signum: int, _frame: object) -> None:
        raise IntakeTimeoutError

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Log:
    """One line a message: to stderr (the MTA's log) and to the spool's ``intake.log``."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.file: Path | None = None

    def say(self, line: str) -> None:
        from dispatch.domain.text import printable

        text = f"dispatch intake mail: {printable(line)}"
        print(text, file=self.err)
        if self.file is not None:
            try:
                with self.file.open("a", encoding="utf-8") as handle:
                    handle.write(f"{datetime.now(UTC).isoformat(timespec='seconds')} {text}\n")
            except OSError:
                pass  # the log is a courtesy; the outcome is already decided
