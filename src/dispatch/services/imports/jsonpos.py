"""A JSON reader that remembers where every value and key starts.

The standard library's decoder gives positions only for syntax errors. An
import must name the line of every bad value (``tickets[3].history[1].at``,
line 41), so this reader walks the text itself, using the standard library's
string scanner for strings, and records the offset of each value and each
object key by its path. Values come out as ``json.loads`` makes them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from json import JSONDecodeError
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

Path = tuple[str | int, ...]
"""Where a value sits: object keys and list indices from the top."""

MAX_DEPTH = 64
"""Deeper nesting than any import needs; refused rather than risking the stack."""

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_CONSTANTS: tuple[tuple[str, Any], ...] = (("true", True), ("false", False), ("null", None))


@dataclass(slots=True)
class Located:
    """A parsed JSON text with the positions of its parts.

    Attributes:
        value: The parsed value.
        text: The text it was parsed from.
        values: Offset of each value by path.
        keys: Offset of each object key by the path of its value.
    """

    value: Any
    text: str
    values: dict[Path, int] = field(default_factory=dict)
    keys: dict[Path, int] = field(default_factory=dict)
    _newlines: list[int] | None = None

    def line_col(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of ``offset``."""
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_left(self._newlines, offset)
        start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def value_at(self, path: Path) -> tuple[int, int]:
        """Line and column where the value at ``path`` starts (or its nearest parent)."""
        while path not in self.values and path:
            path = path[:-1]
        return self.line_col(self.values.get(path, 0))

    def key_at(self, path: Path) -> tuple[int, int]:
        """Line and column of the key naming ``path`` (else of its value)."""
        if path in self.keys:
            return self.line_col(self.keys[path])
        return self.value_at(path)


def parse(text: str) -> Located:
    """Parse a JSON text, recording positions.

    Raises:
        json.JSONDecodeError: On malformed JSON or a key given twice in one
            object (its ``lineno`` and ``colno`` say where).
    """
    result = Located(value=None, text=text)
    parser = _Parser(text, result)
    value, end = parser.value(0, ())
    end = _WS.match(text, end).end()  # type: ignore[union-attr]
    if end != len(text):
        raise JSONDecodeError("Extra data", text, end)
    result.value = value
    return result


class _Parser:
    def __init__(self, text: str, into: Located) -> None:
        self.s = text
        self.into = into

    def value(self, i: int, path: Path) -> tuple[Any, int]:
        s = self.s
        i = _WS.match(s, i).end()  # type: ignore[union-attr]
        if len(path) > MAX_DEPTH:
            raise JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", s, i)
        self.into.values[path] = i
        char = s[i : i + 1]
        if char == "{":
            return self.object(i + 1, path)
        if char == "[":
            return self.array(i + 1, path)
        if char == '"':
            text, end = scanstring(s, i + 1, True)
            return str(text), int(end)
        for word, constant in _CONSTANTS:
            if s.startswith(word, i):
                return constant, i + len(word)
        match = _NUMBER.match(s, i)
        if match is None:
            raise JSONDecodeError("Expecting value", s, i)
        frac, exp = match.groups()
        number: Any = float(match.group()) if frac or exp else int(match.group())
        return number, match.end()

    def object(self, i: int, path: Path) -> tuple[dict[str, Any], int]:
        s = self.s
        out: dict[str, Any] = {}
        i = _WS.match(s, i).end()  # type: ignore[union-attr]
        if s[i : i + 1] == "}":
            return out, i + 1
        while True:
            if s[i : i + 1] != '"':
                raise JSONDecodeError("Expecting property name enclosed in double quotes", s, i)
            key_at = i
            key, i = scanstring(s, i + 1, True)
            if key in out:
                raise JSONDecodeError(f"key {key!r} given twice", s, key_at)
            i = _WS.match(s, i).end()  # type: ignore[union-attr]
            if s[i : i + 1] != ":":
                raise JSONDecodeError("Expecting ':' delimiter", s, i)
            self.into.keys[(*path, key)] = key_at
            out[key], i = self.value(i + 1, (*path, key))
            i = _WS.match(s, i).end()  # type: ignore[union-attr]
            char = s[i : i + 1]
            if char == "}":
                return out, i + 1
            if char != ",":
                raise JSONDecodeError("Expecting ',' delimiter", s, i)
            i = _WS.match(s, i + 1).end()  # type: ignore[union-attr]

    def array(self, i: int, path: Path) -> tuple[list[Any], int]:
        s = self.s
        out: list[Any] = []
        i = _WS.match(s, i).end()  # type: ignore[union-attr]
        if s[i : i + 1] == "]":
            return out, i + 1
        while True:
            item, i = self.value(i, (*path, len(out)))
            out.append(item)
            i = _WS.match(s, i).end()  # type: ignore[union-attr]
            char = s[i : i + 1]
            if char == "]":
                return out, i + 1
            if char != ",":
                raise JSONDecodeError("Expecting ',' delimiter", s, i)
            i += 1
