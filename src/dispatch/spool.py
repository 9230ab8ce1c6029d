"""The mail spool: raw messages kept on disk before anything else happens.

``dispatch intake mail`` streams standard input into ``tmp/``, fsyncs it and
renames it to ``new/<sha256>.eml`` before it parses a byte, so a message the
MTA handed over is never lost to a bug of ours. A message is then moved to
``cur/`` once it is stored, or to ``quarantine/`` (beside a ``.error`` file
saying why) when it could not be read. Attachments are kept by content,
``attachments/ab/<sha256>``, so the same file twice is kept once.

Large messages are read in bounded memory: ``split_large_parts`` walks the
MIME structure line by line and streams every big part (decoded) into the
attachment store, leaving the parser a small skeleton with a marker header
in its place. This module does I/O and so lives outside ``domain`` and
``services``; ``dispatch.mail_intake`` wires it in.
"""

from __future__ import annotations

import binascii
import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import BinaryIO

from dispatch.domain.conversation import Attachment
from dispatch.domain.mail_body import safe_file_name

CHUNK = 64 * 1024
"""How much of standard input, or of a line, is read at once."""

SPLIT_PART_BYTES = 512 * 1024
"""A part whose body is larger is streamed out of the message before parsing."""

TEXT_PART_BYTES = 2 * 1024 * 1024
"""A message's own text (an inline text part) stays in the skeleton up to this size:
it is the body (cut at ``intake_mail.MAX_BODY`` characters for the article)."""

SKELETON_BYTES = 4 * 1024 * 1024
"""Past this much of the skeleton, every further part of some size is streamed out too."""

MAX_HEADER_BYTES = 256 * 1024
"""A header block longer than this is read as body (no real mail has one)."""


@dataclass(frozen=True, slots=True)
class Received:
    """A message safely in the spool.

    Attributes:
        sha256: Its bytes' hash (its file's name).
        path: Where it is.
        size: Its size in bytes.
    """

    sha256: str
    path: Path
    size: int


@dataclass(frozen=True, slots=True)
class Skeleton:
    """A message ready to parse: its bytes with large parts taken out.

    Attributes:
        raw: The bytes to parse.
        blobs: The parts taken out, by the token their marker header holds.
        header: The marker header's name (random for each message, so mail
            cannot forge one).
    """

    raw: bytes
    blobs: dict[str, Attachment]
    header: str | None


