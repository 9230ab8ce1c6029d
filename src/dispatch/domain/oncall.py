"""On-call rotas: who is on call at an instant, computed from rotations and overrides.

A **rotation** hands over daily or weekly at a local time in a zone, through
an ordered list of technicians: the first hand-over at or after its start day
begins the first member's shift, each later one the next member's, round and
round. Hand-overs are wall-clock times, so one at 08:00 stays at 08:00 across
daylight-saving changes (a daily shift then lasts 23 or 25 hours). The rule
for wall times a change skips or repeats is the SLA calendars' one
(:func:`dispatch.domain.calendar.wall_instant`): a hand-over inside a
spring-forward gap happens at the jump (03:30 on a day the clock jumps from
03:00 to 04:00 hands over at 04:00), and a repeated wall time (the fall-back
hour) hands over at its first occurrence, so it happens once.

**Layers add up**: every rotation's current member is on call, whatever its
layer (layer 1 the primary, layer 2 a second line, ...). Rotations never leave
a gap once started, so a layer that took precedence would hide the ones below
it for ever; the layer number orders the rota and tells the primary from the
backup in what is shown.

An **override** puts one technician in another's place for a span ("Ana
covers Tom from Friday 18:00 to Monday 08:00"): wherever the replaced one's
shift falls in the span, in any rotation, the covering one is on call instead.
Overrides do not chain (one covering for Ana does not cover Ana's cover of
Tom); where two overlap for the same person, the newer (higher id) wins.

Where no rotation exists at all, the stored ``on_call`` flag of each
technician stays in force (:func:`apply_schedule`), so a business that does
not keep rotas in dispatch keeps flipping it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from dispatch.domain.calendar import WEEKDAYS, wall_instant, zone
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.model import Technician

MAX_SHIFTS = 5000
"""The most shifts one query lists (a daily rota over more than ten years is refused)."""

FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Period(enum.StrEnum):
    """How often a rotation hands over."""

    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def days(self) -> int:
        """Days from one hand-over to the next."""
        return 1 if self is Period.DAILY else 7


@dataclass(frozen=True, slots=True)
class Rotation:
    """Technicians taking turns on call, handing over at a local time.

    Attributes:
        id: Database identity.
        name: Unique name, e.g. ``primary``.
        layer: 1 for the first line, 2 for the second, ...
        timezone: The zone the hand-over time is read in (IANA name).
        handover: The local wall time of every hand-over.
        period: Daily or weekly hand-overs.
        start: The first day the rotation may hand over on (local date).
        members: Technicians' logins in the order they take their turn.
        weekday: For weekly rotations, the hand-over day (0 Monday ... 6 Sunday).
        created_at: When it was added.
    """

    id: int
    name: str
    layer: int
    timezone: str
    handover: time
    period: Period
    start: date
    members: tuple[str, ...]
    weekday: int | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInputError("a rotation needs a name")
        if self.layer < 1:
            raise InvalidInputError(f"layer {self.layer} is not 1 or more")
        zone(self.timezone)
        if not self.members or any(not m.strip() for m in self.members):
            raise InvalidInputError("a rotation needs at least one technician's login")
        if self.handover.tzinfo is not None:
            raise InvalidInputError("the hand-over time is a local wall time (no offset)")
        if self.period is Period.WEEKLY and self.weekday is None:
            raise InvalidInputError("a weekly rotation needs the weekday it hands over on")
        if self.period is Period.DAILY and self.weekday is not None:
            raise InvalidInputError("a daily rotation hands over every day (no weekday)")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise InvalidInputError(f"weekday {self.weekday} is not 0 (Monday) to 6 (Sunday)")

    @property
    def first_day(self) -> date:
        """The local day of the first hand-over."""
        if self.weekday is None:
            return self.start
        return self.start + timedelta(days=(self.weekday - self.start.weekday()) % 7)

    def handover_at(self, index: int) -> datetime:
        """The instant (UTC) of hand-over ``index`` (0: the first), which begins that shift."""
        day = self.first_day + timedelta(days=index * self.period.days)
        return wall_instant(datetime.combine(day, self.handover), zone(self.timezone))

    def shift_index(self, at: datetime) -> int | None:
        """The number of the shift running at ``at`` (``None``: before the first hand-over)."""
        local = at.astimezone(zone(self.timezone)).date()
        index = (local - self.first_day).days // self.period.days
        # The local date puts us within one shift of the answer; hand-over instants settle it.
        while index >= 0 and self.handover_at(index) > at:
            index -= 1
        if index < 0:
            return None
        while self.handover_at(index + 1) <= at:
            index += 1
        return index

    def member(self, index: int) -> str:
        """Whose turn shift ``index`` is."""
        return self.members[index % len(self.members)]

    def base_shifts(self, start: datetime, end: datetime) -> list[Shift]:
        """The rotation's own shifts (no overrides) overlapping ``[start, end)``."""
        first = self.shift_index(start)
        index = 0 if first is None else first
        out: list[Shift] = []
        begin = self.handover_at(index)
        while begin < end:
            if len(out) >= MAX_SHIFTS:
                raise InvalidInputError(
                    f"more than {MAX_SHIFTS} shifts between {start:%Y-%m-%d} and {end:%Y-%m-%d};"
                    " ask for a shorter span"
                )
            following = self.handover_at(index + 1)
            if following > start:
                out.append(Shift(self.name, self.layer, self.member(index), begin, following))
            index, begin = index + 1, following
        return out


