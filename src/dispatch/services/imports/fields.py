"""Reading one field of an import record: type, range and the place to blame.

Every reader (JSON document, JSON Lines, CSV) turns an element into a plain
mapping of raw values plus a ``Where`` that says where each part of it sits.
``Fields`` checks the values one by one and collects an ``ImportIssue`` for each
that is wrong instead of stopping at the first, so a file's every error is
reported in one run.

CSV values are text: in *text mode* an empty cell is an absent value, lists are
joined by ``;``, and numbers, booleans and dates are parsed from their text.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from dispatch.domain.records import ImportIssue, Source

E = TypeVar("E", bound=enum.Enum)

Path = tuple[str | int, ...]
"""A part of a record: keys and list indices below the record itself."""

LIST_SEPARATOR = ";"
"""Joins the items of a list in one CSV cell."""

_UNSET: Any = object()

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


class Where(Protocol):
    """Where the parts of one record sit in its file."""

    def source(self, path: Path) -> Source:
        """Where the value at ``path`` starts."""

    def key_source(self, path: Path) -> Source:
        """Where the key naming ``path`` sits (JSON), else where its value does."""

    def name(self, path: Path) -> str:
        """How an error names the part: ``tickets[3].history[1].at`` or a CSV column."""


def json_path(base: str, path: Path) -> str:
    """``base`` followed by ``path`` in JSON-path style: ``tickets[3].history[1].at``."""
    out = base
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def shown(value: Any) -> str:
    """A value as an error message quotes it."""
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Fields:
    """Checked access to the raw values of one record.

    Args:
        raw: The record's raw values.
        where: Where its parts sit.
        issues: Where to collect what is wrong.
        text_mode: Whether values are CSV text.
        path: Where ``raw`` sits within the record (for nested parts).
    """

    def __init__(
        self,
        raw: Mapping[str, Any],
        where: Where,
        issues: list[ImportIssue],
        *,
        text_mode: bool,
        path: Path = (),
    ) -> None:
        self.raw = raw
        self.where = where
        self.issues = issues
        self.text_mode = text_mode
        self.path = path
        self._start = len(issues)

    @property
    def ok(self) -> bool:
        """Whether no issue was found since this reader was made."""
        return len(self.issues) == self._start

    def child(self, key: str | int, raw: Mapping[str, Any]) -> Fields:
        """A reader for the nested object ``raw`` found under ``key``."""
        return Fields(
            raw, self.where, self.issues, text_mode=self.text_mode, path=(*self.path, key)
        )

    def fail(
        self,
        key: str | int | None,
        message: str,
        value: Any = _UNSET,
        *,
        on_key: bool = False,
    ) -> None:
        """Record an issue with the part ``key`` (``None``: the record itself).

        Args:
            key: The part at fault.
            message: What is wrong with it.
            value: The value to quote (none when left out).
            on_key: Point at the key rather than the value (JSON).
        """
        path = self.path if key is None else (*self.path, key)
        source = self.where.key_source(path) if on_key else self.where.source(path)
        text = None if value is _UNSET else shown(value)
        self.issues.append(ImportIssue(source, self.where.name(path), message, text))

    def check_keys(self, allowed: Iterable[str]) -> None:
        """Every key must be one of ``allowed``: a typo must not be dropped silently."""
        known = set(allowed)
        for key in self.raw:
            if key not in known:
                path = (*self.path, key)
                self.issues.append(
                    ImportIssue(self.where.key_source(path), self.where.name(path), "unknown key")
                )

    def present(self, key: str) -> bool:
        """Whether ``key`` has a value (not null, not an empty CSV cell)."""
        value = self.raw.get(key)
        return value is not None and not (self.text_mode and value == "")

    def _missing(self, key: str) -> None:
        path = (*self.path, key)
        self.issues.append(ImportIssue(self.where.source(path), self.where.name(path), "missing"))

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        """A string; ``required`` ones must be non-blank."""
        if not self.present(key):
            if required:
                self._missing(key)
            return default
        value = self.raw[key]
        if not isinstance(value, str):
            self.fail(key, "must be a string", value)
            return default
        if required and not value.strip():
            self.fail(key, "must not be blank", value)
        return value

    def optional_text(self, key: str) -> str | None:
        """A string or ``None``."""
        if not self.present(key):
            return None
        value = self.text(key, required=False)
        return value or None

    def choice(self, key: str, kind: type[E], default: E | None = None) -> E | None:
        """One of an enum's values; ``None`` (after an issue) if missing and no default."""
        if not self.present(key):
            if default is None:
                self._missing(key)
            return default
        value = self.raw[key]
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in kind)
            self.fail(key, f"must be one of {allowed}", value)
            return default

    def instant(self, key: str, *, required: bool = True, value: Any = None) -> datetime | None:
        """An ISO-8601 time with a UTC offset, returned in UTC."""
        if value is None:
            if not self.present(key):
                if required:
                    self._missing(key)
                return None
            value = self.raw[key]
        if not isinstance(value, str):
            self.fail(key, "must be an ISO-8601 time string", value)
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.fail(key, "is not an ISO-8601 time", value)
            return None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.fail(key, "has no UTC offset (write e.g. 2026-03-01T09:30:00+02:00)", value)
            return None
        return parsed.astimezone(UTC)

    def day(self, key: str, *, required: bool = True) -> date | None:
        """An ISO date (``2026-01-01``)."""
        if not self.present(key):
            if required:
                self._missing(key)
            return None
        value = self.raw[key]
        if not isinstance(value, str):
            self.fail(key, "must be a date string (YYYY-MM-DD)", value)
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(key, "is not a date (YYYY-MM-DD)", value)
            return None

    def decimal(self, key: str, *, places: int | None = None) -> Decimal | None:
        """A non-negative decimal written as a string (or a whole JSON number).

        Fractional JSON numbers are refused: binary floats cannot hold money exactly.
        """
        if not self.present(key):
            return None
        value = self.raw[key]
        if isinstance(value, bool) or not isinstance(value, str | int):
            hint = ' (write it as a string, e.g. "120.50")' if isinstance(value, float) else ""
            self.fail(key, f"must be a decimal number string{hint}", value)
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.fail(key, "is not a decimal number", value)
            return None
        if not number.is_finite() or number < 0:
            self.fail(key, "must be a finite number, not negative", value)
            return None
        if places is not None and -number.as_tuple().exponent > places:  # type: ignore[operator]
            self.fail(key, f"has more than {places} decimal places", value)
            return None
        return number

    def number(self, key: str, *, default: float | None = None) -> float | None:
        """A finite number (for shares and minutes, not money)."""
        if not self.present(key):
            if default is None:
                self._missing(key)
            return default
        value = self.raw[key]
        if self.text_mode and isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                self.fail(key, "must be a number", value)
                return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.fail(key, "must be a number", self.raw[key])
            return default
        return float(value)

    def integer(self, key: str, *, default: int, minimum: int = 0) -> int:
        """A whole number not below ``minimum``."""
        if not self.present(key):
            return default
        value = self.raw[key]
        if self.text_mode and isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                self.fail(key, "must be a whole number", self.raw[key])
                return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "must be a whole number", value)
            return default
        if value < minimum:
            self.fail(key, f"must be at least {minimum}", value)
            return default
        return value

    def boolean(self, key: str, *, default: bool = False) -> bool:
        """``true``/``false`` (CSV also ``yes``/``no``, ``1``/``0``)."""
        if not self.present(key):
            return default
        value = self.raw[key]
        if self.text_mode and isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
        if isinstance(value, bool):
            return value
        self.fail(key, "must be true or false", value)
        return default

    def strings(self, key: str) -> tuple[str, ...]:
        """A list of strings (CSV: one cell, items joined by ``;``)."""
        if not self.present(key):
            return ()
        value = self.raw[key]
        if self.text_mode and isinstance(value, str):
            return tuple(item.strip() for item in value.split(LIST_SEPARATOR) if item.strip())
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(key, "must be a list of strings", value)
            return ()
        return tuple(item for item in value if item.strip())

    def objects(self, key: str) -> list[tuple[int, Mapping[str, Any]]]:
        """A list of objects, each with its index (non-objects are issues)."""
        if not self.present(key):
            return []
        value = self.raw[key]
        if not isinstance(value, list):
            self.fail(key, "must be a list", value)
            return []
        out: list[tuple[int, Mapping[str, Any]]] = []
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                out.append((index, item))
            else:
                path = (*self.path, key, index)
                self.issues.append(
                    ImportIssue(
                        self.where.source(path),
                        self.where.name(path),
                        "must be an object",
                        shown(item),
                    )
                )
        return out
