r"""Decoding an import file line by line, so that a bad byte is blamed on its line.

A text stream decodes a file in chunks of several kilobytes: a byte that is not
valid in the encoding fails the read of whichever line first touches that
chunk. ``DecodedLines`` reads bytes a line at a time and decodes each with an
incremental decoder, so the error says the line the byte is on. Lines are split
at ``\n``, which holds for every ASCII-compatible encoding (UTF-8, Latin-1,
Windows-125x); UTF-16 files must be converted first.
"""

from __future__ import annotations

import codecs
from typing import BinaryIO

READ_LIMIT = 1024 * 1024 * 1024
"""Guard on one physical line's length (a file with no newline at all)."""


class DecodeError(Exception):
    """A byte that is not valid in the file's encoding.

    Attributes:
        line: The physical line it is on.
        byte: The byte.
        encoding: The encoding tried.
    """

    def __init__(self, line: int, byte: int, encoding: str) -> None:
        self.line = line
        self.byte = byte
        self.encoding = encoding
        super().__init__(f"line {line}: byte 0x{byte:02x} is not {encoding} text")

    @property
    def message(self) -> str:
        """The issue's message."""
        return f"not {self.encoding} text (byte 0x{self.byte:02x}); name the file's encoding"


class DecodedLines:
    """Iterates over the decoded lines of a binary stream, counting them.

    Args:
        stream: The file, opened in binary mode.
        encoding: Its encoding; ``utf-8`` also drops a leading BOM.
    """

    def __init__(self, stream: BinaryIO, encoding: str) -> None:
        name = codecs.lookup(encoding).name
        self.encoding = "utf-8" if name in ("utf-8", "utf-8-sig") else name
        self._decoder = codecs.getincrementaldecoder(
            "utf-8-sig" if self.encoding == "utf-8" else name
        )()
        self._stream = stream
        self.lines = 0

    def __iter__(self) -> DecodedLines:
        return self

    def __next__(self) -> str:
        raw = self._stream.readline(READ_LIMIT)
        if not raw:
            raise StopIteration
        self.lines += 1
        try:
            return self._decoder.decode(raw)
        except UnicodeDecodeError as exc:
            raise DecodeError(self.lines, exc.object[exc.start], self.encoding) from None

    def read_all(self, limit: int) -> str | None:
        """The whole rest of the stream, or ``None`` if it is longer than ``limit`` bytes.

        Raises:
            DecodeError: With the line of the first bad byte.
        """
        raw = self._stream.read(limit + 1)
        if len(raw) > limit:
            return None
        try:
            return self._decoder.decode(raw, final=True)
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise DecodeError(line, exc.object[exc.start], self.encoding) from None
