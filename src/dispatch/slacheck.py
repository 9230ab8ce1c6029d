"""Calendar case files: executable documentation that customers keep beside contracts.

The format (``dispatch sla check FILE.json``)::

    {"cases": [{"calendar": CAL, "start": ISO, "add_minutes": NUMBER,
                "pauses": [[ISO, ISO], ...], "expected": ISO}],
     "elapsed_cases": [{"calendar": CAL, "start": ISO, "end": ISO,
                        "pauses": [[ISO, ISO], ...], "expected_minutes": NUMBER}]}

where CAL is a calendar definition (``Calendar.from_json``) with a
``timezone``. Times need a UTC offset. Unknown keys are ignored; a malformed
case fails with its index and the field at fault, the others still run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dispatch.domain.calendar import BusinessClock, Calendar, Interval
from dispatch.domain.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One case's outcome.

    Attributes:
        where: ``cases[3]`` or ``elapsed_cases[0]``.
        passed: Whether it passed.
        message: What was checked, or what went wrong.
    """

    where: str
    passed: bool
    message: str

    def line(self) -> str:
        """``PASS cases[0]: ...`` or ``FAIL ...``."""
        return f"{'PASS' if self.passed else 'FAIL'} {self.where}: {self.message}"


MAX_MINUTES = 100 * 366 * 24 * 60
"""The longest duration a case may name: a century (beyond, a calendar walk takes minutes)."""


def load(path: Path) -> Mapping[str, Any]:
    """Read a case file.

    Raises:
        InvalidInputError: If it cannot be read or is not a JSON object with case lists.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise InvalidInputError(f"{path}: the top level must be an object")
    for key in ("cases", "elapsed_cases"):
        if key in data and not isinstance(data[key], list):
            raise InvalidInputError(f"{path}: {key} must be a list")
    if not data.get("cases") and not data.get("elapsed_cases"):
        raise InvalidInputError(f"{path}: no cases (expected 'cases' or 'elapsed_cases')")
    return data


def run(data: Mapping[str, Any]) -> list[CaseResult]:
    """Run every case of a loaded file."""
    results = [_run_add(case, f"cases[{i}]") for i, case in enumerate(data.get("cases", []))]
    results += [
        _run_elapsed(case, f"elapsed_cases[{i}]")
        for i, case in enumerate(data.get("elapsed_cases", []))
    ]
    return results


def summary(results: Sequence[CaseResult]) -> str:
    """``N passed, M failed``."""
    passed = sum(r.passed for r in results)
    return f"{passed} passed, {len(results) - passed} failed"


def _run_add(case: Any, where: str) -> CaseResult:
    try:
        fields = _object(case, where)
        clock = _clock(fields, where)
        start = _instant(fields, "start", where)
        minutes = _number(fields, "add_minutes", where)
        pauses = _pauses(fields, where)
        expected = _instant(fields, "expected", where)
        duration = _minutes(minutes, f"{where}.add_minutes")
        got = clock.add(start, duration, pauses)
    except InvalidInputError as exc:
        return CaseResult(where, False, f"malformed: {exc}")
    except OverflowError:
        return CaseResult(
            where, False, f"malformed: {where}.add_minutes: {_num(minutes)} min from the start "
            "lies beyond the year 9999"
        )  # fmt: skip
    text = f"add {_num(minutes)} min from {start.isoformat()}"
    if got == expected:
        return CaseResult(where, True, f"{text} -> {_show(got, expected)}")
    return CaseResult(
        where, False, f"{text}: expected {_show(expected, expected)}, got {_show(got, expected)}"
    )


def _run_elapsed(case: Any, where: str) -> CaseResult:
    try:
        fields = _object(case, where)
        clock = _clock(fields, where)
        start = _instant(fields, "start", where)
        end = _instant(fields, "end", where)
        pauses = _pauses(fields, where)
        expected = _number(fields, "expected_minutes", where)
        wanted = _minutes(expected, f"{where}.expected_minutes")
        got = clock.elapsed(start, end, pauses)
    except InvalidInputError as exc:
        return CaseResult(where, False, f"malformed: {exc}")
    got_minutes = got / timedelta(minutes=1)
    text = f"elapsed {start.isoformat()} to {end.isoformat()}"
    if got == wanted:
        return CaseResult(where, True, f"{text} = {_num(got_minutes)} min")
    return CaseResult(
        where, False, f"{text}: expected {_num(expected)} min, got {_num(got_minutes)} min"
    )


def _object(case: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(case, Mapping):
        raise InvalidInputError(f"{where}: a case must be an object")
    return case


def _clock(fields: Mapping[str, Any], where: str) -> BusinessClock:
    if "calendar" not in fields:
        raise InvalidInputError(f"{where}.calendar: missing")
    calendar = Calendar.from_json(
        fields["calendar"], name=f"{where}.calendar", where=f"{where}.calendar", require_zone=True
    )
    return BusinessClock(calendar)


def _instant(fields: Mapping[str, Any], key: str, where: str, value: Any = None) -> datetime:
    raw = fields.get(key) if value is None else value
    at = f"{where}.{key}"
    if raw is None:
        raise InvalidInputError(f"{at}: missing")
    try:
        parsed = datetime.fromisoformat(str(raw))
    except ValueError:
        raise InvalidInputError(f"{at}: {raw!r} is not an ISO-8601 time") from None
    if parsed.tzinfo is None:
        raise InvalidInputError(f"{at}: {raw!r} has no UTC offset")
    return parsed


def _number(fields: Mapping[str, Any], key: str, where: str) -> float:
    raw = fields.get(key)
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise InvalidInputError(f"{where}.{key}: must be a number, got {raw!r}")
    return float(raw)


def _minutes(value: float, at: str) -> timedelta:
    if value < 0:
        raise InvalidInputError(f"{at}: cannot be negative")
    if value > MAX_MINUTES:
        raise InvalidInputError(f"{at}: {_num(value)} is more than {MAX_MINUTES:,} minutes")
    # Whole microseconds: fractional minutes are exact to the microsecond.
    return timedelta(microseconds=round(value * 60_000_000))


def _pauses(fields: Mapping[str, Any], where: str) -> list[Interval]:
    raw = fields.get("pauses", [])
    if not isinstance(raw, list):
        raise InvalidInputError(f"{where}.pauses: must be a list of [start, end] pairs")
    pauses: list[Interval] = []
    for index, pair in enumerate(raw):
        at = f"pauses[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidInputError(f"{where}.{at}: must be a [start, end] pair")
        start = _instant({}, f"{at}[0]", where, pair[0])
        end = _instant({}, f"{at}[1]", where, pair[1])
        if end < start:
            raise InvalidInputError(f"{where}.{at}: ends before it starts")
        pauses.append((start, end))
    return pauses


def _show(instant: datetime, like: datetime) -> str:
    """An instant in the offset of ``like`` (the expected value), to compare by eye."""
    return instant.astimezone(like.tzinfo).isoformat()


def _num(value: float) -> str:
    return f"{value:g}"