class Spool:
    """A spool directory (created on first use).

    Args:
        root: The spool's directory.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def receive(self, stream: BinaryIO) -> Received:
        """Copy ``stream`` into ``new/<sha256>.eml``: written, fsynced, renamed.

        Raises:
            OSError: The spool is not writable (the MTA should try again later).
        """
        digest = hashlib.sha256()
        size = 0
        tmp = self._dir("tmp") / f"{os.getpid()}.{secrets.token_hex(8)}.part"
        try:
            with tmp.open("xb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self._dir("new") / f"{sha}.eml"
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return Received(sha, final, size)

    def done(self, received: Received) -> Path:
        """Move a stored message to ``cur/`` (kept: the article's ``raw_ref`` names it)."""
        return self._move(received, "cur")

    def quarantine(self, received: Received, reason: str) -> Path:
        """Move a message that could not be taken in to ``quarantine/``, with why."""
        target = self._move(received, "quarantine")
        target.with_suffix(".error").write_text(reason + "\n", encoding="utf-8")
        return target

    def put_blob(self, data: bytes) -> str:
        """Keep ``data`` in the attachment store; its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.blob_path(sha)
        if not target.exists():
            tmp = self._dir("tmp") / f"{os.getpid()}.{secrets.token_hex(8)}.blob"
            with tmp.open("xb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
        return sha

    def blob_path(self, sha256: str) -> Path:
        """Where the attachment with this hash is (or would be) kept."""
        return self.root / "attachments" / sha256[:2] / sha256

    def skeleton(self, received: Received, *, max_attachment_bytes: int) -> Skeleton:
        """The message to parse: itself if small, else with its large parts streamed out."""
        if received.size <= SPLIT_PART_BYTES:
            return Skeleton(received.path.read_bytes(), {}, None)
        header = f"X-Dispatch-Blob-{secrets.token_hex(8)}"
        splitter = _Splitter(self, header, max_attachment_bytes)
        with received.path.open("rb") as handle:
            splitter.run(handle)
        return Skeleton(splitter.out.getvalue(), splitter.blobs, header)

    def _move(self, received: Received, name: str) -> Path:
        target = self._dir(name) / received.path.name
        if received.path != target:
            os.replace(received.path, target)
        return target


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the file itself is synced
    finally:
        os.close(fd)


# --- streaming large parts out ------------------------------------------------------------


class _Reader:
    """Chunks of at most ``CHUNK`` bytes, each knowing whether it starts a line; with push-back."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._back: list[tuple[bytes, bool]] = []
        self._at_line_start = True

    def next(self) -> tuple[bytes, bool]:
        if self._back:
            return self._back.pop()
        chunk = self._handle.readline(CHUNK)
        starts = self._at_line_start
        self._at_line_start = chunk.endswith(b"\n")
        return chunk, starts

    def push(self, item: tuple[bytes, bool]) -> None:
        self._back.append(item)


def _boundary(chunk: bytes, starts: bool, bounds: list[bytes]) -> tuple[bool, bytes] | None:
    """``(closing, boundary)`` if ``chunk`` is a delimiter line of one of ``bounds``."""
    if not starts or not chunk.startswith(b"--") or not bounds:
        return None
    text = chunk.rstrip(b"\r\n\t ")
    for bound in bounds:
        if text == b"--" + bound:
            return False, bound
        if text == b"--" + bound + b"--":
            return True, bound
    return None


class _Blob:
    """A part's body decoded as it streams, hashed, kept while within the size limit."""

    def __init__(self, spool: Spool, encoding: str, limit: int) -> None:
        self._spool = spool
        self._encoding = encoding
        self._limit = limit
        self._digest = hashlib.sha256()
        self._carry = b""
        self._held = b""
        self.size = 0
        self._tmp: Path | None = spool._dir("tmp") / f"{os.getpid()}.{secrets.token_hex(8)}.blob"
        self._out: BinaryIO | None = self._tmp.open("xb")

    def feed(self, chunk: bytes) -> None:
        if self._encoding == "base64":
            data = self._carry + b"".join(chunk.split())
            whole = len(data) // 4 * 4
            self._carry = data[whole:]
            self._emit(_b64(data[:whole]))
        elif self._encoding == "quoted-printable":
            self._emit(binascii.a2b_qp(chunk))
        else:
            # The line ending before the next boundary belongs to the boundary:
            # hold the last chunk back until another comes.
            self._emit(self._held)
            self._held = chunk

    def finish(self) -> tuple[str, int, bool]:
        if self._encoding == "base64" and self._carry:
            self._emit(_b64(self._carry + b"=" * (-len(self._carry) % 4)))
        if self._held:
            held = self._held
            if held.endswith(b"\r\n"):
                held = held[:-2]
            elif held.endswith(b"\n"):
                held = held[:-1]
            self._emit(held)
        sha = self._digest.hexdigest()
        stored = self._out is not None
        if self._out is not None and self._tmp is not None:
            self._out.flush()
            os.fsync(self._out.fileno())
            self._out.close()
            target = self._spool.blob_path(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._tmp, target)
        return sha, self.size, stored

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        self._digest.update(data)
        self.size += len(data)
        if self._out is not None:
            if self.size > self._limit:
                self._drop()
            else:
                self._out.write(data)

    def _drop(self) -> None:
        """Too large to keep: hashed and counted only (the raw message keeps it)."""
        if self._out is not None and self._tmp is not None:
            self._out.close()
            self._tmp.unlink(missing_ok=True)
        self._out = None


def _b64(data: bytes) -> bytes:
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        return b""


class _Splitter:
    """Copies a message to ``out``, streaming large leaf bodies into the attachment store."""

    def __init__(self, spool: Spool, header: str, limit: int) -> None:
        self.spool = spool
        self.header = header.encode("ascii")
        self.limit = limit
        self.out = io.BytesIO()
        self.blobs: dict[str, Attachment] = {}

    def run(self, handle: BinaryIO) -> None:
        reader = _Reader(handle)
        rest = self._entity(reader, [])
        while rest is not None:  # text after a stray outer delimiter: keep it
            self.out.write(rest[0])
            rest = self._copy_until(reader, [])

    def _copy_until(self, reader: _Reader, bounds: list[bytes]) -> tuple[bytes, bool] | None:
        """Copy chunks until a delimiter of ``bounds`` (returned unwritten); ``None`` at the end."""
        while True:
            chunk, starts = reader.next()
            if not chunk:
                return None
            if _boundary(chunk, starts, bounds):
                return chunk, starts
            self.out.write(chunk)

    def _entity(self, reader: _Reader, bounds: list[bytes]) -> tuple[bytes, bool] | None:
        """Copy one entity (headers and body); the delimiter that ended it, unwritten."""
        head: list[bytes] = []
        size = 0
        blank = b""
        while True:
            chunk, starts = reader.next()
            if not chunk:
                break
            if _boundary(chunk, starts, bounds):
                reader.push((chunk, starts))
                break
            if starts and chunk in (b"\n", b"\r\n"):
                blank = chunk
                break
            head.append(chunk)
            size += len(chunk)
            if size > MAX_HEADER_BYTES:
                break
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(b"".join(head))
        boundary = headers.get_boundary()
        if headers.get_content_maintype() == "multipart" and boundary:
            self.out.write(b"".join(head) + blank)
            return self._multipart(reader, boundary.encode("ascii", "surrogateescape"), bounds)
        return self._leaf(reader, headers, head, blank, bounds)

    def _multipart(
        self, reader: _Reader, mine: bytes, bounds: list[bytes]
    ) -> tuple[bytes, bool] | None:
        inner = [mine, *bounds]
        found = self._copy_until(reader, inner)  # the preamble
        while found is not None:
            closing, which = _boundary(found[0], found[1], inner) or (True, b"")
            if which != mine:
                return found  # an outer delimiter: this one was never closed
            self.out.write(found[0])
            if closing:
                return self._copy_until(reader, bounds)  # the epilogue
            found = self._entity(reader, inner)
        return None

    def _leaf(
        self,
        reader: _Reader,
        headers: Message,
        head: list[bytes],
        blank: bytes,
        bounds: list[bytes],
    ) -> tuple[bytes, bool] | None:
        body: list[bytes] = []
        size = 0
        blob: _Blob | None = None
        disposition = str(headers.get("Content-Disposition", "")).strip().lower()
        own_text = (
            headers.get_content_maintype() == "text"
            and not disposition.startswith("attachment")
            and not headers.get_filename()
        )
        split_at = TEXT_PART_BYTES if own_text else SPLIT_PART_BYTES
        ended: tuple[bytes, bool] | None = None
        while True:
            chunk, starts = reader.next()
            if not chunk:
                break
            if _boundary(chunk, starts, bounds):
                ended = (chunk, starts)
                break
            if blob is not None:
                blob.feed(chunk)
                continue
            body.append(chunk)
            size += len(chunk)
            if size > split_at or (size > CHUNK and self.out.tell() + size > SKELETON_BYTES):
                encoding = str(headers.get("Content-Transfer-Encoding", "")).strip().lower()
                blob = _Blob(self.spool, encoding, self.limit)
                for held in body:
                    blob.feed(held)
                body = []
        if blob is None:
            self.out.write(b"".join(head) + blank + b"".join(body))
            return ended
        sha, length, stored = blob.finish()
        token = str(len(self.blobs) + 1)
        ctype = headers.get_content_type()
        self.blobs[token] = Attachment(
            name=safe_file_name(_file_name(headers), ctype, len(self.blobs) + 1),
            content_type=ctype[:255],
            size=length,
            sha256=sha,
            stored=stored,
        )
        self.out.write(b"".join(head) + self.header + b": " + token.encode() + b"\r\n")
        self.out.write(blank or b"\r\n")
        return ended


def _file_name(headers: Message) -> str:
    try:
        name = headers.get_filename() or ""
        return str(make_header(decode_header(name))) if "=?" in name else name
    except (ValueError, LookupError, UnicodeError, TypeError):
        return ""


def html_to_text(html: str) -> str:
    """HTML made plain text with inscriptis (tables laid out, scripts and styles dropped)."""
    from inscriptis import get_text

    return str(get_text(html))