@dataclass(frozen=True, slots=True)
class Override:
    """One technician on call in another's place for a span.

    Attributes:
        id: Database identity (the newer of two overlapping overrides wins).
        login: Who covers.
        replaces: Whose shifts they cover.
        start: From this instant (aware).
        end: Until this instant (exclusive).
        note: Why, in the dispatcher's words.
        created_at: When it was recorded.
    """

    id: int
    login: str
    replaces: str
    start: datetime
    end: datetime
    note: str = ""
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.login.strip() or not self.replaces.strip():
            raise InvalidInputError("an override needs who covers and whom")
        if self.login == self.replaces:
            raise InvalidInputError(f"{self.login!r} cannot cover for themselves")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInputError("an override's start and end need a UTC offset")
        if self.end <= self.start:
            raise InvalidInputError(
                f"the override ends ({self.end.isoformat()}) before it starts"
                f" ({self.start.isoformat()})"
            )


@dataclass(frozen=True, slots=True)
class Shift:
    """A span during which one technician is on call in one rotation.

    Attributes:
        rotation: The rotation's name.
        layer: The rotation's layer.
        login: Who is on call.
        start: From this instant (UTC).
        end: Until this instant (exclusive).
        replaces: Whose turn it was, when an override put ``login`` there.
    """

    rotation: str
    layer: int
    login: str
    start: datetime
    end: datetime
    replaces: str | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    """Every rotation and the overrides that matter for a question.

    Attributes:
        rotations: The rotations (any order).
        overrides: Overrides (at least those overlapping the span asked about).
    """

    rotations: Sequence[Rotation] = ()
    overrides: Sequence[Override] = ()

    def shifts(self, start: datetime, end: datetime) -> list[Shift]:
        """The shifts, overrides applied, overlapping ``[start, end)``; by start, then layer.

        A shift keeps its real bounds (it may begin before ``start``); an
        override cuts the shift it covers into pieces.
        """
        if end <= start:
            raise InvalidInputError("the span to show ends before it starts")
        out: list[Shift] = []
        for rotation in self.rotations:
            for shift in rotation.base_shifts(start, end):
                out += [p for p in self._covered(shift) if p.end > start and p.start < end]
        return sorted(out, key=lambda s: (s.start, s.layer, s.rotation))

    def on_call(self, at: datetime) -> list[Shift]:
        """The shifts running at ``at``, by layer and rotation."""
        running = self.shifts(at, at + timedelta(microseconds=1))
        return sorted(running, key=lambda s: (s.layer, s.rotation))

    def logins_at(self, at: datetime) -> frozenset[str] | None:
        """Who is on call at ``at``; ``None`` when there is no rotation at all."""
        if not self.rotations:
            return None
        return frozenset(s.login for s in self.on_call(at))

    def _covered(self, shift: Shift) -> list[Shift]:
        """``shift`` cut where overrides of its member begin and end, each piece's cover."""
        relevant = [
            o
            for o in self.overrides
            if o.replaces == shift.login and o.start < shift.end and o.end > shift.start
        ]
        if not relevant:
            return [shift]
        cuts = {shift.start, shift.end}
        for o in relevant:
            cuts |= {t for t in (o.start, o.end) if shift.start < t < shift.end}
        bounds = sorted(cuts)
        pieces: list[Shift] = []
        for begin, finish in zip(bounds, bounds[1:], strict=False):
            active = [o for o in relevant if o.start <= begin < o.end]
            if active:
                cover = max(active, key=lambda o: o.id)
                piece = replace(
                    shift, login=cover.login, replaces=shift.login, start=begin, end=finish
                )
            else:
                piece = replace(shift, start=begin, end=finish)
            last = pieces[-1] if pieces else None
            if last is not None and (last.login, last.replaces) == (piece.login, piece.replaces):
                pieces[-1] = replace(last, end=finish)
            else:
                pieces.append(piece)
        return pieces


def apply_schedule(
    technicians: Iterable[Technician], schedule: Schedule, at: datetime
) -> list[Technician]:
    """The technicians with ``on_call`` as the schedule has it at ``at``.

    Without any rotation the stored flags stand (the fallback for a business
    that keeps no rotas in dispatch). A retired technician is on call for
    nobody, whatever a rota still lists.
    """
    logins = schedule.logins_at(at)
    if logins is None:
        return list(technicians)
    return [replace(t, on_call=t.login in logins and t.retired_at is None) for t in technicians]


def parse_weekday(text: str) -> int:
    """``mon``..``sun`` (or the full English name, any case) as 0..6."""
    key = text.strip().lower()
    for index, name in enumerate(FULL_WEEKDAYS):
        if key in (name, name[:3]):
            return index
    raise InvalidInputError(f"weekday {text!r} is not one of {', '.join(WEEKDAYS)}")
